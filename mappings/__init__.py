"""swgw mappings: the domestic data element catalog, code-list crosswalks and declarative format mappings.

Pure: no I/O beyond the package's own data, no clock, no environment. Public surface below; everything else is
internal. ``map_forward`` / ``map_reverse`` are the entry points; ``validate_record`` and ``business_key`` serve the
gateway's validation step.
"""

from __future__ import annotations

from mappings.catalog.elements import DOCUMENT_TYPES, Catalog, DataElement, business_key, load_catalog, validate_record
from mappings.codelists.tables import CodeEntry, CodeList, get_codelist, list_codelists
from mappings.errors import (
    AgreementViolated,
    CharsetRefused,
    CodeUnmapped,
    DocumentHostile,
    DocumentMalformed,
    ExampleUnknown,
    MappingError,
    ProfileUnknown,
    RecordInvalid,
    RecordMalformed,
    SchemaInvalid,
    SpecInvalid,
)
from mappings.syntaxes.edifact.interchange import SYNTAX_IDENTIFIERS, Interchange
from mappings.specs.profiles import (
    ForwardResult,
    ReverseResult,
    get_profile,
    list_profiles,
    load_example,
    map_forward,
    map_reverse,
    parse_record,
    prepare_profile,
    profile_matches,
)
from mappings.records.parse import MAX_RECORD_DEPTH, check_record
from mappings.report import Finding, MappingReport, Severity, ValidationReport
from mappings.specs.language import MappingProfile
from mappings.syntaxes.xml.parse import parse_xml

__all__ = [
    "AgreementViolated",
    "Catalog",
    "CharsetRefused",
    "CodeEntry",
    "CodeList",
    "CodeUnmapped",
    "DOCUMENT_TYPES",
    "DataElement",
    "DocumentHostile",
    "DocumentMalformed",
    "ExampleUnknown",
    "Finding",
    "ForwardResult",
    "Interchange",
    "MAX_RECORD_DEPTH",
    "MappingError",
    "MappingProfile",
    "MappingReport",
    "ProfileUnknown",
    "RecordInvalid",
    "RecordMalformed",
    "ReverseResult",
    "SYNTAX_IDENTIFIERS",
    "SchemaInvalid",
    "Severity",
    "SpecInvalid",
    "ValidationReport",
    "business_key",
    "check_record",
    "get_codelist",
    "get_profile",
    "list_codelists",
    "list_profiles",
    "load_catalog",
    "load_example",
    "map_forward",
    "map_reverse",
    "parse_record",
    "parse_xml",
    "prepare_profile",
    "profile_matches",
    "validate_record",
]
