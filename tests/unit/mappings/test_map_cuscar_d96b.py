"""CUSCAR D.96B that strangers parse (issue 12 item 2): the agreement's envelope, D.96B element lengths and code
lists checked by an independent, directory-driven reader, several messages per interchange and the agreed
character sets on the way in."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from d96b_directory import Composite, Directory, _service as _service_layout, check_interchange, tokenize
from maptest_support import reference

from mappings import (
    CharsetRefused,
    CodeUnmapped,
    DocumentMalformed,
    Interchange,
    RecordInvalid,
    get_codelist,
    load_catalog,
    load_example,
    map_forward,
    map_reverse,
)
from mappings.specs.profiles import _spec
from mappings.specs.language import Node

PROFILE = "manifest-cuscar-d96b"
EXAMPLES = ("manifest-cn-mo", "manifest-cn-mo-single")
AGREEMENTS = {
    "default-unoc-4": Interchange(sender="CN", recipient="MO"),
    "unoc-3-qualified": Interchange(sender="CN-SW", recipient="MO-SW", sender_qualifier="ZZZ",
                                    recipient_qualifier="ZZZ", syntax_version=3),
    "unow-4": Interchange(sender="CN", recipient="MO", syntax_identifier="UNOW"),
    "unoy-4": Interchange(sender="CN", recipient="MO", syntax_identifier="UNOY"),
}


@pytest.fixture(scope="module")
def directory() -> Directory:
    return Directory(reference("edifact/mapping-d96b"), "CUSCAR")


def _segments(document: bytes) -> dict[str, list[list[list[str]]]]:
    found: dict[str, list[list[list[str]]]] = {}
    for tag, fields in tokenize(document)[1]:
        found.setdefault(tag, []).append(fields)
    return found


@pytest.mark.parametrize("example", EXAMPLES)
@pytest.mark.parametrize("agreement", AGREEMENTS, ids=str)
def test_output_conforms_to_the_d96b_directory(directory: Directory, example: str, agreement: str) -> None:
    document = map_forward(load_example(example), PROFILE, interchange=AGREEMENTS[agreement]).document
    assert check_interchange(document, directory) == []


def test_unb_carries_the_agreement() -> None:
    record = load_example("manifest-cn-mo")
    v4 = _segments(map_forward(record, PROFILE, interchange=AGREEMENTS["default-unoc-4"]).document)["UNB"][0]
    # 2025-06-12T09:30+08:00 is 01:30 UTC on the 12th.
    assert v4[:4] == [["UNOC", "4"], ["CN"], ["MO"], ["20250612", "0130"]]
    v3 = _segments(map_forward(record, PROFILE, interchange=AGREEMENTS["unoc-3-qualified"]).document)["UNB"][0]
    assert v3[:4] == [["UNOC", "3"], ["CN-SW", "ZZZ"], ["MO-SW", "ZZZ"], ["250612", "0130"]]


def test_imo_number_travels_as_a_qualified_means_of_transport_identification() -> None:
    document = map_forward(load_example("manifest-cn-mo"), PROFILE, interchange=AGREEMENTS["default-unoc-4"]).document
    tdt = _segments(document)["TDT"][0]
    # C222: 8213 (an..9) the IMO digits, 1131 146 = means of transport identification, 3055 11 = Lloyd's.
    assert tdt[7] == ["9876543", "146", "11", "EXAMPLE PEARL", "CN"]
    assert map_reverse(document, PROFILE).record["manifest"]["means_id"] == "IMO9876543"


def test_container_size_type_names_its_code_list() -> None:
    document = map_forward(load_example("manifest-cn-mo"), PROFILE, interchange=AGREEMENTS["default-unoc-4"]).document
    # C224: 8155 the ISO 6346 code, 1131 102 = size and type, 3055 5 = ISO.
    assert [eqd[2] for eqd in _segments(document)["EQD"]] == [["22G1", "102", "5"], ["45G1", "102", "5"]]


def test_release_characters_survive_both_ways(directory: Directory) -> None:
    record = load_example("manifest-cn-mo")
    record["manifest"]["carrier_name"] = "O'Brien? + Sons: 5*3 Ltd"
    for interchange in (AGREEMENTS["default-unoc-4"], AGREEMENTS["unoc-3-qualified"]):
        document = map_forward(record, PROFILE, interchange=interchange).document
        assert check_interchange(document, directory) == []
        assert _segments(document)["NAD"][0][3] == ["O'Brien? + Sons: 5*3 Ltd"]
        assert map_reverse(document, PROFILE).record["manifest"]["carrier_name"] == record["manifest"]["carrier_name"]


def test_latin1_text_goes_as_iso_8859_1_under_unoc() -> None:
    record = load_example("manifest-cn-mo")
    record["consignments"][0]["consignee"]["name"] = "Supermercado São Tomé"
    document = map_forward(record, PROFILE, interchange=AGREEMENTS["default-unoc-4"]).document
    assert "São Tomé".encode("latin-1") in document and "São".encode("utf-8") not in document
    assert map_reverse(document, PROFILE).record["consignments"][0]["consignee"]["name"] == "Supermercado São Tomé"


def test_chinese_text_needs_an_agreed_unicode_syntax() -> None:
    record = load_example("manifest-cn-mo")
    record["consignments"][0]["consignee"]["name"] = "澳门示例超市"
    with pytest.raises(CharsetRefused) as info:
        map_forward(record, PROFILE, interchange=AGREEMENTS["default-unoc-4"])
    assert info.value.code == "CHARSET_REFUSED" and info.value.path == "NAD[3]"
    for agreement in ("unow-4", "unoy-4"):
        document = map_forward(record, PROFILE, interchange=AGREEMENTS[agreement]).document
        assert map_reverse(document, PROFILE).record["consignments"][0]["consignee"]["name"] == "澳门示例超市"


def test_level_a_takes_only_its_repertoire(directory: Directory) -> None:
    record = load_example("manifest-cn-mo")
    unoa = Interchange(sender="CN", recipient="MO", syntax_identifier="UNOA")
    with pytest.raises(CharsetRefused):
        map_forward(record, PROFILE, interchange=unoa)  # lower-case letters are level B
    upper = _upper(record)
    document = map_forward(upper, PROFILE, interchange=unoa).document
    assert check_interchange(document, directory) == []


def _upper(value: Any) -> Any:
    """The record with its free texts in upper case (codes and dates stay as they are)."""
    if isinstance(value, dict):
        return {k: v.upper() if k in _TEXTS and isinstance(v, str) else _upper(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_upper(v) for v in value]
    return value


_TEXTS = ("carrier_name", "name", "address", "description", "marks")


def test_an_edifact_profile_needs_the_agreement() -> None:
    with pytest.raises(TypeError):
        map_forward(load_example("manifest-cn-mo"), PROFILE)


@pytest.mark.parametrize("field, value", [
    ("sender", ""), ("recipient", "A" * 36), ("recipient", "MO+X"), ("sender_qualifier", "TOO-LONG"),
    ("syntax_version", 2), ("syntax_identifier", "UNOX"), ("accept", ("UNOC", "UTF8")), ("accept", ()),
])
def test_interchange_settings_are_checked(field: str, value: Any) -> None:
    fields: dict[str, Any] = {"sender": "CN", "recipient": "MO", field: value}
    with pytest.raises(ValueError):
        Interchange(**fields)


def test_unicode_syntaxes_need_version_4() -> None:
    with pytest.raises(ValueError):
        Interchange(sender="CN", recipient="MO", syntax_identifier="UNOW", syntax_version=3)


# --------------------------------------------------------------------------------------------------- inbound


def _split_interchange(
    record: dict[str, Any], interchange: Interchange, *, equipment_once: bool = False
) -> tuple[bytes, bytes]:
    """The record as one message per consignment in one interchange (the equipment repeated in each, or in the
    first only), and whole."""
    whole = map_forward(record, PROFILE, interchange=interchange).document
    parts = []
    for n, consignment in enumerate(record["consignments"]):
        part = copy.deepcopy(record)
        part["consignments"] = [consignment]
        if equipment_once and n:
            del part["equipment"]
        parts.append(map_forward(part, PROFILE, interchange=interchange).document)
    text = [p.decode("latin-1") for p in parts]
    head = text[0][: text[0].index("UNH+")]
    bodies = [t[t.index("UNH+") : t.index("UNZ+")] for t in text]
    bodies = [b.replace("UNH+1+", f"UNH+{n}+", 1).replace("+1'", f"+{n}'") if b.endswith("+1'") else b
              for n, b in enumerate(bodies, 1)]
    bodies = [b[: b.rindex("UNT+")] + b[b.rindex("UNT+"):].replace("+1'", f"+{n}'") for n, b in enumerate(bodies, 1)]
    tail = text[0][text[0].index("UNZ+") :].replace("UNZ+1+", f"UNZ+{len(bodies)}+", 1)
    return (head + "".join(bodies) + tail).encode("latin-1"), whole


def test_several_messages_of_one_manifest_are_merged(directory: Directory) -> None:
    record = load_example("manifest-cn-mo")
    split, whole = _split_interchange(record, AGREEMENTS["default-unoc-4"])
    assert split.count(b"UNH+") == 2 and b"UNZ+2+" in split
    assert check_interchange(split, directory) == []
    merged = map_reverse(split, PROFILE)
    assert merged.record == map_reverse(whole, PROFILE).record
    assert merged.report.dropped == ()


def test_equipment_given_in_the_first_message_only_is_merged_too() -> None:
    record = load_example("manifest-cn-mo")
    split, whole = _split_interchange(record, AGREEMENTS["default-unoc-4"], equipment_once=True)
    assert split.count(b"EQD+") == 2
    assert map_reverse(split, PROFILE).record == map_reverse(whole, PROFILE).record


def test_messages_of_different_manifests_are_refused() -> None:
    record = load_example("manifest-cn-mo")
    split, _ = _split_interchange(record, AGREEMENTS["default-unoc-4"])
    text = split.decode("latin-1")
    second = text.index("UNH+2+")
    other = text[:second] + text[second:].replace("MF2025YS0612001", "MF2025YS0699999", 1)
    with pytest.raises(DocumentMalformed) as info:
        map_reverse(other.encode("latin-1"), PROFILE)
    assert info.value.code == "DOCUMENT_MALFORMED" and info.value.path == "UNH[2]"


def test_one_consignment_in_two_messages_is_refused() -> None:
    record = load_example("manifest-cn-mo")
    split, _ = _split_interchange(record, AGREEMENTS["default-unoc-4"])
    text = split.decode("latin-1")
    second = text.index("UNH+2+")
    clash = text[:second] + text[second:].replace("EXSHA25061202", "EXSHA25061201")
    with pytest.raises(RecordInvalid) as info:
        map_reverse(clash.encode("latin-1"), PROFILE)
    assert info.value.path == "$.consignments[1].transport_document"


def test_only_agreed_syntax_identifiers_are_read() -> None:
    document = map_forward(load_example("manifest-cn-mo"), PROFILE, interchange=AGREEMENTS["default-unoc-4"]).document
    only_utf8 = Interchange(sender="MO", recipient="CN", accept=("UNOW", "UNOY"))
    with pytest.raises(CharsetRefused) as info:
        map_reverse(document, PROFILE, interchange=only_utf8)
    assert info.value.path == "UNB/e1/c1"
    assert map_reverse(document, PROFILE, interchange=Interchange(sender="MO", recipient="CN", accept=("UNOC",)))


def test_bytes_outside_the_declared_character_set_are_refused() -> None:
    record = load_example("manifest-cn-mo")
    record["consignments"][0]["consignee"]["name"] = "Großmarkt Straße"  # ß is C3 9F in UTF-8
    utf8 = map_forward(record, PROFILE, interchange=AGREEMENTS["unow-4"]).document
    with pytest.raises(CharsetRefused):  # UTF-8 bytes under a level A label
        map_reverse(utf8.replace(b"UNB+UNOW", b"UNB+UNOA", 1), PROFILE)
    with pytest.raises(CharsetRefused):  # UTF-8 bytes under an ISO 8859-1 label: C1 bytes are no UNOC characters
        map_reverse(utf8.replace(b"UNB+UNOW", b"UNB+UNOC", 1), PROFILE)


def test_a_real_mislabelled_interchange_is_refused() -> None:
    # The php-edifact sample declares UNOC but holds UTF-8 ("MUNCIË" as C3 8B).
    data = (reference("edifact/php-edifact-samples") / "example_utf8.edi").read_bytes()
    with pytest.raises(CharsetRefused):
        map_reverse(data, PROFILE)


# --------------------------------------------------------------------------------------------- every value fits


def _longest(representation: str, transform: str) -> int | None:
    """The longest text a catalog value of ``representation`` becomes under ``transform`` (None: a code)."""
    if transform.startswith("code:") or representation.startswith("code:"):
        return None  # international codes: checked against their lists elsewhere, all within an..3
    if transform in ("datetime:edifact",):
        return 12
    if transform in ("datetime:unb-date",):
        return 8
    if transform in ("datetime:unb-time",):
        return 4
    if transform == "digest14":
        return 14
    if transform in ("means-id:d96b-list", "means-id:d96b-agency"):
        return 3  # "146" and "11" or nothing
    if transform.startswith("if-present:"):
        return len(transform.removeprefix("if-present:"))
    if representation == "locode":
        return 5
    if representation.startswith("enum:"):
        return max(len(v) for v in representation[5:].split("|"))
    digits = re.fullmatch(r"(?:an|n)\.\.(\d+)(?:,\d+)?|digits:\d+\.\.(\d+)", representation)
    assert digits, representation
    return int(digits.group(1) or digits.group(2))


def test_every_value_the_template_writes_fits_its_d96b_element(directory: Directory) -> None:
    """Walk the spec: the longest value each node can write (catalog length, split chunk or 'max') fits the
    directory's element; nodes with 'max' must be the only ones where the catalog allows more than D.96B."""
    spec = _spec(PROFILE)
    elements = {e.json_path: e for e in load_catalog().document("cargo-manifest").elements}
    layouts = {**_service_layout(4), **directory.segments}
    checked: list[str] = []

    def resolve(scope: str, path: str) -> str:
        return path[2:] if path.startswith("$.") else f"{scope}.{path}" if scope else path

    def walk(node: Node, scope: str, segment: str, element: int | None) -> None:
        if node.each is not None:
            scope = resolve(scope, node.each) + "[]"
        name = node.name
        if re.fullmatch(r"[A-Z]{3}", name):
            segment, element = name, None
        position = re.fullmatch(r"([ec])(\d+)", name)
        if position and position.group(1) == "e":
            element = int(position.group(2)) - 1
        if node.source is not None or node.const is not None:
            assert element is not None, node.where
            spec_el = layouts[segment][element]
            if isinstance(spec_el, Composite):
                component = int(position.group(2)) - 1 if position and position.group(1) == "c" else 0
                if node.split is not None and node.split[2] == "components":
                    targets = list(spec_el.components[: node.split[1]])
                else:
                    targets = [spec_el.components[component]]
            else:
                targets = [spec_el]
            if node.const is not None:
                longest: int | None = len(node.const)
            elif node.max_length is not None:
                longest = node.max_length
            elif node.split is not None:
                longest = node.split[0]
            else:
                catalog = elements[resolve(scope, node.source or "")]
                longest = _longest(catalog.representation, node.transform.name)
            for target in targets:
                if longest is not None:
                    assert longest <= target.size, f"{node.where}: up to {longest} characters into {target}"
            checked.append(f"{segment} {node.name}")
        for child in node.children:
            walk(child, scope, segment, element)

    walk(spec.template, "", "", None)
    assert len(checked) > 50


