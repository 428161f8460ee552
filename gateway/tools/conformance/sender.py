"""The kit as sender: deliver valid and deliberately wrong envelopes to a partner and check its answers.

Every message is built with swgw's own steps (``prepare_outbound``, ``sign_envelope``, ``sign_document``) and
every receipt checked with ``verify_receipt``, so the kit expects exactly what a swgw gateway sends and accepts.
Bad envelopes start from a good one and break one thing each.
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from joserfc import jws as jose_jws
from joserfc.jwk import RSAKey
from lxml import etree

import mappings
import trust

from gateway.core.domain import ENVELOPE_JWS_TYPE, Action, Attachment, DocumentType, Envelope, PartyId, Signature, sha256_hex
from gateway.core.errors import GatewayError
from gateway.core.partners import PartnerProfile
from gateway.app import document_renderer
from gateway.pipeline import signatures, steps
from gateway.transports import codec
from gateway.transports.status_map import error_from_status
from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway._generated.swgw.v1 import partner_exchange_pb2 as ppb
from gateway._generated.swgw.v1 import partner_exchange_pb2_grpc as ppb_grpc
from gateway.tools.conformance.checks import DEFAULT_PROFILE, Check, CheckResult, Status, check, checks_for
from gateway.tools.conformance.identity import KitIdentity
from gateway.tools.conformance.report import Report

__all__ = ["DEFAULT_PROFILE", "EXAMPLES", "SenderOptions", "run_sender"]

#: The shipped sample record mapped for each profile (``--example`` overrides).
EXAMPLES: dict[str, str] = {
    "coo-ubl24-acfta-forme": "coo-cn-vn",
    "coo-ubl24-cepa-hk": "coo-cn-hk",
    "coo-ubl24-cepa-mo": "coo-cn-mo",
    "coo-ubl24-rcep": "coo-cn-jp",
    "manifest-efti-consignment": "manifest-cn-mo",
    "manifest-cuscar-d96b": "manifest-cn-mo",
}

#: For the invalid-document check: a required element removed from the mapped document before it is signed, per
#: document type, and the codes a receiver may answer it with (the record misses a group, or the document breaks
#: its schema).
_REQUIRED_ELEMENT = {DocumentType.CERTIFICATE_OF_ORIGIN: "ExporterParty"}
_INVALID_DOCUMENT_CODES = ("RECORD_INVALID", "SCHEMA_INVALID")

#: The signature format announced in the unknown-format check: the right JWS under a version that does not exist.
_UNKNOWN_FORMAT = "jws-rfc7515+rfc8785/99"


@dataclass(frozen=True)
class SenderOptions:
    """What the kit needs to know about the partner it delivers to."""

    endpoint: str
    """host:port of the partner's PartnerExchangeService."""
    server_name: str
    """The name the partner's TLS certificate is checked against."""
    partner_ca_pem: bytes
    """The partner's CA certificate(s), PEM: its TLS and signing certificates must chain to them."""
    party: str
    """The partner's party id (the envelopes' receiver)."""
    kit_party: str = "ZZ"
    """The party id the kit plays (the envelopes' sender); the partner's agreement must name it."""
    profile: str = DEFAULT_PROFILE
    """The agreed mapping profile."""
    example: str | None = None
    """The shipped sample record to map; by default the one :data:`EXAMPLES` names for the profile."""
    max_payload_bytes: int = 8 * 1024 * 1024
    """The agreed size limit; the oversized envelope is one byte over it."""
    max_message_age: timedelta = timedelta(days=7)
    """The agreed maximum age; the stale envelope is an hour older."""
    timeout_seconds: float = 30.0
    """Deadline of each call."""
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    """The clock (the tools floor reads the real one)."""


@dataclass
class _Answer:
    status: str
    """``OK`` or the gRPC status code name."""
    code: str = ""
    message: str = ""
    receipt: pb.Receipt | None = None

    def describe(self) -> str:
        if self.receipt is not None:
            errors = ", ".join(e.code for e in self.receipt.errors)
            outcome = pb.ReceiptOutcome.Name(self.receipt.outcome)
            return f"OK, receipt {outcome}" + (f" ({errors})" if errors else "")
        return f"{self.status} {self.code or '(no ErrorDetail)'}: {self.message}"[:400]


