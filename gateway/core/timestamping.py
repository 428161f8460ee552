"""Long-term signatures: the ``[timestamping]`` configuration (which time-stamping authority, which level, which
validation data) and the signature levels an agreement can require.

Without the table nothing changes: outgoing signatures are baseline (B-B) and partners' time-stamps are not
trusted, so every signature is judged at the time of verification.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING, Literal

from .errors import ConfigInvalid

if TYPE_CHECKING:
    from .config_tables import Table

__all__ = ["REQUIRED_LEVELS", "TimestampingSettings", "level_rank", "parse_timestamping"]

#: What an agreement may require of a partner's document signatures (``signature_level``), weakest first.
REQUIRED_LEVELS = ("B-B", "B-T", "B-LT")
_OUTGOING_LEVELS = ("B-T", "B-LT", "B-LTA")
# B-LTA (a PDF document time-stamp) is at least B-LT; XML signatures stop at B-LT.
_RANK = {"B-B": 0, "B-T": 1, "B-LT": 2, "B-LTA": 3}


def level_rank(level: str) -> int:
    """The order of baseline levels: B-B < B-T < B-LT < B-LTA."""
    return _RANK[level]


@dataclass(frozen=True)
class TimestampingSettings:
    """The time-stamping authority (TSA) this gateway uses and trusts."""

    anchors: str
    """PEM CA certificates of the TSAs whose time-stamps are trusted, ours and partners' alike: an explicit list,
    never the system store. A time-stamp by any other TSA proves nothing."""
    url: str | None = None
    """RFC 3161 endpoint for our own signatures; without it signatures stay B-B and only verification uses the
    anchors."""
    level: Literal["B-T", "B-LT", "B-LTA"] = "B-T"
    """Level of our signatures: ``B-T`` (signature time-stamp), ``B-LT`` (plus certificates and CRLs), ``B-LTA``
    (PDF: plus a document time-stamp; XML: B-LT)."""
    validation_certificates: str | None = None
    """PEM certificates embedded from B-LT on: our signing CA chain up to its root, and the TSA's."""
    crls: tuple[str, ...] = ()
    """CRL files (DER or PEM) embedded from B-LT on: current CRLs of our signing CA and of the TSA's CA."""
    timeout_seconds: float = 10.0
    """How long to wait for the TSA."""


def parse_timestamping(table: Table, base_dir: PurePath) -> TimestampingSettings | None:
    """The ``[timestamping]`` table, or None when absent."""
    from .config_tables import choice, resolve_path, seconds

    if table.empty():
        return None
    crls = table.get("crls", list, [])
    if not all(isinstance(c, str) for c in crls):
        raise ConfigInvalid("crls must be a list of file names", field_path=table.key("crls"))
    settings = TimestampingSettings(
        anchors=str(base_dir / table.get("anchors", str, required=True)),
        url=table.get("url", str, None),
        level=choice(table, "level", _OUTGOING_LEVELS, "B-T"),
        validation_certificates=resolve_path(base_dir, table.get("validation_certificates", str, None)),
        crls=tuple(str(base_dir / c) for c in crls),
        timeout_seconds=seconds(table, "timeout_seconds", 10.0).total_seconds(),
    )
    table.done()
    if settings.url is not None and not settings.url.startswith(("http://", "https://")):
        raise ConfigInvalid("timestamping.url must be an http(s) URL", field_path="timestamping.url")
    if settings.level != "B-T" and settings.url and not settings.validation_certificates:
        raise ConfigInvalid(f"level {settings.level} embeds validation data: set validation_certificates",
                            field_path="timestamping.validation_certificates")
    return settings
