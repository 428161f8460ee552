"""The certificate ledger and verification inquiries across real gateways: CN issues a certificate of origin to HK,
replaces it and withdraws it; HK's operator asks CN (by number and by document digest) through HK's gateway, which
verifies CN's signed answer; MO asking about HK's certificate learns nothing; the answer's JWS is verified again
by jwcrypto and by Node's ``jose`` from the printed answer alone, by the partner guide's rules."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from jwcrypto import jwk, jws

import mappings
from gateway._generated.swgw.v1 import certificate_ledger_pb2 as lpb
from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway.core.domain import Action, BusinessKey, DocumentType
from gateway.core.ledger import CertificateInquiry, CertificateStatus, InquiryAnswerInvalid
from gateway.tools.cli import main
from gateway.tools.devsetup import DomesticTls, domestic_tls_config, write_domestic_tls
from tests.integration.network import Network, example, record_bytes, running_network, wait_for
from tests.interop.test_jws_interop import _node_verify

COO = DocumentType.CERTIFICATE_OF_ORIGIN


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Network, DomesticTls]]:
    root = tmp_path_factory.mktemp("ledger")
    material: dict[str, DomesticTls] = {}

    def tls(party: str, data: dict[str, Any]) -> None:
        if party == "HK":
            material["HK"] = write_domestic_tls(root / "hk", "HK", at=datetime.now(UTC))
            domestic_tls_config(data)

    with running_network(root, ("CN", "HK", "MO"), configure=tls) as network:
        yield network, material["HK"]


def _submit(network: Network, record: dict[str, Any], version: int, action: Action) -> tuple[str, str]:
    record["certificate"]["version"] = version
    record["certificate"]["action"] = action.value
    if action is Action.REPLACE:
        record["certificate"]["replaces_number"] = record["certificate"]["number"]
    refers = BusinessKey(record["certificate"]["issuer_code"], record["certificate"]["number"], version - 1) \
        if action is not Action.ISSUE else None
    with network.client("CN") as cn:
        response = cn.submit("HK", COO, record_bytes(record), action=action, refers_to=refers)
        summary = wait_for(lambda: (s := cn.status(response.message_id)).status in (
            pb.MESSAGE_STATUS_DELIVERED, pb.MESSAGE_STATUS_REJECTED, pb.MESSAGE_STATUS_FAILED) and s)
    assert summary.status == pb.MESSAGE_STATUS_DELIVERED, summary.last_error
    return response.message_id, response.payload_sha256.hex()


def _hk_cli(capsys: pytest.CaptureFixture[str], network: Network, tls: DomesticTls, *argv: str) -> tuple[int, Any]:
    code = main([*argv, "--gateway", f"127.0.0.1:{network.apps['HK'].domestic_port}", "--tls-ca",
                 str(tls.server_ca), "--tls-cert", str(tls.operator_certificate), "--tls-key", str(tls.operator_key)])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if captured.out.strip().startswith("{") else captured.err)


def _ca(network: Network, party: str) -> bytes:
    return network.files[party].ca_certificate.read_bytes()


def _signed_time(text: str) -> str:
    # Protobuf JSON writes 0, 3, 6 or 9 fractional digits; the signed form has exactly six (partner guide).
    return datetime.fromisoformat(text.replace("Z", "+00:00")).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _key(value: str | None) -> dict[str, Any] | None:
    # The CLI prints a business key as ISSUER/NUMBER[/vN] (README, "--json naming").
    if value is None:
        return None
    issuer, number, *version = value.split("/")
    return {"issuer": issuer, "number": number, "version": int(version[0][1:]) if version else 0}


def _enum(prefix: str, value: str) -> str:
    # The CLI prints enum values by their short lower-case name; the signed form uses the proto name.
    return f"{prefix}_{value.upper()}"


def _party(value: dict[str, Any]) -> dict[str, str]:
    return {"scheme": value.get("scheme") or "urn:swgw:party", "value": value["value"]}


def _fields(answer: dict[str, Any]) -> dict[str, Any]:
    """The signed fields rebuilt from the printed answer by the guide's rules (not with swgw's code)."""
    inquiry = answer["inquiry"]
    return {
        "inquiry_id": answer["inquiry_id"], "answerer": _party(answer["answerer"]), "asker": _party(answer["asker"]),
        "query": {"business_key": _key(inquiry.get("business_key")),
                  "document_sha256": inquiry.get("document_sha256", "")},
        "status": _enum("CERTIFICATE_STATUS", answer["status"]), "certificate": _key(answer.get("certificate")),
        "current": _key(answer.get("current")),
        "history": [{"version": v.get("version", 0), "action": _enum("ACTION", v["action"]),
                     "payload_sha256": v["payload_sha256"], "accepted_at": _signed_time(v["accepted_at"])}
                    for v in answer.get("history", [])],
        "answered_at": _signed_time(answer["answered_at"]),
    }


def _jwcrypto_verify(token: str, ca_pem: bytes, fields: dict[str, Any]) -> None:
    """A stranger's check: the x5c leaf issued by CN's CA, the JWS by that leaf's key, the payload the fields."""
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["typ"] == "swgw-inquiry-answer+jws" and header["alg"] in ("ES256", "ES384", "PS256")
    leaf = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
    ca = x509.load_pem_x509_certificate(ca_pem)
    chain = [x509.load_der_x509_certificate(base64.b64decode(c)) for c in header["x5c"][1:]]
    issuer = next(c for c in [*chain, ca] if c.subject == leaf.issuer)
    leaf.verify_directly_issued_by(issuer)
    if issuer != ca:
        issuer.verify_directly_issued_by(ca)
    token_object = jws.JWS()
    token_object.deserialize(token)
    key = jwk.JWK.from_pem(leaf.public_key().public_bytes(serialization.Encoding.PEM,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo))
    token_object.allowed_algs = ["ES256", "ES384", "PS256"]
    token_object.verify(key)
    assert json.loads(token_object.payload) == fields


