"""The partner test vectors (tests/vectors/partner/, docs/partner-guide.md "Test vectors") against swgw's own checks.

Each envelope goes through what a Deliver call runs after the TLS handshake, in the same order: decoding
(``codec.envelope_from_proto``), the checks without cryptography (``steps.check_inbound_envelope``) and the
envelope signature (``signatures.verify_envelope_signature``). Each receipt goes through what the dispatcher runs
on a Deliver answer (``codec.receipt_from_proto``, ``steps.verify_receipt``). The duplicate cases go through
HK's ``Pipeline.receive`` (in-memory message book) after the case they repeat. The outcome, the field path and, for
a refused signature, the code of the check that refused it must be those ``cases.toml`` states. The vectors and
the guide's worked example must also be what ``tools/partner_vectors.py`` generates today.
"""

from __future__ import annotations

import base64
import functools
import importlib.util
import json
import sys
import tomllib
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from google.protobuf import json_format

from gateway._generated.swgw.v1 import certificate_ledger_pb2 as lpb
from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway.adapters.clock import ManualClock, UuidIds
from gateway.core.domain import BusinessKey, DocumentType, PartyId
from gateway.core.ledger import CertificateInquiry
from gateway.core.errors import GatewayError
from gateway.core.partners import PartnerProfile
from gateway.adapters.persistence.memory import MemoryMessageRepository
from gateway.adapters.coo_pdf import render_certificate_pdf
from gateway.pipeline import signatures, steps
from gateway.pipeline.inquiries import verify_inquiry_answer
from gateway.pipeline.runner import Pipeline
from gateway.core.settings import ListenerSettings, Settings, SigningSettings
from gateway.core.signals import Signals
from gateway.transports import codec, ledger_codec
from trust import DEFAULT_POLICY, PartnerTrust, SigningIdentity

REPO = Path(__file__).resolve().parents[3]
VECTORS = REPO / "tests" / "vectors" / "partner"
SPEC = tomllib.loads((VECTORS / "cases.toml").read_text(encoding="utf-8"))
AT = datetime.fromisoformat(SPEC["verify_at"].replace("Z", "+00:00"))
CASES = {case["name"]: case for case in SPEC["case"]}


def _trust(partner: str, files: list[str]) -> PartnerTrust:
    anchors = tuple(x509.load_pem_x509_certificate((VECTORS / f).read_bytes()) for f in files)
    return PartnerTrust(partner=partner, anchors=anchors)


def _profile(party: str) -> PartnerProfile:
    env = SPEC["envelopes"]
    return PartnerProfile(
        party=PartyId(party), endpoint="127.0.0.1:1", tls_server_name=f"{party.lower()}.gateway.test",
        mapping_profiles={DocumentType.CERTIFICATE_OF_ORIGIN: "coo-ubl24-cepa-hk"},
        max_payload_bytes=env["max_payload_bytes"], max_message_age=timedelta(seconds=env["max_message_age_seconds"]),
    )


def _message(case: dict[str, Any]) -> Any:
    kind = {"envelope": pb.Envelope, "receipt": pb.Receipt, "answer": lpb.InquiryAnswer}[case["kind"]]
    binary = kind.FromString((VECTORS / case["file"]).read_bytes())
    # The JSON file is the same message in the proto3 JSON mapping.
    assert json_format.Parse((VECTORS / case["json"]).read_text(encoding="utf-8"), kind()) == binary
    return binary


def receive(message: pb.Envelope) -> None:
    """What HK's Deliver runs on CN's envelope once the TLS handshake named CN."""
    env = SPEC["envelopes"]
    profile = _profile(env["sender"])
    envelope = codec.envelope_from_proto(message)
    steps.check_inbound_envelope(envelope, peer=env["sender"], me=PartyId(env["receiver"]), profile=profile, now=AT)
    signatures.verify_envelope_signature(envelope, partner_trust=_trust(env["sender"], env["trust_anchors"]),
                                         now=AT, profile=profile)


def accept_receipt(message: pb.Receipt) -> None:
    """What CN's dispatcher runs on HK's receipt of valid-es256."""
    rec = SPEC["receipts"]
    answered = codec.envelope_from_proto(pb.Envelope.FromString((VECTORS / rec["answers"]).read_bytes()))
    receipt = codec.receipt_from_proto(message)
    steps.verify_receipt(receipt, envelope=answered, partner_trust=_trust(rec["issuer"], rec["trust_anchors"]),
                         now=AT, profile=_profile(rec["issuer"]))


def accept_answer(message: lpb.InquiryAnswer) -> None:
    """What HK's gateway runs on CN's answer to its inquiry (``CertificateLedgers.ask`` after the call)."""
    spec = SPEC["answers"]
    question = CertificateInquiry(spec["inquiry_id"], business_key=BusinessKey(**spec["business_key"]))
    verify_inquiry_answer(ledger_codec.answer_from_proto(message), question, answerer=spec["answerer"],
                          asker=PartyId(spec["asker"]), answerer_trust=_trust(spec["answerer"], spec["trust_anchors"]),
                          now=AT, policy=DEFAULT_POLICY)


def test_the_spec_states_the_limits_swgw_applies() -> None:
    assert SPEC["envelopes"]["max_clock_skew_seconds"] == DEFAULT_POLICY.max_clock_skew.total_seconds()
    agreed = steps.agreed_format(_profile("CN"), DocumentType.CERTIFICATE_OF_ORIGIN)
    assert SPEC["envelopes"]["document_format"] == agreed
    outcomes = {case["outcome"] for case in CASES.values()}
    assert "valid" in outcomes and len(outcomes) > 8


