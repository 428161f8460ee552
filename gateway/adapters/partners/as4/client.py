"""The AS4 client: POSTs signed ebMS 3.0 User Messages to a partner's access point over HTTPS with mutual TLS,
verifies the signed receipt (non-repudiation of receipt) and maps AS4 errors to delivery outcomes.

A receipt reaches the pipeline only after its WS-Security signature verified against the partner's trust and its
non-repudiation information named exactly the digests we signed. The pipeline then verifies, before it stores the
VerifiedReceipt: swgw's own signed receipt inside (a partner running swgw), or the ebMS receipt itself (any other
access point).
"""

from __future__ import annotations

import http.client
import logging
import ssl
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

import trust
from trust import SigningIdentity

from ....core.domain import Envelope, Receipt, ReceiptOutcome, Signature
from ....core.errors import DeliveryFailed
from ....core.partners import As4Settings, PartnerProfile
from ....core.ports import Clock, TrustBook
from ....transports.as4.ebms import As4Error, build_message
from ....transports.as4.errors import EBMS_ERRORS
from ....transports.as4.mime import SOAP_CONTENT_TYPE, join
from ....transports.as4.namespaces import DS, SOAP, WSSE, q
from ....transports.as4.signals import ErrorSignal, read_signal
from ....transports.status_map import status_for
from ..grpc_client import FINAL_CODES, RETRYABLE

__all__ = ["As4PartnerTransport"]

log = logging.getLogger(__name__)


