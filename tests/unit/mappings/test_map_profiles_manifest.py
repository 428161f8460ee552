"""Cargo manifest profiles: CUSCAR D.96B and eFTI, vectors both ways, official structures and schemas."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from maptest_support import apply_edits, reference, vector_cases
from pydifact.parser import Parser

from mappings import DocumentMalformed, Interchange, MappingError, load_example, map_forward, map_reverse
from mappings.syntaxes.edifact.tree import _PlainFactory

# The envelope an agreement fixes for EDIFACT profiles (XML profiles ignore it).
INTERCHANGE = Interchange(sender="CN", recipient="MO")


@pytest.mark.parametrize("case", vector_cases("documents/manifest-cases.toml"))
def test_manifest_vector(case: dict[str, Any]) -> None:
    record = apply_edits(load_example(case["example"]), case)
    if case["direction"] == "forward":
        if case["outcome"] == "valid":
            result = map_forward(record, case["profile"], interchange=INTERCHANGE)
            assert result.report.ok and list(result.report.dropped) == case["dropped"]
            return
        with pytest.raises(MappingError) as info:
            map_forward(record, case["profile"], interchange=INTERCHANGE)
    else:
        document = map_forward(record, case["profile"], interchange=INTERCHANGE).document
        edited = document.replace(case["old"].encode(), case["new"].encode(), 1)
        assert edited != document, "the vector's 'old' text is not in the document"
        if case.get("outcome") == "valid":
            assert list(map_reverse(edited, case["profile"]).report.dropped) == case["dropped"]
            return
        with pytest.raises(MappingError) as info:
            map_reverse(edited, case["profile"])
    assert info.value.code == case["error"]
    if "path" in case:
        paths = [info.value.path] + ([f.path for f in info.value.report.findings] if info.value.report else [])
        assert case["path"] in paths


def _instants(value: Any) -> Any:
    """Replace ISO date-times by instants so that UTC and +08:00 renderings of one moment compare equal."""
    if isinstance(value, dict):
        return {k: _instants(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_instants(v) for v in value]
    if isinstance(value, str) and len(value) > 18 and value[10:11] == "T":
        return datetime.fromisoformat(value)
    return value


def test_cuscar_round_trip() -> None:
    record = load_example("manifest-cn-mo")
    back = map_reverse(map_forward(record, "manifest-cuscar-d96b", interchange=INTERCHANGE).document, "manifest-cuscar-d96b")
    assert _instants(back.record) == _instants(record)
    assert back.report.dropped == () and back.report.defaulted == ()


def test_efti_round_trip_keeps_what_efti_carries() -> None:
    record = load_example("manifest-cn-mo-single")
    forward = map_forward(record, "manifest-efti-consignment")
    back = map_reverse(forward.document, "manifest-efti-consignment")
    expected = apply_edits(load_example("manifest-cn-mo-single"), {"delete": [
        p.removeprefix("$.") for p in forward.report.dropped if not p.endswith(("sequence", "version", "action"))
    ]})
    assert back.record == expected
    assert set(back.report.defaulted) == {
        "$.manifest.version", "$.manifest.action",
        "$.consignments[0].goods_items[0].sequence", "$.consignments[0].goods_items[1].sequence",
        "$.consignments[0].goods_items[2].sequence",
    }


def _structure(path: Path) -> etree._Element:
    return etree.parse(str(path)).getroot()


def _conforms(segments: list[str], node: etree._Element, pos: int) -> int:
    """Match segment tags against a D.96B message structure (segments and groups with maxrepeat/required)."""
    for item in node:
        if item.tag not in ("segment", "group"):
            continue
        limit, required, count = int(item.get("maxrepeat", "1")), item.get("required") == "true", 0
        if item.tag == "segment":
            while pos < len(segments) and segments[pos] == item.get("id") and count < limit:
                pos, count = pos + 1, count + 1
        else:
            trigger = item.find("segment")
            assert trigger is not None
            while pos < len(segments) and segments[pos] == trigger.get("id") and count < limit:
                pos, count = _conforms(segments, item, pos), count + 1
        assert count or not required, f"required {item.tag} {item.get('id')} missing at segment {pos}"
    return pos


def test_cuscar_follows_the_d96b_message_structure() -> None:
    structure = _structure(reference("edifact/mapping-d96b/messages/cuscar.xml"))
    for example in ("manifest-cn-mo", "manifest-cn-mo-single"):
        text = map_forward(load_example(example), "manifest-cuscar-d96b", interchange=INTERCHANGE).document.decode()
        tags = [s.tag for s in Parser(factory=_PlainFactory()).parse(text) if s.tag not in ("UNA", "UNB", "UNZ")]
        assert _conforms(tags, structure, 0) == len(tags)


def test_cuscar_codes_exist_in_the_d96b_directory() -> None:
    codes = etree.parse(str(reference("edifact/mapping-d96b/codes.xml")))

    def known(element: str, code: str) -> bool:
        return bool(codes.xpath(f'//data_element[@id="{element}"]/code[@id="{code}"]'))

    for element, code in [("1001", "85"), ("1225", "9"), ("1225", "5"), ("1225", "1"), ("2005", "137"),
                          ("2005", "189"), ("2005", "232"), ("2379", "203"), ("3035", "CA"), ("3035", "CZ"),
                          ("3035", "CN"), ("3227", "9"), ("3227", "11"), ("3227", "42"), ("8051", "20"),
                          ("8053", "CN"), ("1153", "BM"), ("4451", "AAA"), ("6311", "AAE"), ("6313", "G"),
                          ("6069", "7"), ("6069", "11"), ("3035", "NI"), ("8273", "IMD")]:
        assert known(element, code), f"{element} {code}"


def test_efti_output_validates_against_official_schema() -> None:
    schema = etree.XMLSchema(etree.parse(str(reference("efti/xsd/consignment-common.xsd"))))
    record = load_example("manifest-cn-mo-single")
    variants = [record, apply_edits(load_example("manifest-cn-mo-single"), {
        "delete": ["equipment", "manifest.exit_customs", "manifest.means_id", "manifest.means_nationality",
                   "manifest.departure_datetime", "manifest.arrival_datetime"]})]
    for variant in variants:
        doc = etree.fromstring(map_forward(variant, "manifest-efti-consignment").document)
        assert schema.validate(doc), schema.error_log


@pytest.mark.parametrize("name", ["D95BBAPLIE.edi", "D95BCOARRI.edi", "D96ADESADV.edi"])
def test_other_edifact_messages_are_refused(name: str) -> None:
    folder = reference("edifact/php-edifact-samples")
    matches = sorted(folder.rglob(f"*{name}*"))
    if not matches:
        pytest.skip(f"{name} not in {folder}")
    with pytest.raises(DocumentMalformed):
        map_reverse(matches[0].read_bytes(), "manifest-cuscar-d96b")
