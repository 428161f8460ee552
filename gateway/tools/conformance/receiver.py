"""The kit as receiver: a test window the partner delivers to, checking its envelopes and its behaviour.

Each envelope goes through swgw's own inbound steps (``envelope_from_proto``, ``check_inbound_envelope``,
``verify_envelope_signature``, ``map_inbound``) and is answered with a receipt made and signed by ``make_receipt``.
The kit also plays two faults to see how the partner copes: the first attempt of every message is answered
UNAVAILABLE (a transient failure: the partner must deliver again with the same id and content), and the first
message that gets through is stored but answered UNAVAILABLE too, as if the answer were lost (the partner must
send it again and is answered the stored receipt, byte for byte).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import grpc
from cryptography import x509

import mappings
import trust

from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway._generated.swgw.v1 import partner_exchange_pb2 as ppb
from gateway._generated.swgw.v1 import partner_exchange_pb2_grpc as ppb_grpc
from gateway.core.domain import DocumentType, Envelope, ErrorInfo, PartyId, Receipt, sha256_hex
from gateway.core.errors import (
    DeliveryFailed,
    DocumentRejected,
    DuplicateConflict,
    EnvelopeInvalid,
    GatewayError,
    MessageNotFound,
)
from gateway.core.partners import PartnerProfile
from gateway.pipeline import signatures, steps
from gateway.transports import codec
from gateway.transports.status_map import translate_errors
from gateway.tools.conformance.checks import DEFAULT_PROFILE, CheckResult, Status, check, checks_for
from gateway.tools.conformance.identity import KIT_SERVER_NAME, KitIdentity
from gateway.tools.conformance.report import Report

__all__ = ["ReceiverOptions", "run_receiver"]


@dataclass(frozen=True)
class ReceiverOptions:
    """What the kit's test window listens on and whom it expects."""

    listen: str
    """host:port to listen on (port 0: any free port, reported through ``on_listening``)."""
    party: str
    """The partner's party id (the envelopes' sender)."""
    partner_ca_pem: bytes
    """The partner's CA certificate(s), PEM: its TLS client and signing certificates must chain to them."""
    kit_party: str = "ZZ"
    """The party id the kit plays (the envelopes' receiver)."""
    profile: str = DEFAULT_PROFILE
    """The agreed mapping profile."""
    expect: int | None = None
    """Stop once this many messages were received (and every fault played was recovered from)."""
    duration_seconds: float = 300.0
    """Stop after this long in any case."""
    max_payload_bytes: int = 8 * 1024 * 1024
    """The agreed size limit."""
    max_message_age: timedelta = timedelta(days=7)
    """The agreed maximum age of an envelope."""
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    """The clock (the tools floor reads the real one)."""


@dataclass
class _Tally:
    passes: list[str] = field(default_factory=list)
    fails: list[str] = field(default_factory=list)

    def result(self, check_id: str, none: tuple[Status, str]) -> CheckResult:
        # A message is checked on each attempt: each distinct observation is reported once.
        if self.fails:
            return CheckResult(check(check_id), "fail", "; ".join(dict.fromkeys(self.fails))[:2000])
        if self.passes:
            return CheckResult(check(check_id), "pass", "; ".join(dict.fromkeys(self.passes))[:2000])
        return CheckResult(check(check_id), none[0], none[1])


@dataclass
class _Message:
    content: tuple[bytes, str]
    """The signed header and the payload digest of the first attempt."""
    attempts: int = 0
    receipt: bytes | None = None
    """The stored receipt (serialized), once the message got through."""
    answered: bool = False
    """Whether a receipt reached the partner."""
    played: bool = False
    """Whether the transient failure was played for this message."""
    fault: bool = False
    """Whether the last answer was a fault the kit played (UNAVAILABLE), which the partner must recover from."""