def test_efti_modes_stay_inside_the_official_enumeration() -> None:
    from lxml import etree

    from mappings.codelists.international import get_international_list

    schema = etree.XMLSchema(etree.parse(str(reference("efti/xsd/consignment-common.xsd"))))
    # Ports must suit the mode of transport (a rail manifest names rail terminals): take locations that serve as
    # sea port, rail and road terminal and airport alike, so that every mode keeps the same record.
    locations = get_international_list("un-locode").codes
    loading = next(c for c, f in sorted(locations.items()) if c.startswith("CN") and set("1234") <= set(f))
    discharge = next(c for c, f in sorted(locations.items()) if not c.startswith("CN") and set("1234") <= set(f))
    refused = []
    for entry in get_codelist("transport-mode").entries:
        if entry.international is None:
            continue
        record = load_example("manifest-cn-mo-single")
        record["manifest"]["transport_mode"] = entry.domestic
        record["manifest"]["loading_port"], record["manifest"]["discharge_port"] = loading, discharge
        try:
            document = map_forward(record, "manifest-efti-consignment").document
        except CodeUnmapped as e:
            assert e.path == "$.manifest.transport_mode"
            refused.append(entry.domestic)
            continue
        assert schema.validate(etree.fromstring(document)), (entry.domestic, schema.error_log)
    # Mail (Rec 19 code 5) and fixed transport installations (7) are commented out of eFTI's TransportModeCode.
    assert sorted(refused) == ["6", "G"]
