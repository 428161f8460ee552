"""How shipped schemas are loaded: from their files, imports next to them; through package data only for a zip."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from mappings import load_example, map_forward
from mappings.syntaxes.xml import schema
from mappings._data import data_file

SCHEMAS = Path(str(data_file("schemas")))
_XSD = "{http://www.w3.org/2001/XMLSchema}"


@pytest.mark.parametrize("path", sorted(SCHEMAS.rglob("*.xsd")), ids=lambda p: str(p.relative_to(SCHEMAS)))
def test_shipped_schemas_import_only_their_siblings(path: Path) -> None:
    # libxml2 resolves imports next to the file it loads; a URL, an absolute path or a climb out of the folder
    # would reach outside the package.
    root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    for element in root.iter(f"{_XSD}import", f"{_XSD}include", f"{_XSD}redefine"):
        location = element.get("schemaLocation")
        assert location is not None and re.fullmatch(r"[A-Za-z0-9_.-]+\.xsd", location), location
        assert (path.parent / location).is_file(), location


class _NotAPath:
    """Package data as a zip import would hand it out: readable, but not a file on disk."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def read_bytes(self) -> bytes:
        return self._path.read_bytes()


def test_a_package_that_is_not_on_disk_loads_through_the_package_resolver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schema, "data_file", lambda relative: _NotAPath(Path(str(data_file(relative)))))
    loaded = schema._load("ubl-coo/maindoc.xsd")
    document = map_forward(load_example("coo-cn-hk"), "coo-ubl24-cepa-hk").document
    assert loaded.validate(etree.fromstring(document))
    assert not loaded.validate(etree.fromstring(document.replace(b"<cbc:ID>", b"<cbc:Bogus/><cbc:ID>", 1)))