class _Window(ppb_grpc.PartnerExchangeServiceServicer):
    """The kit's PartnerExchangeService."""

    def __init__(self, options: ReceiverOptions, kit: KitIdentity) -> None:
        self.options = options
        self.kit = kit
        self.me = PartyId(options.kit_party)
        document_type = DocumentType(mappings.get_profile(options.profile).document_type)
        self.profile = PartnerProfile(
            party=PartyId(options.party), endpoint="", tls_server_name="",
            mapping_profiles={document_type: options.profile}, max_payload_bytes=options.max_payload_bytes,
            max_message_age=options.max_message_age,
        )
        self.trust = trust.PartnerTrust(partner=options.party,
                                        anchors=tuple(x509.load_pem_x509_certificates(options.partner_ca_pem)))
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.calls = 0
        self.clients: set[str] = set()
        self.messages: dict[str, _Message] = {}
        self.lost_answer: str | None = None
        self.lost_answer_recovered = False
        self.tallies = {c.id: _Tally() for c in checks_for("receiver")}

    def note(self, check_id: str, ok: bool, evidence: str) -> None:
        tally = self.tallies[check_id]
        (tally.passes if ok else tally.fails).append(evidence[:400])

    def _client(self, context: grpc.ServicerContext) -> None:
        certificates = context.auth_context().get("x509_common_name", [])
        with self.lock:
            self.calls += 1
            self.clients.update(c.decode(errors="replace") for c in certificates)

    @translate_errors
    def Deliver(self, request: ppb.DeliverRequest, context: grpc.ServicerContext) -> ppb.DeliverResponse:  # noqa: N802
        self._client(context)
        if not request.HasField("envelope"):
            self.note("receiver.envelope-fields", False, "a Deliver request without an envelope")
            raise EnvelopeInvalid("request carries no envelope", field_path="envelope")
        label = request.envelope.message_id[:64] or "(no message id)"
        try:
            envelope = codec.envelope_from_proto(request.envelope)
        except GatewayError as e:
            self.note("receiver.envelope-fields", False, f"{label}: {e.code}: {e.message} [at {e.field_path}]")
            raise
        self.note("receiver.envelope-fields", True, f"{label}: well formed")
        content = (envelope.signed_header(), sha256_hex(envelope.payload))
        with self.lock:
            message = self.messages.get(envelope.message_id)
            if message is None:
                message = self.messages[envelope.message_id] = _Message(content=content)
            message.attempts += 1
            attempt = message.attempts
            same = message.content == content
            stored = message.receipt
            retried, message.fault = message.fault, False
        if retried and stored is None:
            self.note("receiver.retry", True, f"{label}: delivered again after UNAVAILABLE (attempt {attempt})")
        if attempt > 1:
            self.note("receiver.retry-same-content", same,
                      f"{label}: attempt {attempt} " + ("carries the same content" if same else
                                                        "carries other content than the first"))
            if not same:
                raise DuplicateConflict(f"message id {envelope.message_id} is already known with other content",
                                        field_path="envelope.message_id")
        if stored is not None:
            return self._replay(envelope.message_id, stored)
        receipt = self._check(envelope, label)
        serialized = codec.receipt_to_proto(receipt).SerializeToString(deterministic=True)
        with self.lock:
            if not message.played:
                # The first attempt that passes the checks: nothing is stored, a transient failure that the
                # partner's retry policy must overcome.
                message.played = message.fault = True
                raise DeliveryFailed("conformance kit: transient failure played on the first attempt; deliver "
                                     "again with the same message id", retryable=True)
            message.receipt = serialized
            if self.lost_answer is None:
                # Stored, but the answer never reaches the partner: it must send again and get this receipt.
                self.lost_answer = envelope.message_id
                message.fault = True
                raise DeliveryFailed("conformance kit: stored, answer lost on purpose; deliver again",
                                     retryable=True)
            message.answered, message.fault = True, False
            self._maybe_done()
        return ppb.DeliverResponse(receipt=pb.Receipt.FromString(serialized))

    def _replay(self, message_id: str, stored: bytes) -> ppb.DeliverResponse:
        with self.lock:
            message = self.messages[message_id]
            message.answered, message.fault = True, False
            if message_id == self.lost_answer and not self.lost_answer_recovered:
                self.lost_answer_recovered = True
                self.note("receiver.lost-answer", True,
                          f"{message_id}: sent again after the lost answer and answered the stored receipt")
            self._maybe_done()
        return ppb.DeliverResponse(receipt=pb.Receipt.FromString(stored))

    def _check(self, envelope: Envelope, label: str) -> Receipt:
        now = self.options.now()
        peer = self.options.party
        try:
            steps.check_inbound_envelope(envelope, peer=peer, me=self.me, profile=self.profile, now=now)
        except GatewayError as e:
            self.note("receiver.envelope-checks", False, f"{label}: {e.code}: {e.message} [at {e.field_path}]")
            raise
        self.note("receiver.envelope-checks", True, f"{label}: routing, format, size, digests and time right")
        try:
            verified = signatures.verify_envelope_signature(envelope, partner_trust=self.trust, now=now,
                                                            profile=self.profile)
        except GatewayError as e:
            self.note("receiver.envelope-signature", False, f"{label}: {e.code}: {e.message}")
            raise
        self.note("receiver.envelope-signature", True, f"{label}: JWS verified against the partner's CA")
        errors: tuple[ErrorInfo, ...] = ()
        try:
            document = steps.map_inbound(verified, profile=self.profile, partner_trust=self.trust, now=now)
            self.note("receiver.document", True, f"{label}: signed by {document.signer_subject}, "
                      f"business key {envelope.business_key}")
        except DocumentRejected as e:
            self.note("receiver.document", False, f"{label}: {e.code}: {e.message} [at {e.field_path}]")
            errors = (steps.error_info(e),)
        return steps.make_receipt(envelope, issuer=self.me, receipt_id=str(uuid.uuid4()), at=now,
                                  identity=self.kit.signing, errors=errors)

    @translate_errors
    def GetReceipt(self, request: ppb.GetReceiptRequest, context: grpc.ServicerContext) -> ppb.GetReceiptResponse:  # noqa: N802
        self._client(context)
        label = request.message_id[:64]
        with self.lock:
            message = self.messages.get(request.message_id)
            stored = message.receipt if message is not None else None
            if message is not None and stored is not None and request.message_id == self.lost_answer:
                # Asking for the receipt is as good a recovery from a lost answer as delivering again.
                message.answered, message.fault = True, False
                if not self.lost_answer_recovered:
                    self.lost_answer_recovered = True
                    self.note("receiver.lost-answer", True,
                              f"{label}: asked GetReceipt after the lost answer and was answered the stored receipt")
                self._maybe_done()
        if message is None:
            self.note("receiver.get-receipt", False, f"GetReceipt({label}): no message with this id was delivered")
        else:
            # A message whose only attempt was answered UNAVAILABLE is not stored: NOT_FOUND is the right answer
            # and asking is legitimate.
            self.note("receiver.get-receipt", True, f"GetReceipt({label}): " + (
                "answered the stored receipt" if stored is not None else "not stored yet: MESSAGE_NOT_FOUND"))
        if stored is None:
            raise MessageNotFound(f"no receipt for {label} is stored by the kit", field_path="message_id")
        return ppb.GetReceiptResponse(receipt=pb.Receipt.FromString(stored))

    def _maybe_done(self) -> None:
        # Called under the lock.
        expect = self.options.expect
        if expect is None:
            return
        answered = sum(1 for m in self.messages.values() if m.answered)
        pending = any(m.fault for m in self.messages.values())
        if answered >= expect and not pending:
            self.done.set()

    def results(self) -> tuple[CheckResult, ...]:
        with self.lock:
            answered = [i for i, m in self.messages.items() if m.answered]
            # Messages refused with an error are not expected again; those answered with a played fault are.
            abandoned = [i for i, m in self.messages.items() if m.fault and m.receipt is None]
            lost, recovered = self.lost_answer, self.lost_answer_recovered
            calls, clients = self.calls, sorted(self.clients)
        expect = self.options.expect
        for message_id in abandoned:
            self.note("receiver.retry", False, f"{message_id}: never delivered again after UNAVAILABLE")
        if lost is not None and not recovered:
            self.note("receiver.lost-answer", False, f"{lost}: never sent again after its answer was lost")
        out: list[CheckResult] = []
        for c in checks_for("receiver"):
            if c.id == "receiver.tls":
                ok = calls > 0
                evidence = (f"{calls} calls over mutual TLS from {', '.join(clients) or 'a client'} (the kit "
                            "accepts only client certificates chaining to the partner's CA)" if ok else
                            "no call reached the kit: the partner did not connect, or its client certificate "
                            "does not chain to the CA given with --partner-ca (refused at the handshake)")
                out.append(CheckResult(c, "pass" if ok else "fail", evidence))
            elif c.id == "receiver.deliveries":
                wanted = expect if expect is not None else 1
                ok = len(answered) >= wanted
                out.append(CheckResult(c, "pass" if ok else "fail",
                                       f"{len(answered)} messages received with a receipt answered, "
                                       f"{wanted} expected: {', '.join(answered[:10])}"))
            else:
                out.append(self.tallies[c.id].result(c.id, ("skipped", "not exercised in this run")))
        return tuple(out)


