"""The gRPC client that delivers envelopes to partner gateways over mutual TLS."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import NamedTuple

import grpc
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

import trust

from ..._generated.swgw.v1 import certificate_ledger_pb2 as lpb
from ..._generated.swgw.v1 import envelope_pb2 as pb
from ..._generated.swgw.v1 import partner_exchange_pb2 as ppb
from ..._generated.swgw.v1 import partner_exchange_pb2_grpc as ppb_grpc
from ...core.domain import Envelope, Receipt
from ...core.errors import DeliveryFailed, GatewayError
from ...core.ledger import CertificateInquiry, InquiryAnswer
from ...core.partners import PartnerProfile
from ...core.ports import BlobStore, Clock, TrustBook
from ...transports import codec, ledger_codec
from ...transports.status_map import error_from_status, status_for

__all__ = ["FINAL_CODES", "GrpcPartnerTransport", "RETRYABLE"]

log = logging.getLogger(__name__)

#: Failures worth another attempt: the partner is down, slow, overloaded or hit a transient fault. Anything else
#: (our certificate refused, our document refused at the envelope level) will not heal by retrying.
RETRYABLE = frozenset({
    grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.ABORTED, grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN, grpc.StatusCode.CANCELLED,
})

#: Refusals a retry cannot heal although their status is a retryable one: RESOURCE_EXHAUSTED means overload, and
#: also an envelope larger than the partner accepts, which the same bytes will be again.
FINAL_CODES = frozenset({"PAYLOAD_TOO_LARGE"})

#: Upper bound of the wait between a failed connection to a partner and the next attempt (gRPC's default: 120 s).
_RECONNECT_BACKOFF_MS = 2000


class _Channel(NamedTuple):
    """A partner's channel and the trust it was built for."""

    material: trust.PartnerTrust
    """The trust book's material the roots were last built from (compared by identity)."""
    pinned: tuple[x509.Certificate, ...]
    """Its pinned certificates in good standing then."""
    roots: bytes
    """The PEM roots the channel trusts."""
    channel: grpc.Channel
    """The channel."""
    stub: ppb_grpc.PartnerExchangeServiceStub
    """Its stub."""


