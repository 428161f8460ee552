"""The one exception root of :mod:`mappings` and its stable error codes.

Hierarchy (each subclass carries a class-level ``code`` that callers may rely on)::

    MappingError                      MAPPING_ERROR
     +-- RecordMalformed              RECORD_MALFORMED      not a JSON object / bad JSON
     +-- RecordInvalid                RECORD_INVALID        catalog ERROR findings (``report`` set)
     +-- AgreementViolated            AGREEMENT_VIOLATED    the agreement's business rules (``report`` set)
     +-- CodeUnmapped                 CODE_UNMAPPED         a code has no crosswalk entry (``path`` set)
     +-- DocumentMalformed            DOCUMENT_MALFORMED    not well-formed XML / EDIFACT, wrong root
     +-- CharsetRefused               CHARSET_REFUSED       EDIFACT syntax identifier not agreed, or a character outside it
     +-- DocumentHostile              XML_HOSTILE           DOCTYPE, entities or other hostile constructs
     +-- SchemaInvalid                SCHEMA_INVALID        target schema violations (``report`` set)
     +-- ProfileUnknown               PROFILE_UNKNOWN       no mapping profile with that id
     +-- SpecInvalid                  MAPPING_SPEC_INVALID  a shipped data file is wrong (a build defect)
     +-- ExampleUnknown               EXAMPLE_UNKNOWN       no shipped example record with that name

Fields are attached, never formatted into the message only, so the gateway can translate them in one place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from mappings.report import ValidationReport

__all__ = [
    "AgreementViolated",
    "CharsetRefused",
    "CodeUnmapped",
    "DocumentHostile",
    "DocumentMalformed",
    "ExampleUnknown",
    "MappingError",
    "ProfileUnknown",
    "RecordInvalid",
    "RecordMalformed",
    "SchemaInvalid",
    "SpecInvalid",
]


class MappingError(Exception):
    """Root of every error raised by :mod:`mappings`."""

    code: ClassVar[str] = "MAPPING_ERROR"
    """Stable machine-readable error code of the class."""

    def __init__(self, message: str, *, path: str | None = None, report: ValidationReport | None = None) -> None:
        super().__init__(message)
        self.message: str = message
        """Human-readable explanation."""
        self.path: str | None = path
        """Record JSON path, document path or data file path the error concerns, when known."""
        self.report: ValidationReport | None = report
        """The validation report behind the error, for ``RecordInvalid`` and ``SchemaInvalid``."""

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" + (f" (at {self.path})" if self.path else "")


class RecordMalformed(MappingError):
    """The record is not a JSON object (or not JSON at all)."""

    code: ClassVar[str] = "RECORD_MALFORMED"


class RecordInvalid(MappingError):
    """The record breaks the data element catalog; ``report`` lists the ERROR findings."""

    code: ClassVar[str] = "RECORD_INVALID"


class AgreementViolated(MappingError):
    """The record satisfies the catalog but breaks the business rules of the profile's agreement (parties,
    allowed codes, mandatory fields, validity period); ``report`` lists the findings, each with its own code."""

    code: ClassVar[str] = "AGREEMENT_VIOLATED"


class CodeUnmapped(MappingError):
    """A code is known on one side but has no equivalent on the other; ``path`` names where it occurred."""

    code: ClassVar[str] = "CODE_UNMAPPED"


class DocumentMalformed(MappingError):
    """The document is not well-formed or does not have the structure the profile expects."""

    code: ClassVar[str] = "DOCUMENT_MALFORMED"


class CharsetRefused(MappingError):
    """An EDIFACT interchange's syntax identifier (character set) is not agreed or not supported, or a value or byte
    lies outside it; ``path`` names the UNB element or the segment written."""

    code: ClassVar[str] = "CHARSET_REFUSED"


class DocumentHostile(MappingError):
    """The document carries a DOCTYPE, entity declarations or another construct refused by policy."""

    code: ClassVar[str] = "XML_HOSTILE"


class SchemaInvalid(MappingError):
    """The document breaks the target schema; ``report`` lists each violation."""

    code: ClassVar[str] = "SCHEMA_INVALID"


class ProfileUnknown(MappingError):
    """No mapping profile has the requested id."""

    code: ClassVar[str] = "PROFILE_UNKNOWN"


class SpecInvalid(MappingError):
    """A shipped data file (catalog, code list, mapping spec, schema) is inconsistent; ``path`` names it."""

    code: ClassVar[str] = "MAPPING_SPEC_INVALID"


class ExampleUnknown(MappingError):
    """No shipped example record has the requested name."""

    code: ClassVar[str] = "EXAMPLE_UNKNOWN"
