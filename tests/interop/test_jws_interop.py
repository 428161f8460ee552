"""Envelope and receipt signatures verified by strangers: a real CN -> HK exchange, exported with
``swgw messages export``, then checked with jwcrypto (a Python JOSE library swgw does not use) and with Node's
``jose`` package, each given only the signing window's CA certificate.

The signed fields are rebuilt here from the exported protobuf JSON by the rules of the README section
"Envelope and receipt signatures", not with swgw's own code, so the test also checks that those rules suffice.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from google.protobuf import json_format
from jwcrypto import jwk, jws

from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway.core.domain import DocumentType
from gateway.pipeline import signatures
from gateway.tools.cli import main
from gateway.transports import codec
from tests.conftest import tools_required
from tests.integration.network import example, record_bytes, running_network, wait_for
from trust import devpki

NODE_DIR = Path(__file__).parent
ALGORITHMS = ["ES256", "ES384", "PS256"]


@dataclasses.dataclass(frozen=True)
class Exchanged:
    """What a partner holds after the exchange: the exported message and each window's CA certificate."""

    bundle: dict[str, Any]
    ca_pem: dict[str, bytes]
    at: datetime


@pytest.fixture(scope="module")
def exchanged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exchanged]:
    root = tmp_path_factory.mktemp("jws-interop")
    with running_network(root, ("CN", "HK")) as net:
        settings = net.apps["CN"].settings
        # With the PDF rendering, the envelope signs an attachment (name, media type, digest) too.
        object.__setattr__(settings, "partners", (dataclasses.replace(settings.partners[0], attach_pdf=True),))
        with net.client("CN") as cn:
            response = cn.submit("HK", DocumentType.CERTIFICATE_OF_ORIGIN, record_bytes(example("coo-cn-hk")))
            wait_for(lambda: cn.status(response.message_id).status == pb.MESSAGE_STATUS_DELIVERED)
        export = root / "message.json"
        assert main(["messages", "export", response.message_id, "--config", str(net.files["CN"].config),
                     "--out", str(export)]) == 0
        yield Exchanged(
            bundle=json.loads(export.read_text()),
            ca_pem={party: net.files[party].ca_certificate.read_bytes() for party in ("CN", "HK")},
            at=datetime.now(UTC),
        )


# --- the signed fields, rebuilt from the wire by the README's rules -------------------------------------------


def _hex(b64: str) -> str:
    return base64.b64decode(b64).hex()


def _time(rfc3339: str) -> str:
    return datetime.fromisoformat(rfc3339).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _party(value: dict[str, Any]) -> dict[str, Any]:
    return {"scheme": value.get("scheme", ""), "value": value.get("value", "")}


def _key(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"issuer": value.get("issuer", ""), "number": value.get("number", ""), "version": value.get("version", 0)}


def envelope_fields(envelope: dict[str, Any]) -> dict[str, Any]:
    """The envelope's signed fields from its protobuf JSON form."""
    return {
        "message_id": envelope["messageId"],
        "business_key": _key(envelope["businessKey"]),
        "sender": _party(envelope["sender"]),
        "receiver": _party(envelope["receiver"]),
        "document_type": envelope["documentType"],
        "document_format": envelope["documentFormat"],
        "action": envelope.get("action", "ACTION_ISSUE"),
        "created_at": _time(envelope["createdAt"]),
        "payload_sha256": _hex(envelope["payloadSha256"]),
        "attachments": [{"name": a["name"], "media_type": a.get("mediaType", ""), "sha256": _hex(a["sha256"])}
                        for a in envelope.get("attachments", [])],
        "refers_to": _key(envelope.get("refersTo")),
    }


