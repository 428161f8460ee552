"""Reports and the error taxonomy."""

from __future__ import annotations

import json

import pytest

import mappings
from mappings import Finding, MappingError, MappingReport, Severity, ValidationReport

ERROR_CODES = [
    ("RecordMalformed", "RECORD_MALFORMED"),
    ("RecordInvalid", "RECORD_INVALID"),
    ("CodeUnmapped", "CODE_UNMAPPED"),
    ("DocumentMalformed", "DOCUMENT_MALFORMED"),
    ("DocumentHostile", "XML_HOSTILE"),
    ("SchemaInvalid", "SCHEMA_INVALID"),
    ("ProfileUnknown", "PROFILE_UNKNOWN"),
    ("SpecInvalid", "MAPPING_SPEC_INVALID"),
    ("ExampleUnknown", "EXAMPLE_UNKNOWN"),
]


@pytest.mark.parametrize(("name", "code"), ERROR_CODES)
def test_error_codes_are_stable(name: str, code: str) -> None:
    cls = getattr(mappings, name)
    assert issubclass(cls, MappingError)
    assert cls.code == code
    err = cls("boom", path="$.x")
    assert err.code == code and err.path == "$.x" and err.report is None and err.message == "boom"
    assert code in str(err)


def test_validation_report_grades() -> None:
    warn = Finding(Severity.WARNING, "W", "$.a", "careful")
    err = Finding(Severity.ERROR, "E", "$.b", "wrong", "CO0001")
    assert ValidationReport((warn,)).ok
    report = ValidationReport((warn, err))
    assert not report.ok and report.errors == (err,)
    data = report.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["findings"][1]["element_id"] == "CO0001" and "element_id" not in data["findings"][0]


def test_mapping_report_is_immutable_and_json_ready() -> None:
    versions = {"country": "v1"}
    report = MappingReport((), ("$.a",), ("$.b",), versions)
    versions["unit"] = "v2"
    assert dict(report.codelist_versions) == {"country": "v1"}
    with pytest.raises(TypeError):
        report.codelist_versions["x"] = "y"  # type: ignore[index]
    data = report.to_dict()
    assert data == {"ok": True, "findings": [], "dropped": ["$.a"], "defaulted": ["$.b"], "codelist_versions": {"country": "v1"}}
