"""Domain values as the mappings protobuf constructors take for message fields (private to the codec).

A mapping passed for a submessage field is filled in place, where a message built apart is built and then copied:
the wire forms of envelopes and status events pass their parties, business keys and times this way. The field is
set (present) either way, with the same bytes.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ..core.domain import BusinessKey, PartyId

__all__ = ["key_fields", "party_fields", "time_fields"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def time_fields(value: datetime) -> dict[str, int]:
    """The fields of a protobuf Timestamp for an aware datetime: what ``Timestamp.FromDatetime`` sets (whole seconds
    since the epoch, rounded down, and the microseconds), from datetime arithmetic instead of a time tuple and
    ``calendar.timegm``. Every datetime is within Timestamp's range (years 1 to 9999), which FromDatetime checks."""
    utc = value.astimezone(UTC)
    since = utc - _EPOCH
    return {"seconds": since.days * 86400 + since.seconds, "nanos": utc.microsecond * 1000}


def party_fields(value: PartyId) -> dict[str, str]:
    """The fields of a PartyId."""
    return {"scheme": value.scheme, "value": value.value}


def key_fields(value: BusinessKey) -> dict[str, str | int]:
    """The fields of a BusinessKey."""
    return {"issuer": value.issuer, "number": value.number, "version": value.version}
