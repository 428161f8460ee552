"""Certificate-of-origin profiles: vectors both ways, official UBL 2.4 schema, round trips and the public API."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from lxml import etree
from maptest_support import apply_edits, reference, vector_cases

from mappings import (
    AgreementViolated,
    MappingError,
    ProfileUnknown,
    RecordInvalid,
    RecordMalformed,
    Severity,
    get_profile,
    list_profiles,
    load_example,
    map_forward,
    map_reverse,
    parse_record,
)
from mappings.errors import ExampleUnknown
from mappings.specs.profiles import _forward_document, _spec
from mappings.syntaxes.xml.parse import parse_xml

NS = {
    "coo": "urn:oasis:names:specification:ubl:schema:xsd:CertificateOfOrigin-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
COO_EXAMPLES = [
    ("coo-cn-hk", "coo-ubl24-cepa-hk"),
    ("coo-hk-cn", "coo-ubl24-cepa-hk"),
    ("coo-cn-mo", "coo-ubl24-cepa-mo"),
    ("coo-cn-vn", "coo-ubl24-acfta-forme"),
    ("coo-cn-jp", "coo-ubl24-rcep"),
]


def _mutate(document: bytes, case: dict[str, Any]) -> bytes:
    if case["action"] == "replace":
        return document.replace(case["old"].encode(), case["new"].encode(), 1)
    root = etree.fromstring(document)
    (target,) = root.xpath(case["xpath"], namespaces=NS)
    if case["action"] == "text":
        target.text = case["value"]
    elif case["action"] == "remove":
        target.getparent().remove(target)
    elif case["action"] == "attr":
        name, _, value = case["value"].partition("=")
        target.set(name, value)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


@pytest.mark.parametrize("case", vector_cases("documents/coo-cases.toml"))
def test_coo_vector(case: dict[str, Any]) -> None:
    record = apply_edits(load_example(case["example"]), case)
    if case["direction"] == "forward":
        if case["outcome"] == "valid":
            result = map_forward(record, case["profile"])
            assert result.report.ok and list(result.report.dropped) == case["dropped"]
            return
        with pytest.raises(MappingError) as info:
            map_forward(record, case["profile"])
    else:
        document = _mutate(map_forward(record, case["profile"]).document, case)
        if case.get("outcome") == "valid":
            back = map_reverse(document, case["profile"])
            assert list(back.report.dropped) == case["dropped"]
            codes = [f.code for f in back.report.findings if f.severity is Severity.WARNING]
            assert codes == ([case["warning"]] if "warning" in case else [])
            return
        with pytest.raises(MappingError) as info:
            map_reverse(document, case["profile"])
    assert info.value.code == case["error"]
    if "path" in case:
        paths = [info.value.path] + ([f.path for f in info.value.report.findings] if info.value.report else [])
        assert case["path"] in paths
    if case["error"] in ("RECORD_INVALID", "SCHEMA_INVALID"):
        assert info.value.report is not None and not info.value.report.ok


@pytest.mark.parametrize(("example", "profile"), COO_EXAMPLES)
def test_output_validates_against_official_ubl_schema(example: str, profile: str) -> None:
    xsd_path = reference("ubl-2.4/xsd/maindoc/UBL-CertificateOfOrigin-2.4.xsd")
    schema = etree.XMLSchema(etree.parse(str(xsd_path)))
    record = load_example(example)
    variants = [record, apply_edits(copy.deepcopy(record), {"delete": ["transport"]})]
    for variant in variants:
        try:
            document = map_forward(variant, profile).document
        except AgreementViolated:
            # Agreements that require the transport boxes refuse the variant; the serializer's output without
            # them must still be schema-valid (a partner may send one under another agreement's rules).
            document, _ = _forward_document(_spec(profile), variant)
        assert schema.validate(etree.fromstring(document)), schema.error_log


@pytest.mark.parametrize(("example", "profile"), COO_EXAMPLES)
def test_round_trip_is_exact(example: str, profile: str) -> None:
    record = load_example(example)
    forward = map_forward(record, profile)
    back = map_reverse(forward.document, profile)
    assert back.record == record
    assert back.report.ok and back.report.dropped == () and back.report.defaulted == ()
    assert set(back.report.codelist_versions) == set(forward.report.codelist_versions)


def test_forward_result_fields() -> None:
    result = map_forward(load_example("coo-cn-hk"), "coo-ubl24-cepa-hk")
    assert result.format == get_profile("coo-ubl24-cepa-hk").format
    assert result.document.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert set(result.report.codelist_versions) == {"country", "currency", "package-type", "transport-mode", "unit"}
    # Deterministic: the same record maps to the same bytes (the signature step depends on it).
    assert map_forward(load_example("coo-cn-hk"), "coo-ubl24-cepa-hk").document == result.document


def test_forward_does_not_mutate_the_record() -> None:
    record = load_example("coo-cn-hk")
    snapshot = copy.deepcopy(record)
    map_forward(record, "coo-ubl24-cepa-hk")
    assert record == snapshot


def test_record_invalid_carries_the_whole_report() -> None:
    with pytest.raises(RecordInvalid) as info:
        map_forward(load_example("coo-invalid"), "coo-ubl24-cepa-hk")
    assert info.value.report is not None and len(info.value.report.errors) == 9


def test_profiles_listed() -> None:
    ids = [p.id for p in list_profiles()]
    assert ids == sorted(ids)
    assert {"coo-ubl24-cepa-hk", "coo-ubl24-cepa-mo"} <= set(ids)
    hk = get_profile("coo-ubl24-cepa-hk")
    assert hk.agreement == "CEPA-HK" and hk.document_type == "certificate-of-origin"
    assert hk.format.startswith("urn:oasis:names:specification:ubl:schema:xsd:CertificateOfOrigin-2")
    with pytest.raises(ProfileUnknown):
        get_profile("nope")


@pytest.mark.parametrize("bad", [b"[1, 2]", b"{not json", b"\xff\xfe", "42"])
def test_parse_record_rejects_non_objects(bad: bytes | str) -> None:
    with pytest.raises(RecordMalformed):
        parse_record(bad)


def test_map_forward_rejects_non_mapping() -> None:
    with pytest.raises(RecordMalformed):
        map_forward([1, 2], "coo-ubl24-cepa-hk")  # type: ignore[arg-type]


def test_examples_are_fresh_copies() -> None:
    first = load_example("coo-cn-hk")
    first["certificate"]["number"] = "changed"
    assert load_example("coo-cn-hk")["certificate"]["number"] == "K250312345678"
    for bad in ("nope", "../specs/coo-ubl24-cepa-hk", ""):
        with pytest.raises(ExampleUnknown):
            load_example(bad)


@pytest.mark.parametrize(("example", "profile"), COO_EXAMPLES)
def test_signature_carriers_are_schema_valid_and_not_business_data(example: str, profile: str) -> None:
    """What map_reverse gets after verification: the UBL signature carriers stay (signed), ds:Signature is gone."""
    from trust.placement import insert_ubl_placeholder

    record = load_example(example)
    tree = etree.fromstring(map_forward(record, profile).document)
    placeholder = insert_ubl_placeholder(tree)
    placeholder.getparent().remove(placeholder)  # type: ignore[union-attr]
    back = map_reverse(etree.tostring(tree), profile)  # checked against the shipped subset schema on the way
    assert back.record == record
    assert back.report.dropped == ()
    # The subset schema admits the carriers, not anything else: a foreign element at the root is still refused.
    tree.append(etree.fromstring(b'<x:Extra xmlns:x="urn:x">data</x:Extra>'))
    with pytest.raises(MappingError) as info:
        map_reverse(etree.tostring(tree), profile)
    assert info.value.code == "SCHEMA_INVALID"


@pytest.mark.parametrize(("example", "profile"), COO_EXAMPLES)
def test_reverse_of_a_parsed_document_is_the_reverse_of_its_bytes(example: str, profile: str) -> None:
    # A caller that parsed the document with the hardened parser already (to verify its signature) hands the root
    # element over instead.
    document = map_forward(load_example(example), profile).document
    from_bytes = map_reverse(document, profile)
    from_tree = map_reverse(parse_xml(document), profile)
    assert from_tree.record == from_bytes.record
    assert from_tree.report == from_bytes.report


def test_reverse_refuses_a_parsed_element_that_is_not_the_root() -> None:
    root = parse_xml(map_forward(load_example("coo-cn-hk"), "coo-ubl24-cepa-hk").document)
    with pytest.raises(MappingError, match="root element"):
        map_reverse(root[0], "coo-ubl24-cepa-hk")
