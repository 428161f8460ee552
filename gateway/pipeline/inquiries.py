"""The certificate ledger and verification inquiries, both sides: answering a partner's question from what we
delivered to it, and asking a partner, with its answer verified against the partner's trust."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

import trust
from trust import SigningIdentity

from ..core.domain import BusinessKey, Direction, MessageStatus, PartyId
from ..core.errors import GatewayError, PartnerUnauthenticated
from ..core.ledger import (
    CertificateInquiry,
    CertificateLedger,
    InquiryAnswer,
    InquiryAnswerInvalid,
    VerifiedInquiryAnswer,
    answer_inquiry,
    build_ledger,
)
from ..core.ports import CertificateInquirer, Clock, MessageRepository, RetentionRepository, TrustBook
from ..core.settings import Settings
from . import signatures

__all__ = ["CertificateLedgers", "verify_inquiry_answer"]

log = logging.getLogger(__name__)


class CertificateLedgers:
    """Reads the ledger of a certificate from the message book, answers partners' inquiries and asks partners."""

    def __init__(
        self,
        *,
        settings: Settings,
        messages: MessageRepository,
        trustbook: TrustBook,
        identity: Callable[[str | None], SigningIdentity] | None,
        clock: Clock,
        inquirer: CertificateInquirer | None = None,
        archived: RetentionRepository | None = None,
    ) -> None:
        self._settings = settings
        self._messages = messages
        self._trustbook = trustbook
        self._identity = identity
        self._clock = clock
        self._inquirer = inquirer
        self._archived = archived

    def ledger(self, issuer: str, number: str) -> CertificateLedger:
        """Every version of the certificate this gateway sent or received, with what became of each (messages
        purged by retention included, from the entries kept for them)."""
        archived = self._archived.archived_entries(issuer, number) if self._archived is not None else []
        return build_ledger(issuer, number, self._messages.find_by_business_key(issuer, number), archived)

    def answer(self, inquiry: CertificateInquiry, *, peer: str) -> InquiryAnswer:
        """The signed answer to ``peer``'s question, from the outbound messages delivered to ``peer`` only.

        A certificate delivered to another partner, or never, is answered UNKNOWN alike: the answer tells a
        partner nothing about other partners' certificates.
        """
        try:
            self._settings.partner(peer)
        except GatewayError:
            raise PartnerUnauthenticated(f"{peer!r} has no agreement with this gateway", partner=peer) from None
        matched = self._matching(inquiry, peer)
        ledger = None
        if matched is not None:
            ledger = self.ledger(matched.issuer, matched.number).restricted(direction=Direction.OUTBOUND,
                                                                            partner=peer)
        answer = answer_inquiry(inquiry, answerer=self._settings.party, asker=_party(peer), ledger=ledger,
                                version=(matched.version or None) if matched is not None else None,
                                at=self._clock.now())
        log.info("inquiry %s from %s answered %s", inquiry.inquiry_id, peer, answer.status.value)
        if self._identity is None:  # pragma: no cover - only the offline CLI builds ledgers without a key
            raise InquiryAnswerInvalid("this gateway has no signing key to answer with", partner=peer)
        return signatures.sign_inquiry_answer(answer, self._identity(peer))

    def _matching(self, inquiry: CertificateInquiry, peer: str) -> BusinessKey | None:
        """The certificate (and version) a question names: its key, or the accepted document with its digest that
        went to ``peer``."""
        if inquiry.business_key is not None:
            return inquiry.business_key
        digest = inquiry.document_sha256 or ""
        for message in self._messages.find_by_payload_digest(digest, direction=Direction.OUTBOUND, partner=peer):
            if message.status is MessageStatus.DELIVERED:
                return message.business_key
        archived = self._archived.archived_by_digest(digest, direction=Direction.OUTBOUND, partner=peer) \
            if self._archived is not None else []
        for entry in archived:
            if entry.entry.accepted:
                return BusinessKey(entry.issuer, entry.number, entry.entry.version)
        return None

    def ask(self, partner: str, inquiry: CertificateInquiry) -> VerifiedInquiryAnswer:
        """Ask ``partner`` and verify its answer: signed by the partner (its trust, now), answering this very
        question, to us. Raises :class:`InquiryAnswerInvalid` otherwise, DeliveryFailed when it cannot be asked."""
        if self._inquirer is None:
            raise InquiryAnswerInvalid("this gateway cannot reach partners (offline)", partner=partner)
        profile = self._settings.partner(partner)
        answer = self._inquirer.inquire(profile, inquiry)
        now = self._clock.now()
        return verify_inquiry_answer(answer, inquiry, answerer=partner, asker=self._settings.party,
                                     answerer_trust=self._trustbook.for_partner(partner, at=now), now=now,
                                     policy=signatures.signature_policy(profile))


def verify_inquiry_answer(
    answer: InquiryAnswer, inquiry: CertificateInquiry, *, answerer: str, asker: PartyId,
    answerer_trust: trust.PartnerTrust, now: datetime, policy: trust.SignaturePolicy,
) -> VerifiedInquiryAnswer:
    """Verify an answer to ``inquiry`` that ``asker`` asked ``answerer``: the JWS against the answerer's trust only,
    then that it answers this question, by that window, to ``asker``. Raises :class:`InquiryAnswerInvalid` with the
    field (``answer.signature`` with the refused check's error as its cause, or the first differing field)."""
    try:
        verified = signatures.verify_inquiry_answer_jws(answer, answerer_trust=answerer_trust, now=now, policy=policy)
    except (trust.TrustError, GatewayError) as e:
        code = getattr(e, "code", "")
        raise InquiryAnswerInvalid(f"the answer's signature is refused: {code}: {e}", partner=answerer,
                                   field_path="answer.signature") from e
    expected = {"inquiry_id": inquiry.inquiry_id, "inquiry": inquiry, "answerer": answerer, "asker": asker.value}
    found = {"inquiry_id": answer.inquiry_id, "inquiry": answer.inquiry, "answerer": answer.answerer.value,
             "asker": answer.asker.value}
    differing = [k for k in expected if expected[k] != found[k]]
    if differing:
        raise InquiryAnswerInvalid(f"the answer does not answer our question: {', '.join(differing)} differ",
                                   partner=answerer, field_path=f"answer.{differing[0]}")
    return VerifiedInquiryAnswer(answer=answer, signer=verified.signer)


def _party(value: str) -> PartyId:
    return PartyId(value)
