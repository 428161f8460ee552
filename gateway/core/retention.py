"""Retention: how long each document type's messages are kept before they are archived to files and purged.

Parsed strictly from the ``[retention]`` table; without it everything is kept::

    [retention]
    archive_dir = "archive"          # relative to the configuration file; default <data_dir>/archive
    default = "keep"                 # for document types not listed: "keep" (the default) or a duration
    [retention.documents]
    certificate-of-origin = "10y"    # durations: "<n>d" (days) or "<n>y" (years of 365 days)
    cargo-manifest = "400d"

A message is purged only in a final state (:data:`FINAL_STATES`), once its last change is older than its type's
period; the ledger keeps an entry for it and the audit log records the purge.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import PurePath
from typing import Any

from .domain import TRANSITIONS, DocumentType, MessageStatus
from .errors import ConfigInvalid

__all__ = ["FINAL_STATES", "RetentionPolicy", "parse_retention"]

#: States no message leaves on its own (the operator's replay aside): nothing else is ever purged.
FINAL_STATES: frozenset[MessageStatus] = frozenset(
    status for table in TRANSITIONS.values() for status, onward in table.items()
    if status is not None and not onward
)

_DURATION = re.compile(r"([1-9][0-9]{0,5})([dy])")


@dataclass(frozen=True)
class RetentionPolicy:
    """How long messages are kept, per document type."""

    archive_dir: str
    """Where purged messages are archived (one folder per message)."""
    default: timedelta | None = None
    """The period of document types not listed; None keeps them for ever."""
    periods: Mapping[DocumentType, timedelta | None] = field(default_factory=dict)
    """Per document type: the period, or None to keep."""

    def period(self, document_type: DocumentType) -> timedelta | None:
        """How long messages of that type are kept after their last change; None: for ever."""
        return self.periods.get(document_type, self.default)

    @property
    def purges(self) -> bool:
        """Whether any document type is ever purged."""
        return any(self.period(t) is not None for t in DocumentType)


def _duration(value: Any, path: str) -> timedelta | None:
    if not isinstance(value, str):
        raise ConfigInvalid(f"{path} must be a string: \"keep\", \"<n>d\" or \"<n>y\"", field_path=path)
    if value == "keep":
        return None
    match = _DURATION.fullmatch(value)
    if match is None:
        raise ConfigInvalid(f"{path} must be \"keep\", \"<n>d\" (days) or \"<n>y\" (years), not {value!r}",
                            field_path=path)
    count = int(match.group(1))
    return timedelta(days=count * (365 if match.group(2) == "y" else 1))


def parse_retention(data: Any, base_dir: PurePath, data_dir: str) -> RetentionPolicy:
    """The ``[retention]`` table (``{}`` when absent); raises :class:`ConfigInvalid` naming the key."""
    if not isinstance(data, Mapping):
        raise ConfigInvalid("retention must be a table", field_path="retention")
    unknown = sorted(set(data) - {"archive_dir", "default", "documents"})
    if unknown:
        raise ConfigInvalid(f"unknown key retention.{unknown[0]}", field_path=f"retention.{unknown[0]}")
    archive = data.get("archive_dir", None)
    if archive is not None and (not isinstance(archive, str) or not archive):
        raise ConfigInvalid("retention.archive_dir must be a folder name", field_path="retention.archive_dir")
    documents = data.get("documents", {})
    if not isinstance(documents, Mapping):
        raise ConfigInvalid("retention.documents must be a table", field_path="retention.documents")
    periods: dict[DocumentType, timedelta | None] = {}
    for name, value in documents.items():
        path = f"retention.documents.{name}"
        try:
            document_type = DocumentType(name)
        except ValueError:
            raise ConfigInvalid(f"unknown document type {path}", field_path=path) from None
        periods[document_type] = _duration(value, path)
    return RetentionPolicy(
        archive_dir=str(base_dir / archive) if archive else str(PurePath(data_dir) / "archive"),
        default=_duration(data.get("default", "keep"), "retention.default"),
        periods=periods,
    )
