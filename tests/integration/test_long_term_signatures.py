"""Long-term signatures end to end: CN signs with a time-stamping authority (a local one, over HTTP), HK's agreement
requires B-LT and accepts; a baseline signature is refused with SIGNATURE_LEVEL_INSUFFICIENT; years later
``swgw verify`` still says valid, and why. The exact bytes are checked by xmlsec1 and pdfsig."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from lxml import etree

from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway.core.domain import DocumentType
from gateway.tools.cli import main
from tests.conftest import require_tool
from tests.integration.local_tsa import LocalTsa, local_tsa
from tests.integration.network import Network, example, record_bytes, running_network, wait_for
from trust import devpki

FINAL = (pb.MESSAGE_STATUS_DELIVERED, pb.MESSAGE_STATUS_REJECTED, pb.MESSAGE_STATUS_FAILED)


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Network, LocalTsa, Path]]:
    root = tmp_path_factory.mktemp("longterm")
    (root / "tsa").mkdir()
    with local_tsa(root / "tsa") as tsa:
        (root / "tsa-ca.pem").write_bytes(tsa.ca_pem)

        def configure(party: str, data: dict[str, Any]) -> None:
            data["timestamping"] = {"anchors": str(root / "tsa-ca.pem")}
            if party == "CN":
                # CN's CRL, issued now, is embedded (B-LT); the CA key is the devsetup one.
                keys = root / "cn" / "keys"
                ca = devpki.IssuedCertificate(
                    certificate=x509.load_pem_x509_certificate((keys / "ca.cert.pem").read_bytes()),
                    private_key=load_pem_private_key(  # type: ignore[arg-type]
                        (keys / "ca.key.pem").read_bytes(), None),
                    chain=())
                (root / "cn.crl").write_bytes(devpki.issue_crl(ca, [], at=datetime.now(UTC), days=30))
                (root / "validation.pem").write_bytes(ca.cert_pem() + tsa.ca_pem)
                data["timestamping"].update(url=tsa.url, level="B-LTA", crls=[str(root / "cn.crl")],
                                            validation_certificates=str(root / "validation.pem"))
                data["partners"][0]["attach_pdf"] = True
            else:
                data["partners"][0]["signature_level"] = "B-LT"

        with running_network(root, ("CN", "HK"), configure=configure) as net:
            yield net, tsa, root


def _send(net: Network, number: str) -> pb.MessageSummary:
    record = example("coo-cn-hk")
    record["certificate"]["number"] = number
    with net.client("CN") as cn:
        response = cn.submit("HK", DocumentType.CERTIFICATE_OF_ORIGIN, record_bytes(record))
        final = wait_for(lambda: (s := cn.status(response.message_id)).status in FINAL and s)
        return final  # type: ignore[no-any-return]


def _export(net: Network, message_id: str, tmp_path: Path) -> Path:
    export = tmp_path / "message.json"
    assert main(["messages", "export", message_id, "--config", str(net.files["CN"].config), "--out",
                 str(export)]) == 0
    return export


def _documents(export: Path, folder: Path) -> tuple[Path, Path]:
    """The signed XML payload and the signed PDF attachment of an exported message, as files."""
    from google.protobuf import json_format

    envelope = json_format.ParseDict(json.loads(export.read_bytes())["envelope"], pb.Envelope())
    (folder / "coo.xml").write_bytes(envelope.payload)
    [pdf] = [a.content for a in envelope.attachments if a.media_type == "application/pdf"]
    (folder / "coo.pdf").write_bytes(pdf)
    return folder / "coo.xml", folder / "coo.pdf"


def test_b_lt_is_accepted_and_verifies_years_later(network: tuple[Network, LocalTsa, Path], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    net, tsa, root = network
    summary = _send(net, "LT-1")
    assert summary.status == pb.MESSAGE_STATUS_DELIVERED, summary  # HK's agreement requires B-LT
    xml, pdf = _documents(_export(net, summary.message_id, tmp_path), tmp_path)
    trust_dir = tmp_path / "trust"
    trust_dir.mkdir()
    (trust_dir / "CN.pem").write_bytes((root / "cn" / "keys" / "ca.cert.pem").read_bytes())
    later = (datetime.now(UTC) + timedelta(days=5 * 365)).isoformat()
    capsys.readouterr()
    for document, level in ((xml, "B-LT"), (pdf, "B-LTA")):
        code = main(["verify", str(document), "--trust", str(trust_dir), "--tsa-trust", str(root / "tsa-ca.pem"),
                     "--at", later, "--json"])
        report = json.loads(capsys.readouterr().out)
        assert code == 0 and report["valid"] is True, (report["checks"], report["error"])
        assert report["level"] == level and report["timestamp_authority"] == tsa.subject
        assert report["since"] and report["since"][0].startswith("signer certificate expired since")
        assert report["summary"].startswith(f"valid ({level}): signed at "), report["summary"]
        # Without trusting the TSA the same file is judged at that later time: the signer has expired.
        code = main(["verify", str(document), "--trust", str(trust_dir), "--at", later, "--json"])
        report = json.loads(capsys.readouterr().out)
        assert code == 1 and report["error_code"] == "CERTIFICATE_EXPIRED", report
    # The text output an officer reads.
    main(["verify", str(xml), "--trust", str(trust_dir), "--tsa-trust", str(root / "tsa-ca.pem"), "--at", later])
    out = capsys.readouterr().out
    assert "valid (B-LT): signed at" in out and f"(timestamp by {tsa.subject}), signer certificate expired since" \
        in out, out


def test_strangers_tools_accept_the_bytes(network: tuple[Network, LocalTsa, Path], tmp_path: Path) -> None:
    net, _, root = network
    summary = _send(net, "LT-2")
    xml, pdf = _documents(_export(net, summary.message_id, tmp_path), tmp_path)
    assert etree.parse(str(xml)).find(".//{http://uri.etsi.org/01903/v1.3.2#}SignatureTimeStamp") is not None
    xmlsec1 = require_tool("xmlsec1")
    result = subprocess.run([xmlsec1, "--verify", "--enabled-key-data", "x509", "--trusted-pem",
                             str(root / "cn" / "keys" / "ca.cert.pem"), str(xml)],
                            capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 0, result.stderr
    pdfsig = require_tool("pdfsig")
    out = subprocess.run([pdfsig, str(pdf)], capture_output=True, text=True, check=False, timeout=60).stdout
    assert "Signature #2" in out and "Test TSA" in out.split("Signature #2")[1], out
    assert "Signature is Valid" in out.split("Signature #2")[0]


def test_baseline_signature_is_refused_where_b_lt_is_agreed(network: tuple[Network, LocalTsa, Path]) -> None:
    net, _, _ = network
    pipeline = net.apps["CN"].pipeline
    long_term = pipeline._long_term
    pipeline._long_term = None  # CN signs B-B for this one message
    try:
        summary = _send(net, "LT-3")
    finally:
        pipeline._long_term = long_term
    assert summary.status == pb.MESSAGE_STATUS_REJECTED
    assert summary.last_error.code == "SIGNATURE_LEVEL_INSUFFICIENT"
