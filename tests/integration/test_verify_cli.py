"""``swgw verify``: offline verification of signed XML, signed PDFs and exported messages, with exit codes."""

from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway.core.domain import DocumentType
from gateway.tools.cli import main
from tests.integration.network import Network, example, record_bytes, running_network, wait_for
from trust import devpki


@pytest.fixture(scope="module")
def exchanged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Network, str, Path]:
    root = tmp_path_factory.mktemp("verify")
    with running_network(root, ("CN", "HK")) as net:
        settings = net.apps["CN"].settings
        object.__setattr__(settings, "partners", (dataclasses.replace(settings.partners[0], attach_pdf=True),))
        with net.client("CN") as cn:
            response = cn.submit("HK", DocumentType.CERTIFICATE_OF_ORIGIN,
                                 record_bytes(example("coo-cn-hk")))
            wait_for(lambda: cn.status(response.message_id).status == pb.MESSAGE_STATUS_DELIVERED)
        yield net, response.message_id, root  # type: ignore[misc]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = main([*argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def _trust_dir(net: Network, tmp_path: Path, *parties: str) -> Path:
    folder = tmp_path / "trust"
    folder.mkdir(exist_ok=True)
    for party in parties:
        shutil.copy(net.files[party].folder / "keys" / "ca.cert.pem", folder / f"{party}.pem")
    return folder


def test_exported_message_verifies_with_the_sender_ca_only(
    exchanged: tuple[Network, str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    net, message_id, _ = exchanged
    export = tmp_path / "message.json"
    assert main(["messages", "export", message_id, "--config", str(net.files["CN"].config), "--out",
                 str(export)]) == 0
    code, report = _run(capsys, "verify", str(export), "--trust", str(_trust_dir(net, tmp_path, "CN", "HK")))
    assert code == 0 and report["valid"] is True, report
    assert report["partner"] == "CN" and "CN Gateway Document Signing" in report["signer"]
    assert report["chain"][-1] == "O=CN Single Window,CN=CN Single Window Development CA"
    assert any(c.startswith("attachment certificate-of-origin.pdf: valid") for c in report["checks"])
    assert any(c.startswith("receipt from HK: valid, ACCEPTED") for c in report["checks"])
    assert report["revocation"].startswith("not checked")

    # The same document against another window's CA only: refused, exit 1.
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(net.files["HK"].folder / "keys" / "ca.cert.pem", other / "HK.pem")
    code, report = _run(capsys, "verify", str(export), "--trust", str(other))
    assert code == 1 and report["error_code"] == "CERTIFICATE_UNTRUSTED"


def test_signed_xml_and_tampering(exchanged: tuple[Network, str, Path], tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    net, message_id, _ = exchanged
    payload = net.apps["CN"].repository.get(message_id).envelope.payload
    document = tmp_path / "co.xml"
    document.write_bytes(payload)
    code, report = _run(capsys, "verify", str(document), "--config", str(net.files["HK"].config))
    assert code == 0 and report["kind"] == "xml" and report["partner"] == "CN"
    document.write_bytes(payload.replace(b"Wireless", b"Wireles5", 1))
    code, report = _run(capsys, "verify", str(document), "--config", str(net.files["HK"].config))
    assert code == 1 and report["error_code"] == "SIGNATURE_INVALID"


def test_signed_pdf_and_revocation_by_crl(exchanged: tuple[Network, str, Path], tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    net, message_id, _ = exchanged
    [attachment] = net.apps["CN"].repository.get(message_id).envelope.attachments
    pdf = tmp_path / "co.pdf"
    pdf.write_bytes(attachment.content)
    folder = _trust_dir(net, tmp_path, "CN")
    code, report = _run(capsys, "verify", str(pdf), "--trust", str(folder))
    assert code == 0 and report["kind"] == "pdf"

    # The CN CA revokes the signing certificate; with its CRL beside the anchor, verification fails from then on.
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    keys = net.files["CN"].folder / "keys"
    ca = devpki.IssuedCertificate(
        certificate=x509.load_pem_x509_certificate((keys / "ca.cert.pem").read_bytes()),
        private_key=load_pem_private_key((keys / "ca.key.pem").read_bytes(), None),  # type: ignore[arg-type]
    )
    signer = x509.load_pem_x509_certificate((keys / "signing.cert.pem").read_bytes())
    now = datetime.now(UTC)
    (folder / "CN.crl").write_bytes(devpki.issue_crl(ca, [(signer, now - timedelta(minutes=1))], at=now))
    code, report = _run(capsys, "verify", str(pdf), "--trust", str(folder))
    assert code == 1 and report["error_code"] == "CERTIFICATE_REVOKED"
    # Before the revocation time it was good, and the CRL says so.
    code, report = _run(capsys, "verify", str(pdf), "--trust", str(folder), "--at",
                        (now - timedelta(minutes=2)).isoformat())
    assert code == 0 and report["revocation"].startswith("not revoked (CRL of")


def test_a_partners_whole_export_in_the_trust_folder_still_honours_its_ca_crl(
    exchanged: tuple[Network, str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # CN.pem holds CN's CA, signing and TLS certificates: the signing certificate is pinned, not an anchor, so a
    # CRL of the CA listing it in the folder refuses the document (as an anchor it verified, revocation unseen).
    net, message_id, _ = exchanged
    document = tmp_path / "co.xml"
    document.write_bytes(net.apps["CN"].repository.get(message_id).envelope.payload)
    keys = net.files["CN"].folder / "keys"
    folder = tmp_path / "whole"
    folder.mkdir()
    (folder / "CN.pem").write_bytes(b"".join((keys / f"{n}.cert.pem").read_bytes() for n in ("ca", "signing", "tls")))
    code, report = _run(capsys, "verify", str(document), "--trust", str(folder))
    assert code == 0 and report["partner"] == "CN", report
    assert report["revocation"].startswith("not checked"), report
    ca = devpki.IssuedCertificate(
        certificate=x509.load_pem_x509_certificate((keys / "ca.cert.pem").read_bytes()),
        private_key=load_pem_private_key((keys / "ca.key.pem").read_bytes(), None),  # type: ignore[arg-type]
    )
    signing = x509.load_pem_x509_certificate((keys / "signing.cert.pem").read_bytes())
    now = datetime.now(UTC)
    # A current CRL of the CA not listing it: checked, and good.
    (folder / "CN-empty.crl").write_bytes(devpki.issue_crl(ca, [], at=now - timedelta(seconds=1)))
    code, report = _run(capsys, "verify", str(document), "--trust", str(folder))
    assert code == 0 and report["revocation"].startswith("not revoked (CRL of O=CN Single Window"), report
    (folder / "CN.crl").write_bytes(devpki.issue_crl(ca, [(signing, now - timedelta(seconds=1))], at=now))
    code, report = _run(capsys, "verify", str(document), "--trust", str(folder))
    assert code == 1 and report["error_code"] == "CERTIFICATE_REVOKED", report