def test_issue_replace_withdraw_and_inquire(net: tuple[Network, DomesticTls], capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path) -> None:
    network, tls = net
    record = example("coo-cn-hk")
    issuer, number, _ = mappings.business_key("certificate-of-origin", record)
    _, digest_v1 = _submit(network, record, 1, Action.ISSUE)
    _, digest_v2 = _submit(network, record, 2, Action.REPLACE)

    # The domestic status by business key: the certificate's state is its latest accepted version, not v1.
    with network.client("CN") as cn:
        response = cn.status_response_by_key(issuer, number)
    assert [m.business_key.version for m in response.messages] == [1, 2]
    assert response.ledger.current.version == 2
    assert response.ledger.status == lpb.CERTIFICATE_STATUS_VALID

    code, answer = _hk_cli(capsys, network, tls, "documents", "inquire", "--partner", "CN", "--digest", digest_v1,
                           "--json")
    assert code == 0, answer
    assert answer["answer"]["status"] == "replaced"
    assert answer["answer"]["current"] == f"{issuer}/{number}/v2"
    assert answer["answer"]["certificate"] == f"{issuer}/{number}/v1"
    assert "CN Gateway Document Signing" in answer["signer_subject"]

    _submit(network, record, 3, Action.WITHDRAW)
    for argv in (("--digest", digest_v2), (f"{issuer}/{number}",), (f"{issuer}/{number}/1",)):
        code, answer = _hk_cli(capsys, network, tls, "documents", "inquire", "--partner", "CN", *argv, "--json")
        assert code == 0, answer
        assert answer["answer"]["status"] == "withdrawn", argv
        assert answer["answer"]["current"] == f"{issuer}/{number}/v3"
        assert [(v.get("version"), v["action"]) for v in answer["answer"]["history"]] == [
            (1, "issue"), (2, "replace"), (3, "withdraw")]

    # The answer, as printed, verifies without swgw: jwcrypto here, Node's jose below, given CN's CA only.
    fields = _fields(answer["answer"])
    token = answer["answer"]["signature"]["jws"]
    assert answer["answer"]["signature"]["format"] == "jws-rfc7515+rfc8785/1"
    _jwcrypto_verify(token, _ca(network, "CN"), fields)
    result = _node_verify(tmp_path, token, "swgw-inquiry-answer+jws", fields, _ca(network, "CN"), datetime.now(UTC))
    assert result.returncode == 0, result.stderr
    # A changed field does not verify.
    assert _node_verify(tmp_path, token, "swgw-inquiry-answer+jws", {**fields, "status": "CERTIFICATE_STATUS_VALID"},
                        _ca(network, "CN"), datetime.now(UTC)).returncode == 1

    # Both sides keep the ledger: CN what it sent and HK accepted, HK what it received and accepted.
    code, ledger = _hk_cli(capsys, network, tls, "documents", "show", f"{issuer}/{number}", "--json")
    assert code == 0, ledger
    assert ledger["status"] == "withdrawn"
    assert [(e["version"], e["direction"], e["accepted"]) for e in ledger["entries"]] == [
        (1, "inbound", True), (2, "inbound", True), (3, "inbound", True)]
    assert all(e["by"].startswith("CN (") for e in ledger["entries"])
    assert main(["documents", "show", f"{issuer}/{number}", "--config", str(network.files["CN"].config)]) == 0
    table = capsys.readouterr().out
    assert table.startswith(f"certificate {issuer}/{number}: withdrawn, current version 3")
    assert [line.split()[:6] for line in table.splitlines()[2:]] == [
        ["1", "issue", "outbound", "HK", "DELIVERED", "yes"], ["2", "replace", "outbound", "HK", "DELIVERED", "yes"],
        ["3", "withdraw", "outbound", "HK", "DELIVERED", "yes"]]