def receipt_fields(receipt: dict[str, Any]) -> dict[str, Any]:
    """The receipt's signed fields from its protobuf JSON form."""
    return {
        "message_id": receipt["messageId"],
        "receipt_id": receipt["receiptId"],
        "issuer": _party(receipt["issuer"]),
        "outcome": receipt["outcome"],
        "payload_sha256": _hex(receipt["payloadSha256"]),
        "received_at": _time(receipt["receivedAt"]),
        "errors": [{"code": e.get("code", ""), "message": e.get("message", ""), "field_path": e.get("fieldPath", "")}
                   for e in receipt.get("errors", [])],
    }


def _cases(exchanged: Exchanged) -> list[tuple[str, str, dict[str, Any], bytes]]:
    """(typ, jws, fields, signer's CA PEM) for the envelope (CN) and the receipt (HK)."""
    envelope, receipt = exchanged.bundle["envelope"], exchanged.bundle["receipt"]
    assert envelope["signature"]["format"] == receipt["signature"]["format"] == "jws-rfc7515+rfc8785/1"
    return [
        ("swgw-envelope+jws", envelope["signature"]["jws"], envelope_fields(envelope), exchanged.ca_pem["CN"]),
        ("swgw-receipt+jws", receipt["signature"]["jws"], receipt_fields(receipt), exchanged.ca_pem["HK"]),
    ]


# --- (a) jwcrypto ----------------------------------------------------------------------------------------------


def _jwcrypto_verify(token: str, typ: str, fields: dict[str, Any], ca_pem: bytes, at: datetime) -> str:
    """Verify like a Python partner would; return the signer's subject. Raises on any failure."""
    parsed = jws.JWS()
    parsed.deserialize(token)
    header = parsed.jose_header
    assert header["alg"] in ALGORITHMS and header["typ"] == typ
    chain = [x509.load_der_x509_certificate(base64.b64decode(c)) for c in header["x5c"]]
    ca = x509.load_pem_x509_certificate(ca_pem)
    path = chain if chain[-1] == ca else [*chain, ca]
    for subject, issuer in zip(path, path[1:]):
        subject.verify_directly_issued_by(issuer)  # raises ValueError / InvalidSignature
        assert issuer.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    for certificate in path:
        assert certificate.not_valid_before_utc <= at <= certificate.not_valid_after_utc
    parsed.allowed_algs = ALGORITHMS
    parsed.verify(jwk.JWK.from_pyca(chain[0].public_key()))  # raises InvalidJWSSignature
    # For these fields (strings, small integers, ASCII keys) sorted compact JSON is RFC 8785.
    assert parsed.payload == json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return chain[0].subject.rfc4514_string()


def test_jwcrypto_verifies_envelope_and_receipt(exchanged: Exchanged) -> None:
    subjects = [_jwcrypto_verify(token, typ, fields, ca, exchanged.at)
                for typ, token, fields, ca in _cases(exchanged)]
    assert "CN Gateway Document Signing" in subjects[0] and "HK" in subjects[1]
    assert len(exchanged.bundle["envelope"]["attachments"]) == 1


def test_jwcrypto_refuses_the_wrong_ca_and_other_fields(exchanged: Exchanged) -> None:
    (typ, token, fields, _), _ = _cases(exchanged)
    with pytest.raises(ValueError):
        _jwcrypto_verify(token, typ, fields, exchanged.ca_pem["HK"], exchanged.at)
    with pytest.raises(AssertionError):
        _jwcrypto_verify(token, typ, {**fields, "receiver": {"scheme": "urn:swgw:party", "value": "MO"}},
                         exchanged.ca_pem["CN"], exchanged.at)


# --- (b) Node jose ---------------------------------------------------------------------------------------------


def _node() -> str:
    node = shutil.which("node")
    missing = None
    if node is None:
        missing = "node is not installed (Node 20+)"
    elif not (NODE_DIR / "node_modules" / "jose").is_dir() or not (NODE_DIR / "node_modules" / "canonicalize").is_dir():
        missing = "the npm packages are not installed (cd tests/interop && npm ci; .ci/run does it)"
    if missing is not None:
        if tools_required():
            pytest.fail(f"{missing} and SWGW_REQUIRE_TOOLS=1")
        pytest.skip(missing)
    assert node is not None
    return node