class GrpcPartnerTransport:
    """PartnerTransport over gRPC with mutual TLS; one channel per partner, rebuilt when its trust changes."""

    def __init__(
        self,
        *,
        tls_key_pem: bytes,
        tls_certificate_pem: bytes,
        trustbook: TrustBook,
        clock: Clock,
        max_message_bytes: int,
        timeout_seconds: float = 30.0,
        blobs: BlobStore | None = None,
    ) -> None:
        self._blobs = blobs
        self._key = tls_key_pem
        self._cert = tls_certificate_pem
        self._trustbook = trustbook
        self._clock = clock
        self._timeout = timeout_seconds
        self._max = max_message_bytes
        self._lock = threading.Lock()
        self._channels: dict[str, _Channel] = {}
        self._reported: set[tuple[str, str, str]] = set()

    def _stub(self, partner: PartnerProfile, at: datetime) -> ppb_grpc.PartnerExchangeServiceStub:
        # The partner's server certificate must chain to the partner's own ACTIVE trust, never the system store.
        material = self._trustbook.for_partner(partner.name, at=at, purpose="send")
        # TLS accepts any certificate among the roots as an anchor of its own (gRPC's BoringSSL allows partial
        # chains), and nothing after the handshake looks at the server's certificate again: a pinned certificate
        # goes in only while it is in good standing, so that revoking it, its CA, or a CRL of that CA listing it
        # stops sending as it stops a chained one (whose revoked CA leaves the ACTIVE anchors).
        pinned = tuple(c for c in material.pinned if self._in_good_standing(c, material, at))
        key = partner.name
        with self._lock:
            cached = self._channels.get(key)
        # The trust book hands out the same material object until the partner's trust changes: the roots built
        # from it (PEM, for gRPC) are reused while it and the pinned certificates in good standing are the same.
        if cached is not None and cached.material is material and cached.pinned == pinned:
            return cached.stub
        roots = b"".join(c.public_bytes(Encoding.PEM) for c in (*material.anchors, *pinned))
        if not roots:
            raise DeliveryFailed(f"no active trust for {partner.name}", retryable=True, partner=partner.name,
                                 code="CERTIFICATE_UNTRUSTED")
        with self._lock:
            cached = self._channels.get(key)
            if cached is not None and cached.roots == roots:
                self._channels[key] = _Channel(material, pinned, roots, cached.channel, cached.stub)
                return cached.stub
            if cached is not None:
                cached.channel.close()
            credentials = grpc.ssl_channel_credentials(
                root_certificates=roots, private_key=self._key, certificate_chain=self._cert
            )
            channel = grpc.secure_channel(
                partner.endpoint,
                credentials,
                options=[
                    ("grpc.ssl_target_name_override", partner.tls_server_name),
                    ("grpc.max_send_message_length", self._max),
                    ("grpc.max_receive_message_length", self._max),
                    # The agreement's retry policy decides when to try again. gRPC's own reconnect backoff grows to
                    # 120 s while a partner is down, and calls in between fail at once without trying: a partner
                    # back after a long outage waited up to two minutes more. Capped, the channel reconnects within
                    # seconds. (Kept above a second: calls wait while a connection attempt is under way, which to a
                    # partner whose packets are dropped takes 20 s, and a channel in backoff fails them at once.)
                    ("grpc.max_reconnect_backoff_ms", _RECONNECT_BACKOFF_MS),
                ],
            )
            stub = ppb_grpc.PartnerExchangeServiceStub(channel)
            self._channels[key] = _Channel(material, pinned, roots, channel, stub)
            return stub

    def _in_good_standing(self, certificate: x509.Certificate, material: trust.PartnerTrust, at: datetime) -> bool:
        try:
            trust.validate_path(certificate, [], trust=material, at=at, purpose="tls-server")
        except trust.TrustError as e:
            key = (material.partner, trust.fingerprint(certificate), e.code)
            if key not in self._reported:  # once, not on every delivery attempt
                self._reported.add(key)
                log.warning("pinned certificate %s of %s left out of the TLS roots: %s", key[1][:16], key[0], e)
            return False
        return True

    def deliver(self, partner: PartnerProfile, envelope: Envelope) -> Receipt:
        """Deliver one envelope and return the partner's receipt (verified by the caller)."""
        stub = self._stub(partner, self._clock.now())
        large = [a for a in envelope.attachments if a.stored is not None]
        try:
            if large:
                # The deadline grows with the bytes: a megabyte a second at the slowest.
                seconds = self._timeout + sum(a.size for a in large) / 1_000_000
                response = stub.DeliverLarge(self._large_requests(envelope), timeout=seconds)
            else:
                response = stub.Deliver(
                    ppb.DeliverRequest(envelope=codec.envelope_fields(envelope)), timeout=self._timeout
                )
        except grpc.RpcError as e:
            raise self._failure(partner, e) from e
        return self._receipt(partner, response.receipt)

    def _large_requests(self, envelope: Envelope) -> Iterator[ppb.DeliverLargeRequest]:
        """The envelope, then each large attachment's bytes read from the blob store chunk by chunk."""
        if self._blobs is None:  # pragma: no cover - the composition root always gives one
            raise DeliveryFailed("no blob store to read large attachments from", retryable=False)
        yield ppb.DeliverLargeRequest(envelope=codec.envelope_fields(envelope))
        for attachment in envelope.attachments:
            if attachment.stored is not None:
                for data in self._blobs.read(attachment.sha256):
                    yield ppb.DeliverLargeRequest(chunk=pb.AttachmentChunk(data=data))

    def deliver_stream(
        self, partner: PartnerProfile, envelopes: Sequence[Envelope]
    ) -> Iterator[Receipt | DeliveryFailed]:
        """Deliver envelopes on one DeliverStream with at most ``partner.stream_window`` unanswered; one receipt
        (verified by the caller) or refusal per envelope, in order. Raises DeliveryFailed when the stream fails."""
        stub = self._stub(partner, self._clock.now())
        window = threading.Semaphore(partner.stream_window)
        finished = threading.Event()

        def requests() -> Iterator[ppb.DeliverStreamRequest]:
            for envelope in envelopes:
                # The window: wait for an answer before sending more; give up when the call is over.
                while not window.acquire(timeout=0.5):
                    if finished.is_set():
                        return
                if finished.is_set():
                    return
                yield ppb.DeliverStreamRequest(envelope=codec.envelope_fields(envelope))

        # The deadline grows with the number of envelopes: a stream is many calls' worth of work.
        call = stub.DeliverStream(requests(), timeout=self._timeout + len(envelopes))
        try:
            for envelope, response in zip(envelopes, call, strict=False):
                window.release()
                if response.message_id != envelope.message_id:
                    raise DeliveryFailed(f"{partner.name} answered {response.message_id!r} in the place of "
                                         f"{envelope.message_id}", retryable=True, partner=partner.name,
                                         code="RECEIPT_INVALID")
                if response.HasField("receipt"):
                    yield self._receipt(partner, response.receipt)
                else:
                    yield self._refusal(partner, response.error)
        except grpc.RpcError as e:
            raise self._failure(partner, e) from e
        finally:
            finished.set()
            call.cancel()

    def get_receipt(self, partner: PartnerProfile, message_id: str) -> Receipt:
        """Ask the partner again for a receipt."""
        stub = self._stub(partner, self._clock.now())
        try:
            response = stub.GetReceipt(ppb.GetReceiptRequest(message_id=message_id), timeout=self._timeout)
        except grpc.RpcError as e:
            raise self._failure(partner, e) from e
        return self._receipt(partner, response.receipt)

    def inquire(self, partner: PartnerProfile, inquiry: CertificateInquiry) -> InquiryAnswer:
        """Ask the partner about a certificate it issued; the answer is verified by the caller."""
        stub = self._stub(partner, self._clock.now())
        try:
            response = stub.InquireCertificate(
                lpb.InquireCertificateRequest(inquiry=ledger_codec.inquiry_to_proto(inquiry)), timeout=self._timeout)
        except grpc.RpcError as e:
            raise self._failure(partner, e) from e
        return ledger_codec.answer_from_proto(response.answer)

    def _receipt(self, partner: PartnerProfile, message: object) -> Receipt:
        try:
            return codec.receipt_from_proto(message)  # type: ignore[arg-type]
        except GatewayError as e:
            raise DeliveryFailed(f"malformed receipt: {e}", retryable=True, partner=partner.name,
                                 code="RECEIPT_INVALID") from e

    @staticmethod
    def _refusal(partner: PartnerProfile, detail: pb.ErrorDetail) -> DeliveryFailed:
        """A refusal of one envelope on a stream: what Deliver would have raised for the same ErrorDetail."""
        status = status_for(detail.code)
        return DeliveryFailed(
            f"{partner.name} answered {status.name}: {detail.message}",
            retryable=status in RETRYABLE and detail.code not in FINAL_CODES,
            partner=partner.name, code=detail.code or "DELIVERY_FAILED",
        )

    @staticmethod
    def _failure(partner: PartnerProfile, error: grpc.RpcError) -> DeliveryFailed:
        code, message, _ = error_from_status(error)
        status = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
        return DeliveryFailed(
            f"{partner.name} answered {status.name}: {message}",
            retryable=status in RETRYABLE and code not in FINAL_CODES,
            partner=partner.name, code=code if code else "DELIVERY_FAILED",
        )

    def close(self) -> None:
        """Close every channel."""
        with self._lock:
            for cached in self._channels.values():
                cached.channel.close()
            self._channels.clear()
