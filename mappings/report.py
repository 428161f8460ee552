"""Graded findings and the reports that carry them.

A :class:`ValidationReport` says whether a record or document is acceptable; a :class:`MappingReport` also says
what a mapping could not carry (``dropped``), what it filled in (``defaulted``) and which code-list editions it used,
so that an operator can judge the fidelity of every exchanged document.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

__all__ = ["Finding", "MappingReport", "Severity", "ValidationReport"]


class Severity(StrEnum):
    """How serious a finding is; only ``ERROR`` makes a report fail."""

    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


@dataclass(frozen=True)
class Finding:
    """One observation about a record or a document."""

    severity: Severity
    """How serious the observation is."""
    code: str
    """Stable machine-readable code, e.g. ``REQUIRED_MISSING`` or ``CODE_UNKNOWN``."""
    path: str
    """JSON path into the record (``$.goods_items[2].hs_code``) or an XPath-like path into the document."""
    message: str
    """Human-readable explanation in English."""
    element_id: str | None = None
    """Catalog data element id (``CO0001``) when the finding concerns one element."""

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict; ``element_id`` is omitted when unset."""
        out: dict[str, Any] = {
            "severity": self.severity.value,
            "code": self.code,
            "path": self.path,
            "message": self.message,
        }
        if self.element_id is not None:
            out["element_id"] = self.element_id
        return out


def _errors(findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
    return tuple(f for f in findings if f.severity is Severity.ERROR)


@dataclass(frozen=True)
class ValidationReport:
    """The findings of one validation; ``ok`` unless some finding is an ``ERROR``."""

    findings: tuple[Finding, ...]
    """All findings in the order they were produced."""

    @property
    def ok(self) -> bool:
        """True when no finding is an ``ERROR``."""
        return not self.errors

    @property
    def errors(self) -> tuple[Finding, ...]:
        """The ``ERROR`` findings only."""
        return _errors(self.findings)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {"ok": self.ok, "findings": [f.to_dict() for f in self.findings]}


@dataclass(frozen=True)
class MappingReport:
    """What a mapping did besides producing its output: findings, losses, defaults and code-list editions."""

    findings: tuple[Finding, ...]
    """Warnings and notes raised while mapping (a successful mapping has no ``ERROR``)."""
    dropped: tuple[str, ...]
    """Paths of source values the target could not carry (record paths forward, document paths reverse)."""
    defaulted: tuple[str, ...]
    """Paths of target values that were filled from a profile default because the source had none."""
    codelist_versions: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Code-list id -> edition of the table used, for every code list the mapping consulted."""

    def __post_init__(self) -> None:
        # A frozen dataclass must not expose a mutable mapping; copy into a read-only view.
        object.__setattr__(self, "codelist_versions", MappingProxyType(dict(self.codelist_versions)))

    @property
    def ok(self) -> bool:
        """True when no finding is an ``ERROR``."""
        return not _errors(self.findings)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "ok": self.ok,
            "findings": [f.to_dict() for f in self.findings],
            "dropped": list(self.dropped),
            "defaulted": list(self.defaulted),
            "codelist_versions": dict(sorted(self.codelist_versions.items())),
        }
