"""The data element catalog: its own consistency, and record validation driven by vectors."""

from __future__ import annotations

from typing import Any

import pytest
from maptest_support import apply_edits, vector_cases

from mappings import (
    DOCUMENT_TYPES,
    RecordInvalid,
    Severity,
    business_key,
    load_catalog,
    load_example,
    validate_record,
)


@pytest.mark.parametrize("case", vector_cases("records/cases.toml"))
def test_record_vector(case: dict[str, Any]) -> None:
    record = apply_edits(load_example(case["example"]), case)
    report = validate_record(case.get("document_type", "certificate-of-origin"), record)
    if case["outcome"] == "valid":
        assert report.ok, report.to_dict()
        return
    got = sorted((f.code, f.path, f.element_id) for f in report.errors)
    want = sorted((e["code"], e["path"], e.get("element_id")) for e in case["expect"])
    assert got == want


def test_every_catalog_element_is_described() -> None:
    catalog = load_catalog()
    assert catalog.elements
    for e in catalog.elements:
        assert e.id[:2] in ("CO", "CM", "SP") and e.id[2:].isdigit()
        assert e.name_zh and e.name_en and e.definition and e.document_type in DOCUMENT_TYPES
        assert e.json_path.endswith(e.key)


def test_catalog_is_cached() -> None:
    assert load_catalog() is load_catalog()


def test_non_object_record_is_a_finding() -> None:
    report = validate_record("certificate-of-origin", ["not", "an", "object"])  # type: ignore[arg-type]
    assert [f.code for f in report.errors] == ["FORMAT_INVALID"]


def test_unknown_document_type() -> None:
    with pytest.raises(RecordInvalid) as info:
        validate_record("bill-of-lading", {})
    assert info.value.report is not None and info.value.report.errors[0].code == "DOCUMENT_TYPE_UNKNOWN"


def test_business_key_of_examples() -> None:
    assert business_key("certificate-of-origin", load_example("coo-cn-hk")) == ("CN-GACC-5300", "K250312345678", 1)
    assert business_key("certificate-of-origin", load_example("coo-hk-cn")) == ("HK-TID", "HK2025CO009876", 1)


@pytest.mark.parametrize(
    ("edit", "path"),
    [
        ({"delete": ["certificate.number"]}, "$.certificate.number"),
        ({"set": {"certificate.version": "2"}}, "$.certificate.version"),
        ({"delete": ["certificate"]}, "$.certificate.issuer_code"),
    ],
    ids=["no-number", "version-text", "no-certificate"],
)
def test_business_key_rejects_incomplete_records(edit: dict[str, Any], path: str) -> None:
    record = apply_edits(load_example("coo-cn-hk"), edit)
    with pytest.raises(RecordInvalid) as info:
        business_key("certificate-of-origin", record)
    assert info.value.report is not None
    assert path in [f.path for f in info.value.report.errors]
    assert all(f.severity is Severity.ERROR for f in info.value.report.findings)