class _Run:
    """One sender run: the channel, the material and the results so far."""

    def __init__(self, options: SenderOptions, kit: KitIdentity) -> None:
        self.options = options
        self.kit = kit
        self.document_type = DocumentType(mappings.get_profile(options.profile).document_type)
        self.example = options.example or EXAMPLES.get(options.profile)
        if self.example is None:
            raise ValueError(f"no shipped example for profile {options.profile!r}: name one with --example")
        self.profile = PartnerProfile(
            party=PartyId(options.party), endpoint=options.endpoint, tls_server_name=options.server_name,
            mapping_profiles={self.document_type: options.profile}, max_payload_bytes=options.max_payload_bytes,
            max_message_age=options.max_message_age,
        )
        anchors = tuple(x509.load_pem_x509_certificates(options.partner_ca_pem))
        self.trust = trust.PartnerTrust(partner=options.party, anchors=anchors)
        self.me = PartyId(options.kit_party)
        credentials = grpc.ssl_channel_credentials(
            root_certificates=options.partner_ca_pem, private_key=kit.tls_key_pem,
            certificate_chain=kit.tls_certificate_pem,
        )
        limit = options.max_payload_bytes + 1024 * 1024
        self.channel = grpc.secure_channel(options.endpoint, credentials, options=[
            ("grpc.ssl_target_name_override", options.server_name),
            ("grpc.max_send_message_length", limit), ("grpc.max_receive_message_length", limit),
        ])
        self.stub = ppb_grpc.PartnerExchangeServiceStub(self.channel)  # type: ignore[no-untyped-call]
        self.results: dict[str, CheckResult] = {}
        self.receipts: list[tuple[str, Envelope, pb.Receipt]] = []

    # Building.

    def record(self) -> dict[str, Any]:
        """The sample record with a business key of its own (every delivery that is stored needs one)."""
        record = mappings.load_example(self.example or "", issued_on=self.options.now().date())
        number_element = mappings.load_catalog().document(self.document_type.value).business_key[1]
        path = mappings.load_catalog().element(number_element).json_path.split(".")
        holder: Any = record
        for part in path[:-1]:
            holder = holder[part]
        number = str(holder[path[-1]])
        suffix = "".join(secrets.choice("0123456789") for _ in range(6))
        holder[path[-1]] = number[:-6] + suffix if len(number) > 6 else number + suffix
        return record

    def prepare(self, record: dict[str, Any] | None = None, *, message_id: str | None = None) -> Envelope:
        """A valid signed envelope for a fresh record, built by the outbound step."""
        command = steps.SubmitCommand(receiver=self.options.party, document_type=self.document_type,
                                      action=Action.ISSUE, record_json=json.dumps(record or self.record()).encode())
        prepared = steps.prepare_outbound(command, sender=self.me, profile=self.profile, identity=self.kit.signing,
                                          message_id=message_id or str(uuid.uuid4()), created_at=self.options.now(),
                                          render_pdf=document_renderer())
        return prepared.envelope

    # Talking.

    def deliver(self, message: pb.Envelope) -> _Answer:
        try:
            response = self.stub.Deliver(ppb.DeliverRequest(envelope=message), timeout=self.options.timeout_seconds)
        except grpc.RpcError as e:
            return self.failure(e)
        return _Answer(status="OK", receipt=response.receipt)

    def get_receipt(self, message_id: str) -> _Answer:
        try:
            response = self.stub.GetReceipt(ppb.GetReceiptRequest(message_id=message_id),
                                            timeout=self.options.timeout_seconds)
        except grpc.RpcError as e:
            return self.failure(e)
        return _Answer(status="OK", receipt=response.receipt)

    @staticmethod
    def failure(error: grpc.RpcError) -> _Answer:
        code, message, path = error_from_status(error)
        status = error.code().name if hasattr(error, "code") else "UNKNOWN"
        detail = code if code != status else ""
        return _Answer(status=status, code=detail, message=message + (f" [at {path}]" if path else ""))

    # Judging.

    def record_result(self, check_id: str, status: Status, evidence: str) -> None:
        self.results[check_id] = CheckResult(check(check_id), status, evidence)

    def verify_receipt(self, label: str, envelope: Envelope, receipt: pb.Receipt) -> str | None:
        """None when ``receipt`` is a correctly signed answer to ``envelope``, else why not."""
        try:
            domain_receipt = codec.receipt_from_proto(receipt)
            steps.verify_receipt(domain_receipt, envelope=envelope, partner_trust=self.trust,
                                 now=self.options.now(), profile=self.profile)
        except (GatewayError, trust.TrustError) as e:
            return f"{label}: {e.code}: {e.message}"[:400]
        return None

    def keep_receipt(self, label: str, envelope: Envelope, answer: _Answer) -> None:
        if answer.receipt is not None:
            self.receipts.append((label, envelope, answer.receipt))

    def expect_refusal(self, check_id: str, sent: str, envelope: Envelope | None, message: pb.Envelope,
                       status: str, code: str) -> None:
        answer = self.deliver(message)
        if envelope is not None:
            self.keep_receipt(check_id, envelope, answer)
        evidence = f"sent {sent}; expected {status} {code}; got {answer.describe()}"
        ok = answer.receipt is None and answer.status == status and answer.code == code
        self.record_result(check_id, "pass" if ok else "fail", evidence)


