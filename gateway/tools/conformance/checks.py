"""The checks of the conformance kit, as data: what each one tests and the guide section that specifies it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["CHECKS", "Check", "CheckResult", "DEFAULT_PROFILE", "GUIDE_SECTIONS", "Role", "Status", "check", "checks_for"]

#: The mapping profile the kit uses when none is named.
DEFAULT_PROFILE = "coo-ubl24-acfta-forme"

Role = Literal["sender", "receiver"]
"""The role the kit plays: ``sender`` tests the partner as a receiver, ``receiver`` tests it as a sender."""

Status = Literal["pass", "fail", "skipped"]
"""The outcome of one check; ``skipped`` when the run never exercised it (e.g. the partner made no such call)."""

#: Topic -> the sections that specify it: docs/partner-guide.md's heading, then the README's. The one place that
#: names sections: when the guide's headings change, only this table changes.
GUIDE_SECTIONS: dict[str, str] = {
    "tls": "partner guide 3. TLS and certificates; README: Trust: partner certificates, rotation, revocation, audit",
    "envelope": "partner guide 4. The envelope; README: The flow",
    "digests": "partner guide 5. Digests, 8. Receiving: what the receiver checks; README: The flow",
    "envelope-signature": "partner guide 6. Envelope and receipt signatures; README: Envelope and receipt signatures",
    "document-signature": "partner guide 7. Document signatures; README: Document signatures",
    "receipts": "partner guide 9. Receipts; README: Envelope and receipt signatures",
    "errors": "partner guide 10.1 The codes; README: Errors",
    "retries": "partner guide 10.2 Retrying as a sender; README: Reliability and scale-out",
    "duplicates": "partner guide 11.1 The same message again; README: Reliability and scale-out",
    "limits": "partner guide 12. Size, freshness and time limits; README: Errors",
}


@dataclass(frozen=True)
class Check:
    """One conformance check."""

    id: str
    """Stable identifier, e.g. ``sender.tampered-payload`` (reports and tests name checks by it)."""
    role: Role
    """The role the kit plays when it runs this check."""
    title: str
    """What the partner must do, in one sentence."""
    topic: str
    """Key of :data:`GUIDE_SECTIONS`."""

    @property
    def section(self) -> str:
        """The documentation section that specifies the behaviour checked."""
        return GUIDE_SECTIONS[self.topic]


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check in one run."""

    check: Check
    """The check."""
    status: Status
    """Pass, fail or skipped."""
    evidence: str
    """What was sent and what came back (or why the check did not run)."""


CHECKS: tuple[Check, ...] = (
    # The kit as sender: the partner receives.
    Check("sender.tls", "sender", "accepts the kit's client certificate over mutual TLS and presents a server "
          "certificate chaining to the partner's CA", "tls"),
    Check("sender.valid-accepted", "sender", "accepts a valid envelope with an ACCEPTED receipt", "receipts"),
    Check("sender.receipt-signature", "sender", "signs every receipt as a JWS (ES256/ES384/PS256) whose x5c chains "
          "to the partner's CA, over the receipt's own fields, answering the envelope sent", "envelope-signature"),
    Check("sender.replay-same-receipt", "sender", "answers the same envelope sent again with the same receipt, byte "
          "for byte", "duplicates"),
    Check("sender.get-receipt", "sender", "answers GetReceipt for a received message with its stored receipt, byte "
          "for byte", "receipts"),
    Check("sender.duplicate-conflict", "sender", "refuses a known message id with other content: ALREADY_EXISTS, "
          "DUPLICATE_CONFLICT", "duplicates"),
    Check("sender.invalid-envelope", "sender", "refuses an envelope missing a required field (business key): "
          "INVALID_ARGUMENT, ENVELOPE_INVALID", "envelope"),
    Check("sender.invalid-document", "sender", "answers a properly signed document missing required fields with a "
          "signed REJECTED receipt carrying the code", "errors"),
    Check("sender.tampered-payload", "sender", "refuses payload bytes changed after signing: INVALID_ARGUMENT, "
          "PAYLOAD_DIGEST_MISMATCH", "digests"),
    Check("sender.tampered-field", "sender", "refuses an envelope field changed after signing: PERMISSION_DENIED, "
          "ENVELOPE_SIGNATURE_INVALID", "envelope-signature"),
    Check("sender.stale", "sender", "refuses an envelope older than the agreed age: FAILED_PRECONDITION, "
          "MESSAGE_STALE", "limits"),
    Check("sender.future", "sender", "refuses an envelope created in the future (beyond the clock skew): "
          "FAILED_PRECONDITION, MESSAGE_STALE", "limits"),
    Check("sender.oversized", "sender", "refuses an envelope over the agreed size: RESOURCE_EXHAUSTED, "
          "PAYLOAD_TOO_LARGE", "limits"),
    Check("sender.wrong-algorithm", "sender", "refuses an envelope signed with an algorithm outside ES256, ES384, "
          "PS256 (RS256): PERMISSION_DENIED, ENVELOPE_SIGNATURE_INVALID", "envelope-signature"),
    Check("sender.foreign-ca", "sender", "refuses an envelope whose x5c chains to another CA: PERMISSION_DENIED, "
          "ENVELOPE_SIGNATURE_INVALID", "envelope-signature"),
    Check("sender.unknown-format", "sender", "refuses an unknown signature format: INVALID_ARGUMENT, "
          "SIGNATURE_FORMAT_UNSUPPORTED", "envelope-signature"),
    # The kit as receiver: the partner sends.
    Check("receiver.tls", "receiver", "delivers over mutual TLS with a client certificate chaining to the "
          "partner's CA", "tls"),
    Check("receiver.deliveries", "receiver", "delivers the expected number of messages", "envelope"),
    Check("receiver.envelope-fields", "receiver", "sends envelopes with every required field well formed",
          "envelope"),
    Check("receiver.envelope-checks", "receiver", "names itself as sender and the kit as receiver, the agreed "
          "document type and format, correct digests, a current creation time, a size within the limit",
          "digests"),
    Check("receiver.envelope-signature", "receiver", "signs every envelope as a JWS verifying against the "
          "partner's CA", "envelope-signature"),
    Check("receiver.document", "receiver", "sends documents signed as the profile prescribes, mapping back to a "
          "record with the envelope's business key", "document-signature"),
    Check("receiver.retry", "receiver", "delivers again, with the same message id, after a transient failure "
          "(UNAVAILABLE)", "retries"),
    Check("receiver.retry-same-content", "receiver", "repeats a message id only with the same content (signed "
          "fields and payload bytes)", "duplicates"),
    Check("receiver.lost-answer", "receiver", "after an answer is lost (the kit stored the message, then answered "
          "UNAVAILABLE), sends the message again or asks GetReceipt, and is answered the stored receipt",
          "duplicates"),
    Check("receiver.get-receipt", "receiver", "asks GetReceipt only for messages it delivered (skipped when it "
          "never asks)", "receipts"),
)


def check(check_id: str) -> Check:
    """The check named ``check_id``; raises ``KeyError`` for an unknown id."""
    for candidate in CHECKS:
        if candidate.id == check_id:
            return candidate
    raise KeyError(check_id)


def checks_for(role: Role) -> tuple[Check, ...]:
    """The checks run in ``role``, in report order."""
    return tuple(c for c in CHECKS if c.role == role)