def test_unknown_certificate_and_digest_are_answered_unknown(net: tuple[Network, DomesticTls],
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    network, tls = net
    for argv in (("CN-GACC-5300/NO-SUCH-NUMBER",), ("--digest", "ab" * 32)):
        code, answer = _hk_cli(capsys, network, tls, "documents", "inquire", "--partner", "CN", *argv, "--json")
        assert code == 0, answer
        assert answer["answer"]["status"] == "unknown"
        assert "current" not in answer["answer"] and "history" not in answer["answer"]
    code, error = _hk_cli(capsys, network, tls, "documents", "inquire", "--partner", "CN", "--digest", "abcd")
    assert code == 1 and "INQUIRY_INVALID" in error and "document_sha256" in error


def test_another_partners_certificate_is_not_disclosed(net: tuple[Network, DomesticTls]) -> None:
    network, _ = net
    record = example("coo-cn-hk")
    record["certificate"]["number"] = f"K-{uuid.uuid4().hex[:10]}"
    issuer, number, _ = mappings.business_key("certificate-of-origin", record)
    _, digest = _submit(network, record, 1, Action.ISSUE)
    ledgers = network.apps["MO"].operations.ledgers
    assert ledgers is not None
    # MO asks CN (through MO's gateway, over mutual TLS) about a certificate CN delivered to HK.
    for inquiry in (CertificateInquiry(str(uuid.uuid4()), business_key=BusinessKey(issuer, number, 0)),
                    CertificateInquiry(str(uuid.uuid4()), document_sha256=digest)):
        verified = ledgers.ask("CN", inquiry)
        assert verified.answer.status is CertificateStatus.UNKNOWN
        assert verified.answer.current is None and verified.answer.history == ()
    # HK, to which it was delivered, gets the answer.
    hk = network.apps["HK"].operations.ledgers
    assert hk is not None
    assert hk.ask("CN", CertificateInquiry("q-1", business_key=BusinessKey(issuer, number, 0))).answer.status \
        is CertificateStatus.VALID


def test_an_answer_signed_by_another_window_is_refused(net: tuple[Network, DomesticTls]) -> None:
    # HK asks CN, but the gateway checks the answer against CN's trust only: MO's signature is refused.
    network, _ = net
    hk = network.apps["HK"].operations.ledgers
    assert hk is not None
    mo_answer = network.apps["MO"].operations.ledgers
    assert mo_answer is not None

    class Impostor:
        def inquire(self, partner: object, inquiry: CertificateInquiry) -> Any:
            return mo_answer.answer(inquiry, peer="CN")

    original = hk._inquirer  # noqa: SLF001 - swap the transport for one answering with MO's key
    hk._inquirer = Impostor()  # noqa: SLF001
    try:
        with pytest.raises(InquiryAnswerInvalid) as caught:
            hk.ask("CN", CertificateInquiry("q-2", business_key=BusinessKey("X", "Y", 0)))
    finally:
        hk._inquirer = original  # noqa: SLF001
    assert caught.value.code == "INQUIRY_ANSWER_INVALID"
    assert caught.value.field_path == "answer.signature"