def _wire(envelope: Envelope) -> pb.Envelope:
    return codec.envelope_to_proto(envelope)


def _rs256(envelope: Envelope, identity: trust.SigningIdentity) -> Envelope:
    """The envelope signed with RS256 (RSA PKCS#1 v1.5), an algorithm the format excludes, by a trusted key."""
    x5c = [base64.b64encode(c.public_bytes(Encoding.DER)).decode() for c in (identity.certificate, *identity.chain)]
    key = RSAKey.import_key(identity.private_key)  # type: ignore[arg-type]
    token = jose_jws.serialize_compact({"alg": "RS256", "typ": ENVELOPE_JWS_TYPE, "x5c": x5c},
                                       envelope.signed_header(), key, algorithms=["RS256"])
    return replace(envelope, signature=Signature(token))


def _strip(document: bytes, local_name: str) -> bytes:
    root = trust.parse_xml(document)  # the one hardened parser, though the document is the kit's own
    for element in root.iter():
        if isinstance(element.tag, str) and etree.QName(element).localname == local_name:
            parent = element.getparent()
            assert parent is not None
            parent.remove(element)
            break
    else:
        raise ValueError(f"the mapped document has no {local_name}")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def run_sender(options: SenderOptions, kit: KitIdentity) -> Report:
    """Run every sender check against the partner and return the report."""
    started = options.now()
    run = _Run(options, kit)
    try:
        _run_checks(run)
    finally:
        run.channel.close()
    ordered = tuple(run.results[c.id] for c in _sender_checks())
    return Report(
        role="sender", partner=options.party, kit_party=options.kit_party, profile=options.profile,
        started_at=started, finished_at=options.now(), results=ordered,
        context={"endpoint": options.endpoint, "server name": options.server_name,
                 "kit CA": str(kit.ca_path), "kit CA SHA-256": kit.ca_fingerprint,
                 "size limit (bytes)": str(options.max_payload_bytes),
                 "maximum age (s)": str(int(options.max_message_age.total_seconds()))},
    )


def _sender_checks() -> tuple[Check, ...]:
    return checks_for("sender")


