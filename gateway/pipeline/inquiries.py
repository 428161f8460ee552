"""The certificate ledger and verification inquiries, both sides: answering a partner's question from what we
delivered to it, and asking a partner, with its answer verified against the partner's trust."""

from __future__ import annotations

import logging
from collections.abc import Callable

import trust
from trust import SigningIdentity

from ..core.domain import Direction, MessageStatus, PartyId
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
from ..core.ports import CertificateInquirer, Clock, MessageRepository, StoredMessage, TrustBook
from ..core.settings import Settings
from . import signatures

__all__ = ["CertificateLedgers"]

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
    ) -> None:
        self._settings = settings
        self._messages = messages
        self._trustbook = trustbook
        self._identity = identity
        self._clock = clock
        self._inquirer = inquirer

    def ledger(self, issuer: str, number: str) -> CertificateLedger:
        """Every version of the certificate this gateway sent or received, with what became of each."""
        return build_ledger(issuer, number, self._messages.find_by_business_key(issuer, number))

    def answer(self, inquiry: CertificateInquiry, *, peer: str) -> InquiryAnswer:
        """The signed answer to ``peer``'s question, from the outbound messages delivered to ``peer`` only.

        A certificate delivered to another partner, or never, is answered UNKNOWN alike: the answer tells a
        partner nothing about other partners' certificates.
        """
        try:
            self._settings.partner(peer)
        except GatewayError:
            raise PartnerUnauthenticated(f"{peer!r} has no agreement with this gateway", partner=peer) from None
        delivered: list[StoredMessage] = []
        if inquiry.business_key is not None:
            key = inquiry.business_key
            delivered = self._messages.find_by_business_key(key.issuer, key.number, direction=Direction.OUTBOUND)
        elif inquiry.document_sha256 is not None:
            matching = [m for m in self._messages.find_by_payload_digest(
                inquiry.document_sha256, direction=Direction.OUTBOUND, partner=peer)
                if m.status is MessageStatus.DELIVERED]
            if matching:
                key = matching[0].business_key
                delivered = self._messages.find_by_business_key(key.issuer, key.number, direction=Direction.OUTBOUND)
        answer = answer_inquiry(inquiry, answerer=self._settings.party, asker=_party(peer), delivered=delivered,
                                at=self._clock.now())
        log.info("inquiry %s from %s answered %s", inquiry.inquiry_id, peer, answer.status.value)
        if self._identity is None:  # pragma: no cover - only the offline CLI builds ledgers without a key
            raise InquiryAnswerInvalid("this gateway has no signing key to answer with", partner=peer)
        return signatures.sign_inquiry_answer(answer, self._identity(peer))

    def ask(self, partner: str, inquiry: CertificateInquiry) -> VerifiedInquiryAnswer:
        """Ask ``partner`` and verify its answer: signed by the partner (its trust, now), answering this very
        question, to us. Raises :class:`InquiryAnswerInvalid` otherwise, DeliveryFailed when it cannot be asked."""
        if self._inquirer is None:
            raise InquiryAnswerInvalid("this gateway cannot reach partners (offline)", partner=partner)
        profile = self._settings.partner(partner)
        answer = self._inquirer.inquire(profile, inquiry)
        now = self._clock.now()
        try:
            verified = signatures.verify_inquiry_answer_jws(
                answer, answerer_trust=self._trustbook.for_partner(partner, at=now), now=now,
                policy=signatures.signature_policy(profile))
        except (trust.TrustError, GatewayError) as e:
            code = getattr(e, "code", "")
            raise InquiryAnswerInvalid(f"the answer's signature is refused: {code}: {e}", partner=partner,
                                       field_path="answer.signature") from e
        expected = {"inquiry": inquiry, "answerer": partner, "asker": self._settings.party.value}
        found = {"inquiry": answer.inquiry, "answerer": answer.answerer.value, "asker": answer.asker.value}
        differing = sorted(k for k in expected if expected[k] != found[k])
        if answer.inquiry_id != inquiry.inquiry_id:
            differing.insert(0, "inquiry_id")
        if differing:
            raise InquiryAnswerInvalid(f"the answer does not answer our question: {', '.join(differing)} differ",
                                       partner=partner, field_path=f"answer.{differing[0]}")
        return VerifiedInquiryAnswer(answer=answer, signer=verified.signer)


def _party(value: str) -> PartyId:
    return PartyId(value)