def _node_verify(tmp_path: Path, token: str, typ: str, fields: dict[str, Any], ca_pem: bytes,
                 at: datetime) -> subprocess.CompletedProcess[str]:
    node = _node()
    (tmp_path / "token.jws").write_text(token)
    (tmp_path / "ca.pem").write_bytes(ca_pem)
    # Deliberately not canonical (indented, keys reversed): the script canonicalizes with its own RFC 8785 code.
    (tmp_path / "fields.json").write_text(json.dumps(dict(reversed(list(fields.items()))), indent=2))
    return subprocess.run(
        [node, str(NODE_DIR / "jws_verify.mjs"), str(tmp_path / "token.jws"), str(tmp_path / "ca.pem"),
         str(tmp_path / "fields.json"), typ, at.isoformat()],
        capture_output=True, text=True, timeout=60, env={**os.environ, "NODE_NO_WARNINGS": "1"},
    )


def test_node_jose_verifies_envelope_and_receipt(exchanged: Exchanged, tmp_path: Path) -> None:
    for typ, token, fields, ca in _cases(exchanged):
        result = _node_verify(tmp_path, token, typ, fields, ca, exchanged.at)
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        assert report["alg"] == "ES256" and report["chain"] >= 2


def test_node_jose_refuses_the_wrong_ca_and_other_fields(exchanged: Exchanged, tmp_path: Path) -> None:
    (typ, token, fields, _), _ = _cases(exchanged)
    wrong_ca = _node_verify(tmp_path, token, typ, fields, exchanged.ca_pem["HK"], exchanged.at)
    assert wrong_ca.returncode == 1 and "is not issued by" in wrong_ca.stderr
    other = _node_verify(tmp_path, token, typ, {**fields, "payload_sha256": "00" * 32}, exchanged.ca_pem["CN"],
                         exchanged.at)
    assert other.returncode == 1 and "differs" in other.stderr
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"
    bad = _node_verify(tmp_path, tampered, typ, fields, exchanged.ca_pem["CN"], exchanged.at)
    assert bad.returncode == 1 and "ERR_JWS_SIGNATURE_VERIFICATION_FAILED" in bad.stderr


# --- every algorithm, from swgw's own signing step --------------------------------------------------------------


@pytest.mark.parametrize(("key", "alg"), [("ec", "ES256"), ("ec384", "ES384"), ("rsa", "PS256")])
def test_every_algorithm_verifies_with_both_libraries(exchanged: Exchanged, tmp_path: Path, key: str,
                                                      alg: str) -> None:
    at = exchanged.at
    ca = devpki.create_ca("Partner CA", at=at, key=key)  # type: ignore[arg-type]
    intermediate = devpki.issue_intermediate(ca, "Partner Signing CA", at=at, key=key)  # type: ignore[arg-type]
    signer = devpki.issue_certificate(intermediate, "Partner Signer", at=at, usage="signing",
                                      key=key)  # type: ignore[arg-type]
    # The exchanged envelope, signed again by a partner whose whole PKI uses the key type under test.
    envelope = codec.envelope_from_proto(json_format.ParseDict(exchanged.bundle["envelope"], pb.Envelope()))
    signed = json_format.MessageToDict(codec.envelope_to_proto(signatures.sign_envelope(envelope, signer.identity())))
    token, fields = signed["signature"]["jws"], envelope_fields(signed)
    ca_pem = ca.certificate.public_bytes(serialization.Encoding.PEM)
    assert json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))["alg"] == alg
    assert "Partner Signer" in _jwcrypto_verify(token, "swgw-envelope+jws", fields, ca_pem, at)
    result = _node_verify(tmp_path, token, "swgw-envelope+jws", fields, ca_pem, at)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"alg": alg, "subject": "CN=Partner Signer", "chain": 3}