def _run_checks(run: _Run) -> None:
    options = run.options
    valid = run.prepare()
    first = run.deliver(_wire(valid))
    if first.receipt is None and first.status == "UNAVAILABLE" and not first.code:
        # Nothing answered: the connection or the TLS handshake failed, and no other check can run.
        run.record_result("sender.tls", "fail", f"no answer from {options.endpoint}: {first.describe()}")
        for c in _sender_checks():
            run.results.setdefault(c.id, CheckResult(c, "skipped", "not run: no connection to the partner"))
        return
    run.record_result("sender.tls", "pass", f"mutual TLS with {options.server_name} at {options.endpoint}; the "
                      f"server certificate chains to the partner's CA and the kit's client certificate was accepted "
                      f"(answer: {first.describe()})")
    run.keep_receipt("sender.valid-accepted", valid, first)
    accepted = first.receipt is not None and first.receipt.outcome == pb.RECEIPT_OUTCOME_ACCEPTED
    run.record_result("sender.valid-accepted", "pass" if accepted else "fail",
                      f"sent {valid.message_id} ({len(valid.payload)} bytes, {options.profile}); got {first.describe()}")

    # The same envelope again: the stored receipt, byte for byte.
    again = run.deliver(_wire(valid))
    run.keep_receipt("sender.replay-same-receipt", valid, again)
    if first.receipt is None or again.receipt is None:
        run.record_result("sender.replay-same-receipt", "fail",
                          f"first answer {first.describe()}; second answer {again.describe()}")
    else:
        same = first.receipt.SerializeToString(deterministic=True) == again.receipt.SerializeToString(
            deterministic=True)
        run.record_result("sender.replay-same-receipt", "pass" if same else "fail",
                          f"receipt {first.receipt.receipt_id} then {again.receipt.receipt_id}: "
                          + ("identical bytes" if same else "the receipts differ"))
    fetched = run.get_receipt(valid.message_id)
    run.keep_receipt("sender.get-receipt", valid, fetched)
    if first.receipt is None or fetched.receipt is None:
        run.record_result("sender.get-receipt", "fail", f"GetReceipt({valid.message_id}): {fetched.describe()}")
    else:
        same = first.receipt.SerializeToString(deterministic=True) == fetched.receipt.SerializeToString(
            deterministic=True)
        run.record_result("sender.get-receipt", "pass" if same else "fail",
                          f"GetReceipt({valid.message_id}) answered receipt {fetched.receipt.receipt_id}: "
                          + ("identical to the Deliver answer" if same else "differs from the Deliver answer"))

    other = run.prepare(message_id=valid.message_id)
    run.expect_refusal("sender.duplicate-conflict", f"message id {valid.message_id} again with another document",
                       other, _wire(other), "ALREADY_EXISTS", "DUPLICATE_CONFLICT")

    missing = _wire(run.prepare())
    missing.ClearField("business_key")
    run.expect_refusal("sender.invalid-envelope", "an envelope without business_key", None, missing,
                       "INVALID_ARGUMENT", "ENVELOPE_INVALID")

    _invalid_document(run)

    base = run.prepare()
    tampered = _wire(base)
    tampered.payload = tampered.payload + b"\n<!-- changed after signing -->"
    run.expect_refusal("sender.tampered-payload", "payload bytes appended after signing (declared digest kept)",
                       None, tampered, "INVALID_ARGUMENT", "PAYLOAD_DIGEST_MISMATCH")

    base = run.prepare()
    changed = _wire(base)
    changed.business_key.version += 1
    run.expect_refusal("sender.tampered-field", "business_key.version changed after signing", None, changed,
                       "PERMISSION_DENIED", "ENVELOPE_SIGNATURE_INVALID")

    now = options.now()
    stale = signatures.sign_envelope(replace(run.prepare(), created_at=now - options.max_message_age
                                             - timedelta(hours=1)), run.kit.signing)
    run.expect_refusal("sender.stale", f"created_at {stale.created_at.isoformat()}", stale, _wire(stale),
                       "FAILED_PRECONDITION", "MESSAGE_STALE")
    future = signatures.sign_envelope(replace(run.prepare(), created_at=now + timedelta(hours=1)), run.kit.signing)
    run.expect_refusal("sender.future", f"created_at {future.created_at.isoformat()}", future, _wire(future),
                       "FAILED_PRECONDITION", "MESSAGE_STALE")

    base = run.prepare()
    size = len(base.payload) + sum(len(a.content) for a in base.attachments)
    padding = Attachment(name="padding.bin", media_type="application/octet-stream",
                         content=b"\0" * max(1, options.max_payload_bytes - size + 1))
    oversized = signatures.sign_envelope(replace(base, attachments=(*base.attachments, padding)), run.kit.signing)
    run.expect_refusal("sender.oversized", f"{options.max_payload_bytes + 1} bytes of payload and attachments",
                       oversized, _wire(oversized), "RESOURCE_EXHAUSTED", "PAYLOAD_TOO_LARGE")

    rs256 = _rs256(run.prepare(), run.kit.rsa_signing)
    run.expect_refusal("sender.wrong-algorithm", "a JWS with alg RS256 by an RSA key of the kit's CA", rs256,
                       _wire(rs256), "PERMISSION_DENIED", "ENVELOPE_SIGNATURE_INVALID")
    foreign = signatures.sign_envelope(run.prepare(), run.kit.foreign_signing)
    run.expect_refusal("sender.foreign-ca", "a JWS whose x5c chains to a CA the partner does not trust", foreign,
                       _wire(foreign), "PERMISSION_DENIED", "ENVELOPE_SIGNATURE_INVALID")
    base = run.prepare()
    assert base.signature is not None
    unknown = replace(base, signature=Signature(base.signature.value, format=_UNKNOWN_FORMAT))
    run.expect_refusal("sender.unknown-format", f"signature.format {_UNKNOWN_FORMAT!r}", unknown, _wire(unknown),
                       "INVALID_ARGUMENT", "SIGNATURE_FORMAT_UNSUPPORTED")

    problems = [p for p in (run.verify_receipt(label, env, r) for label, env, r in run.receipts) if p]
    if not run.receipts:
        run.record_result("sender.receipt-signature", "fail", "no receipt was received")
    else:
        run.record_result("sender.receipt-signature", "fail" if problems else "pass",
                          "; ".join(problems) if problems else
                          f"{len(run.receipts)} receipts verified against the partner's CA: "
                          + ", ".join(sorted({label for label, _, _ in run.receipts})))