class As4PartnerTransport:
    """A :class:`~gateway.core.ports.PartnerTransport` to AS4 access points."""

    def __init__(self, *, identity: Callable[[str | None], SigningIdentity], trustbook: TrustBook, clock: Clock,
                 tls_key_file: str, tls_certificate_file: str, max_response_bytes: int,
                 encryption: Mapping[str, x509.Certificate] | None = None) -> None:
        self._identity = identity
        self._encryption = dict(encryption or {})
        self._trustbook = trustbook
        self._clock = clock
        self._key_file = tls_key_file
        self._certificate_file = tls_certificate_file
        self._max = max_response_bytes

    def _context(self, partner: PartnerProfile) -> ssl.SSLContext:
        # The access point's TLS certificate must chain to the partner's own trust, never the system store.
        material = self._trustbook.for_partner(partner.name, at=self._clock.now(), purpose="send")
        roots = "".join(c.public_bytes(Encoding.PEM).decode() for c in (*material.anchors, *material.pinned))
        if not roots:
            raise DeliveryFailed(f"no active trust for {partner.name}", retryable=True, partner=partner.name,
                                 code="CERTIFICATE_UNTRUSTED")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_verify_locations(cadata=roots)
        context.load_cert_chain(self._certificate_file, self._key_file)
        return context

    def deliver(self, partner: PartnerProfile, envelope: Envelope) -> Receipt:
        """Send one User Message and return swgw's receipt from the verified AS4 receipt; raises DeliveryFailed."""
        pmode = _pmode(partner)
        now = self._clock.now()
        root, parts = build_message(envelope, pmode, at=now)
        id_prefix = f"id-{envelope.message_id}"
        sent = trust.sign_soap(root, self._identity(partner.name), id_prefix=id_prefix, parts=parts)
        recipient = self._encryption.get(partner.name)
        if recipient is not None and parts:
            # Sign, then encrypt the MIME parts (SwA): the receiver decrypts, then verifies the plaintext digests.
            security = root.find(f"{q(SOAP, 'Header')}/{q(WSSE, 'Security')}")
            signature = security.find(q(DS, "Signature")) if security is not None else None
            assert security is not None and signature is not None  # sign_soap made them
            ciphertexts = trust.encrypt_parts(security, signature, recipient, parts, id_prefix=id_prefix)
            parts = {cid: ("application/octet-stream", ciphertexts[cid]) for cid in parts}
        elif recipient is not None:
            # Sign, then encrypt the Body: the receiver decrypts, then verifies the digests of the plaintext.
            trust.encrypt_body(root, recipient)
        soap = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        content_type, body = join(soap, parts) if parts else (SOAP_CONTENT_TYPE, soap)
        answer = self._post(partner, pmode, body, content_type)
        try:
            response = trust.parse_xml(answer, max_bytes=self._max)
            verified = trust.verify_soap(response, partner_trust=self._trustbook.for_partner(partner.name, at=now),
                                         at=self._clock.now())
            signal = read_signal(verified.messaging)
            text = answer.decode("utf-8")  # stored as received when it is the receipt itself (below)
        except (As4Error, trust.TrustError, UnicodeDecodeError) as e:
            # An answer we cannot trust is no answer: the message may or may not have arrived, so try again (the
            # partner eliminates the duplicate by MessageId and answers with its stored receipt).
            raise DeliveryFailed(f"{partner.name} answered with an AS4 signal that is not valid: {e}",
                                 retryable=True, partner=partner.name, code="RECEIPT_INVALID") from e
        if isinstance(signal, ErrorSignal):
            raise _refusal(partner, signal)
        if signal.ref_to_message_id != envelope.message_id:
            raise DeliveryFailed("AS4 receipt answers another message", retryable=True, partner=partner.name,
                                 code="RECEIPT_INVALID")
        if set(signal.references) != set(sent):
            # Non-repudiation of receipt: the receiver must have verified exactly what we signed.
            raise DeliveryFailed("AS4 receipt does not repeat the digests we signed", retryable=True,
                                 partner=partner.name, code="RECEIPT_INVALID")
        if signal.receipt is not None:
            return signal.receipt
        # An access point that does not run swgw: its signed ebMS receipt is the receipt, stored as received and
        # verified again by the pipeline (trust.verify_nrr_receipt) before the message counts as delivered. It
        # names the payload through the Body digest we signed, which the check above found repeated.
        return Receipt(
            message_id=envelope.message_id, receipt_id=signal.message_id, issuer=partner.party,
            outcome=ReceiptOutcome.ACCEPTED, payload_sha256=envelope.payload_sha256, received_at=signal.timestamp,
            signature=Signature(value=text, format=trust.NRR_RECEIPT_FORMAT),
        )

    def get_receipt(self, partner: PartnerProfile, message_id: str) -> Receipt:
        """AS4 has no receipt query: the receipt comes back when the same MessageId is sent again."""
        raise DeliveryFailed(f"AS4 cannot ask {partner.name} for a receipt; resend {message_id} instead",
                             retryable=False, partner=partner.name, code="TRANSPORT_UNAVAILABLE")

    def _post(self, partner: PartnerProfile, pmode: As4Settings, body: bytes, content_type: str) -> bytes:
        url = urlsplit(pmode.endpoint_url)
        host = url.hostname or ""
        connection = http.client.HTTPSConnection(
            host, url.port or 443, timeout=pmode.timeout_seconds, context=self._context(partner))
        try:
            connection.request("POST", url.path or "/", body=body, headers={"Content-Type": content_type})
            response = connection.getresponse()
            answer = response.read(self._max + 1)
        except (OSError, http.client.HTTPException) as e:
            raise DeliveryFailed(f"{partner.name} AS4 endpoint unreachable: {e}", retryable=True,
                                 partner=partner.name, code="DELIVERY_FAILED") from e
        finally:
            connection.close()
        if len(answer) > self._max:
            raise DeliveryFailed(f"{partner.name} answered more than {self._max} bytes", retryable=True,
                                 partner=partner.name, code="RECEIPT_INVALID")
        if response.status >= 300 and b"SignalMessage" not in answer:
            retryable = response.status >= 500 or response.status in (408, 429)
            raise DeliveryFailed(f"{partner.name} AS4 endpoint answered HTTP {response.status}", retryable=retryable,
                                 partner=partner.name, code="DELIVERY_FAILED")
        return answer


def _pmode(partner: PartnerProfile) -> As4Settings:
    if partner.as4 is None:  # the configuration refuses transport = "as4" without [partners.as4]
        raise DeliveryFailed(f"no AS4 P-Mode for {partner.name}", retryable=False, partner=partner.name,
                             code="TRANSPORT_UNAVAILABLE")
    return partner.as4


def _refusal(partner: PartnerProfile, signal: ErrorSignal) -> DeliveryFailed:
    known = EBMS_ERRORS.get(signal.ebms_code, EBMS_ERRORS["EBMS:0004"])
    code = signal.detail if signal.detail and signal.detail.replace("_", "").isalnum() else None
    if code is not None and code.isupper():
        # A swgw receiver names its stable code: retry exactly when the same refusal over gRPC would be retried.
        retryable = status_for(code) in RETRYABLE and code not in FINAL_CODES
    else:
        code, retryable = f"AS4_{signal.ebms_code.replace(':', '_')}", known.retryable
    return DeliveryFailed(f"{partner.name} answered {signal.ebms_code} {known.short_description}: "
                          f"{signal.description}", retryable=retryable, partner=partner.name, code=code)
