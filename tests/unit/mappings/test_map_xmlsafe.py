"""Hardened XML parsing: own hostile vectors plus the defusedxml and pyHanko attack files from the reference set."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from maptest_support import REFERENCE, VECTORS

from mappings import DocumentHostile, DocumentMalformed, MappingError, parse_xml

XML_CASES = sorted(p for p in (VECTORS / "xml").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", XML_CASES, ids=lambda p: p.name)
def test_xml_vector(case: Path) -> None:
    expected = tomllib.loads((case / "expected.toml").read_text(encoding="utf-8"))
    data = (case / "input.xml").read_bytes()
    if expected["outcome"] == "valid":
        assert parse_xml(data) is not None
        return
    with pytest.raises(MappingError) as info:
        parse_xml(data)
    assert info.value.code == expected["error"]


ATTACK_FILES = [
    *sorted((REFERENCE / "xmldsig" / "signxml" / "defusedxml-test-data").glob("*.xml")),
    *sorted((REFERENCE / "xmldsig" / "pyhanko-bad-xml").glob("*.xml")),
]


@pytest.mark.skipif(not ATTACK_FILES, reason=f"reference attack files absent under {REFERENCE}")
@pytest.mark.parametrize("path", ATTACK_FILES, ids=lambda p: p.name)
def test_reference_attack_files_never_expand(path: Path) -> None:
    data = path.read_bytes()
    try:
        root = parse_xml(data)
    except (DocumentHostile, DocumentMalformed):
        return
    # Files without any DTD (simple.xml, simple-ns.xml) parse; nothing in them may come from outside.
    assert b"<!DOCTYPE" not in data
    assert "root:" not in "".join(root.itertext())


def test_rejects_non_bytes() -> None:
    with pytest.raises(DocumentMalformed):
        parse_xml("<r/>")  # type: ignore[arg-type]