def _invalid_document(run: _Run) -> None:
    element = _REQUIRED_ELEMENT.get(run.document_type)
    check_id = "sender.invalid-document"
    if element is None:
        run.record_result(check_id, "skipped", f"no invalid variant defined for {run.document_type.value}")
        return
    record = run.record()
    base = run.prepare(record)
    profile = mappings.get_profile(run.options.profile)
    mapped = mappings.map_forward(record, run.options.profile, at=base.created_at,
                                  interchange=run.profile.interchange(run.me))
    payload, signature_files = signatures.sign_document(_strip(mapped.document, element), profile.signature,
                                                        run.kit.signing)
    envelope = signatures.sign_envelope(replace(
        base, payload=payload, payload_sha256=sha256_hex(payload),
        attachments=(*[a for a in base.attachments if a.name != signatures.SIGNATURE_NAME], *signature_files),
    ), run.kit.signing)
    answer = run.deliver(_wire(envelope))
    run.keep_receipt(check_id, envelope, answer)
    evidence = (f"sent a signed document without {element}; expected a REJECTED receipt with one of "
                f"{', '.join(_INVALID_DOCUMENT_CODES)}; got {answer.describe()}")
    receipt = answer.receipt
    ok = (receipt is not None and receipt.outcome == pb.RECEIPT_OUTCOME_REJECTED
          and any(e.code in _INVALID_DOCUMENT_CODES for e in receipt.errors))
    if ok and receipt is not None:
        problem = run.verify_receipt(check_id, envelope, receipt)
        if problem:
            ok, evidence = False, f"{evidence}; the receipt does not verify: {problem}"
    run.record_result(check_id, "pass" if ok else "fail", evidence)