class _PartnerTrustBook:
    """The one trust the pipeline asks for: CN's anchors from cases.toml."""

    def for_partner(self, partner: str, *, at: datetime, purpose: str = "receive") -> PartnerTrust:
        env = SPEC["envelopes"]
        assert partner == env["sender"]
        return _trust(partner, env["trust_anchors"])


def _pipeline() -> Pipeline:
    """HK's inbound pipeline with an in-memory message book, at the vectors' time."""
    env = SPEC["envelopes"]
    hk_key = serialization.load_pem_private_key((VECTORS / "pki" / "hk-signer.key.pem").read_bytes(), None)
    hk_cert = x509.load_pem_x509_certificate((VECTORS / "pki" / "hk-signer.pem").read_bytes())
    settings = Settings(
        party=PartyId(env["receiver"]), data_dir="unused", database_url="unused",
        signing=SigningSettings(key="unused", certificate="unused"),
        partner_listener=ListenerSettings("127.0.0.1:0"), domestic_listener=ListenerSettings("127.0.0.1:0"),
        partners=(_profile(env["sender"]),),
    )
    return Pipeline(
        settings=settings, messages=MemoryMessageRepository(), trustbook=_PartnerTrustBook(),  # type: ignore[arg-type]
        identity=lambda _partner: SigningIdentity(private_key=hk_key, certificate=hk_cert),  # type: ignore[arg-type]
        clock=ManualClock(AT), ids=UuidIds(), signals=Signals(), render_pdf=render_certificate_pdf,
    )


def _after(case: dict[str, Any], message: pb.Envelope) -> None:
    """Deliver ``after``, then this envelope, through HK's pipeline: the duplicate rules decide."""
    pipeline = _pipeline()
    sender = SPEC["envelopes"]["sender"]
    first = pipeline.receive(codec.envelope_from_proto(_message(CASES[case["after"]])), peer=sender)
    again = pipeline.receive(codec.envelope_from_proto(message), peer=sender)
    if case["outcome"] == "replay":
        # The stored receipt, byte for byte on the wire.
        assert codec.receipt_to_proto(again).SerializeToString() == codec.receipt_to_proto(first).SerializeToString()


@pytest.mark.parametrize("name", sorted(CASES))
def test_vector(name: str) -> None:
    case = CASES[name]
    message = _message(case)
    check = {"envelope": receive, "receipt": accept_receipt, "answer": accept_answer}[case["kind"]]
    if "after" in case:
        receive(message)  # on its own, a valid envelope
        check = functools.partial(_after, case)
    if case["outcome"] in ("valid", "replay"):
        check(message)
        return
    with pytest.raises(GatewayError) as caught:
        check(message)
    error = caught.value
    assert (error.code, error.field_path or "") == (case["outcome"], case["field_path"]), error
    cause = error.__cause__
    assert (getattr(cause, "code", "") if cause is not None else "") == case.get("cause", ""), error


def test_every_envelope_refusal_code_is_documented_in_the_guide() -> None:
    guide = (REPO / "docs" / "partner-guide.md").read_text(encoding="utf-8")
    for case in CASES.values():
        for code in (case["outcome"], case.get("cause", "")):
            if code and code != "valid":
                assert f"`{code}`" in guide, code


@functools.cache
def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("partner_vectors", REPO / "tools" / "partner_vectors.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Registered first: the tool's dataclasses look their module up while they are created.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_vectors_and_worked_example_are_what_the_tool_generates() -> None:
    tool = _tool()
    assert tool.check() == [], "run: python tools/partner_vectors.py"
    # Every case the tool defines is in cases.toml, and nothing else is in the folder.
    expected = set(tool.render()) | {"README.md"}
    present = {p.name for p in VECTORS.iterdir() if p.is_file()}
    assert present == expected


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c["outcome"] in ("valid", "replay")
                                        or n in ("alg-none", "alg-hs256", "alg-rs256", "receipt-alg-none")
                                        or c["kind"] == "answer" and c["field_path"] != "answer.signature"))
def test_vectors_are_standard_jws(name: str) -> None:
    """A JOSE library swgw does not use (jwcrypto) reads each valid vector's JWS with the key of its x5c leaf,
    restricted to the three algorithms, and finds the signed fields the tool rebuilds from the protobuf message;
    it refuses the vectors whose alg is not allowed."""
    from jwcrypto import jwk, jws
    from jwcrypto.common import JWException

    case = CASES[name]
    message = _message(case)
    header = json.loads(base64.urlsafe_b64decode(message.signature.jws.split(".")[0] + "=="))
    leaf = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
    token = jws.JWS()
    token.deserialize(message.signature.jws)
    key = jwk.JWK.from_pyca(leaf.public_key())
    token.allowed_algs = ["ES256", "ES384", "PS256"]
    if case["outcome"] not in ("valid", "replay") and case["field_path"] != "answer.asker" \
            and case["field_path"] != "answer.inquiry_id":
        with pytest.raises(JWException):
            token.verify(key)
        return
    token.verify(key)
    tool = _tool()
    fields = {"envelope": tool.envelope_fields, "receipt": tool.receipt_fields,
              "answer": tool.answer_fields}[case["kind"]](message)
    assert token.payload == tool.rfc8785.dumps(fields)
