"""Ports of the delivery hand-off: a new outbound message stored already claimed for a free worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from .messages import StoredMessage

__all__ = ["DeliveryHandoff", "OutboundClaim"]


@dataclass(frozen=True)
class OutboundClaim:
    """A delivery worker reserved for a new outbound message.

    The message is then stored already claimed (SENDING, attempt 1, its ACCEPTED, QUEUED and SENDING events in the
    same transaction) and handed straight to that worker: on the happy path a document needs no claim query and no
    second transaction before it leaves. If the process dies first, the claim expires and any replica retries.
    """

    claimer: str
    """The dispatcher replica that will deliver it."""
    expires_at: datetime
    """After this instant another replica may take the message over."""


class DeliveryHandoff(Protocol):
    """The dispatcher's side of :class:`OutboundClaim`: reserve a worker, then give it the message or release it."""

    def reserve(self, now: datetime) -> OutboundClaim | None:
        """A claim on a free worker, or None when all are busy (the message is then QUEUED as usual)."""
        ...

    def deliver_claimed(self, message: StoredMessage) -> None:
        """Deliver ``message``, stored under the reserved claim, on the reserved worker."""
        ...

    def release(self) -> None:
        """Give back a reserved worker whose message was not stored."""
        ...
