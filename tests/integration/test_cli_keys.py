"""`swgw keys rotate` and `swgw keys install`: a new signing key without openssl, scheduled through the keyring."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509

from gateway.adapters.trustbook.keyring import FolderKeyring
from gateway.tools.cli import load_settings, main
from trust import SigningIdentity, devpki


def _window(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, SigningIdentity]:
    assert main(["init", str(tmp_path), "--party", "CN"]) == 0
    capsys.readouterr()
    config = tmp_path / "cn" / "swgw.toml"
    signing = load_settings(config).signing
    return config, SigningIdentity.from_pem(Path(signing.key).read_bytes(), Path(signing.certificate).read_bytes())


def test_rotate_issues_a_scheduled_key_under_our_ca(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config, old = _window(tmp_path, capsys)
    switch = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    assert main(["keys", "rotate", "--config", str(config), "--not-before", switch.isoformat(), "--name", "k2"]) == 0
    assert "no restart" in capsys.readouterr().out
    keyring = config.parent / "keys" / "keyring"
    assert sorted(p.name for p in keyring.iterdir()) == ["k2.cert.pem", "k2.chain.pem", "k2.key.pem"]
    assert stat.S_IMODE((keyring / "k2.key.pem").stat().st_mode) == 0o600
    new = x509.load_pem_x509_certificate((keyring / "k2.cert.pem").read_bytes())
    ca = x509.load_pem_x509_certificate((config.parent / "keys" / "ca.cert.pem").read_bytes())
    new.verify_directly_issued_by(ca)
    assert new.not_valid_before_utc == switch and new.subject == old.certificate.subject
    assert new.public_key().public_numbers() != old.certificate.public_key().public_numbers()  # type: ignore[union-attr]

    # The gateway keeps the old key until the switch, then signs with the new one; both are exported.
    ring = FolderKeyring(old, keyring)
    assert ring.current(datetime.now(UTC)).certificate == old.certificate
    assert ring.current(switch + timedelta(seconds=1)).certificate == new
    assert len(ring.identities()) == 2

    with pytest.raises(SystemExit, match="exists"):
        main(["keys", "rotate", "--config", str(config), "--name", "k2"])


def test_rotate_with_an_external_ca_goes_through_a_csr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config, old = _window(tmp_path, capsys)
    csr_file = tmp_path / "request.csr.pem"
    assert main(["keys", "rotate", "--config", str(config), "--csr", str(csr_file), "--name", "ext",
                 "--key-type", "rsa", "--common-name", "CN Gateway Signing 2027"]) == 0
    keyring = config.parent / "keys" / "keyring"
    assert [p.name for p in keyring.iterdir()] == ["ext.key.pending.pem"]
    csr = x509.load_pem_x509_csr(csr_file.read_bytes())
    assert csr.is_signature_valid and csr.subject.rfc4514_string() == "CN=CN Gateway Signing 2027"
    assert FolderKeyring(old, keyring).identities() == (old,)  # the pending key is not used

    # The external CA answers (here: a CA made for the test signs the request's key).
    external = devpki.create_ca("External CA", at=datetime.now(UTC))
    chain = tmp_path / "external-ca.pem"
    chain.write_bytes(external.cert_pem())
    wrong = tmp_path / "wrong.pem"
    wrong.write_bytes(devpki.issue_certificate(external, "someone else", at=datetime.now(UTC),
                                               usage="signing").cert_pem())
    with pytest.raises(SystemExit, match="not for this key"):
        main(["keys", "install", "--config", str(config), "--name", "ext", "--certificate", str(wrong)])
    issued = tmp_path / "issued.pem"
    from cryptography.hazmat.primitives import hashes

    builder = (x509.CertificateBuilder().subject_name(csr.subject).issuer_name(external.certificate.subject)
               .public_key(csr.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(datetime.now(UTC) + timedelta(seconds=1))
               .not_valid_after(datetime.now(UTC) + timedelta(days=365)))
    from cryptography.hazmat.primitives.serialization import Encoding

    issued.write_bytes(builder.sign(external.private_key, hashes.SHA256()).public_bytes(Encoding.PEM))
    assert main(["keys", "install", "--config", str(config), "--name", "ext", "--certificate", str(issued),
                 "--chain", str(chain)]) == 0
    assert sorted(p.name for p in keyring.iterdir()) == ["ext.cert.pem", "ext.chain.pem", "ext.key.pem"]
    # Newer than the key init made, so the gateway switches to it once it has started.
    current = FolderKeyring(old, keyring).current(datetime.now(UTC) + timedelta(seconds=2))
    assert current.certificate.subject.rfc4514_string() == "CN=CN Gateway Signing 2027"
    assert current.chain == (external.certificate,)


def test_rotate_without_a_keyring_says_what_to_add(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config, _ = _window(tmp_path, capsys)
    config.write_text(config.read_text().replace('keyring = "keys/keyring"\n', ""))
    with pytest.raises(SystemExit, match='add keyring = "keys/keyring" to \\[signing\\]'):
        main(["keys", "rotate", "--config", str(config)])