def run_receiver(
    options: ReceiverOptions,
    kit: KitIdentity,
    *,
    on_listening: Callable[[int], None] | None = None,
    stop: threading.Event | None = None,
) -> Report:
    """Serve the test window until ``expect`` messages went through, ``duration_seconds`` passed or ``stop`` is
    set (by a caller that knows the partner is done); report."""
    started = options.now()
    window = _Window(options, kit)
    limit = options.max_payload_bytes + 1024 * 1024
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8), options=[
        ("grpc.max_receive_message_length", limit), ("grpc.max_send_message_length", limit),
    ])
    ppb_grpc.add_PartnerExchangeServiceServicer_to_server(window, server)  # type: ignore[no-untyped-call]
    credentials = grpc.ssl_server_credentials(
        [(kit.tls_key_pem, kit.tls_certificate_pem)], root_certificates=options.partner_ca_pem,
        require_client_auth=True,
    )
    port = server.add_secure_port(options.listen, credentials)
    if port == 0:
        raise OSError(f"cannot listen on {options.listen}")
    server.start()
    try:
        if on_listening is not None:
            on_listening(port)
        deadline = time.monotonic() + options.duration_seconds
        while not window.done.is_set() and not (stop is not None and stop.is_set()):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            window.done.wait(min(left, 0.1))
    finally:
        server.stop(grace=1).wait()
    host = options.listen.rsplit(":", 1)[0]
    return Report(
        role="receiver", partner=options.party, kit_party=options.kit_party, profile=options.profile,
        started_at=started, finished_at=options.now(), results=window.results(),
        context={"listener": f"{host}:{port}", "kit server name": KIT_SERVER_NAME, "kit CA": str(kit.ca_path),
                 "kit CA SHA-256": kit.ca_fingerprint,
                 "expected messages": str(options.expect) if options.expect is not None else "(until the end)"},
    )
