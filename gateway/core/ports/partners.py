"""Ports toward partners and renderers: the partner transport (deliver, ask again, stream), verification inquiries
to a partner gateway, and the PDF renderer of the steps."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from ..domain import Envelope, Receipt
from ..errors import DeliveryFailed
from ..partners import PartnerProfile

if TYPE_CHECKING:  # the ledger module reads StoredMessage from the message ports
    from ..ledger import CertificateInquiry, InquiryAnswer

__all__ = ["CertificateInquirer", "DocumentRenderer", "PartnerTransport"]


@runtime_checkable
class PartnerTransport(Protocol):
    """Sends envelopes to partner gateways. The gRPC client is the real one; tests use a twin."""

    def deliver(self, partner: PartnerProfile, envelope: Envelope) -> Receipt:
        """Deliver and return the partner's (unverified) receipt; raises DeliveryFailed."""
        ...

    def get_receipt(self, partner: PartnerProfile, message_id: str) -> Receipt:
        """Ask the partner again for the receipt of a message; raises DeliveryFailed."""
        ...

    def deliver_stream(
        self, partner: PartnerProfile, envelopes: Sequence[Envelope]
    ) -> Iterator[Receipt | DeliveryFailed]:
        """Deliver ``envelopes`` on one stream, keeping at most the agreement's ``stream_window`` unanswered.

        Yields one answer per envelope, in order: the partner's (unverified) receipt, or the partner's refusal of
        that envelope. Raises DeliveryFailed when the stream as a whole fails; envelopes without an answer yet
        were then not answered (resending them is safe: the partner replays its stored receipts).
        """
        ...


@runtime_checkable
class CertificateInquirer(Protocol):
    """Asks a partner gateway about a certificate it issued (``InquireCertificate``); the gRPC partner client is
    the real one."""

    def inquire(self, partner: PartnerProfile, inquiry: CertificateInquiry) -> InquiryAnswer:
        """The partner's (unverified) answer; raises DeliveryFailed when the partner cannot be asked."""
        ...


class DocumentRenderer(Protocol):
    """Renders a catalog record as a readable PDF (e.g. a certificate of origin laid out like the paper form).

    A port so that the pipeline's pure steps do not carry a layout engine; the composition root passes
    :func:`gateway.adapters.coo_pdf.render_certificate_pdf`. The rendering must be deterministic for a given record
    and ``created_at``.
    """

    def __call__(self, record: Mapping[str, Any], *, created_at: datetime) -> bytes:
        """The unsigned PDF."""
        ...
