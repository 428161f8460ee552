"""``swgw keys rotate`` and ``swgw keys install``: a new signing key for our gateway, without openssl.

The new key and certificate go into the ``[signing] keyring`` folder (README, "Rotating keys without downtime"):
the gateway signs with the newest started certificate, so a certificate whose notBefore lies ahead is a scheduled
switch, and the old key keeps working until then (and stays until the operator retires it). With our own CA
(``ca.key.pem`` beside its certificate, as ``swgw init`` writes it) the certificate is issued at once; for an
external CA, ``--csr`` writes a certificate signing request and keeps the key aside as ``<name>.key.pending.pem``,
which ``swgw keys install`` activates once the CA's certificate has come back.
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography import x509

    from ..core.settings import Settings

__all__ = ["add_keys_commands"]


def _keyring(settings: Settings) -> Path:
    if not settings.signing.keyring:
        raise SystemExit('swgw: no keyring: add keyring = "keys/keyring" to [signing] in the configuration '
                         "(swgw init writes it), then run this again")
    folder = Path(settings.signing.keyring)
    folder.mkdir(mode=0o750, parents=True, exist_ok=True)
    return folder


def _write_private(path: Path, data: bytes) -> None:
    # Created 0600 from the start: the key is never readable by others, not even for an instant.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def _name(args: argparse.Namespace, folder: Path, not_before: datetime) -> str:
    name = args.name or f"signing-{not_before.strftime('%Y%m%dT%H%M%SZ')}"
    if not name.replace("-", "").replace("_", "").isalnum():
        raise SystemExit(f"swgw: --name {name!r}: letters, digits, - and _ only")
    if any(folder.glob(f"{name}.*")):
        raise SystemExit(f"swgw: {folder / name}.* exists; choose another --name")
    return name


def _rotate(args: argparse.Namespace) -> int:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    from trust import devpki

    from .cli import load_settings

    settings = load_settings(args.config)
    folder = _keyring(settings)
    now = datetime.now(UTC)
    not_before = args.not_before or now
    name = _name(args, folder, not_before)
    current = x509.load_pem_x509_certificate(Path(settings.signing.certificate).read_bytes())
    common_name = args.common_name or next(
        (str(a.value) for a in current.subject.get_attributes_for_oid(NameOID.COMMON_NAME)),
        f"{settings.party} Gateway Document Signing")
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey = (
        rsa.generate_private_key(public_exponent=65537, key_size=3072) if args.key_type == "rsa"
        else ec.generate_private_key(ec.SECP384R1() if args.key_type == "ec384" else ec.SECP256R1()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    if args.csr:
        csr = (x509.CertificateSigningRequestBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
               .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                            crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
               .sign(key, hashes.SHA256()))
        _write_private(folder / f"{name}.key.pending.pem", key_pem)
        args.csr.write_bytes(csr.public_bytes(serialization.Encoding.PEM))
        print(f"wrote the request {args.csr} and kept its key as {folder / name}.key.pending.pem (not in use)")
        print("send the request to your CA; when its certificate comes back:")
        print(f"  swgw keys install --config {args.config} --name {name} --certificate CERT.pem [--chain CHAIN.pem]")
        return 0
    ca_cert_file = args.ca_certificate or Path(settings.signing.chain or "")
    ca_key_file = args.ca_key or ca_cert_file.with_name("ca.key.pem")
    try:
        ca_cert = x509.load_pem_x509_certificate(ca_cert_file.read_bytes())
        ca_key = serialization.load_pem_private_key(ca_key_file.read_bytes(), password=None)
    except (OSError, ValueError) as e:
        raise SystemExit(f"swgw: our CA cannot sign ({e}); give --ca-certificate and --ca-key, or --csr FILE for "
                         "an external CA") from e
    ca = devpki.IssuedCertificate(certificate=ca_cert, private_key=ca_key)  # type: ignore[arg-type]
    issued = devpki.issue_certificate(ca, common_name, at=not_before, days=args.days, usage="signing",
                                      private_key=key)
    return _install(folder, name, issued.certificate, [ca_cert], key_pem=key_pem, settings=settings,
                    config=args.config)


def _install(folder: Path, name: str, certificate: x509.Certificate, chain: list[x509.Certificate], *,
             key_pem: bytes, settings: Settings, config: Path) -> int:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_private_key

    import trust

    chain_pem = b"".join(c.public_bytes(Encoding.PEM) for c in chain)
    cert_pem = certificate.public_bytes(Encoding.PEM)
    spki = (Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    if load_pem_private_key(key_pem, None).public_key().public_bytes(*spki) != \
            certificate.public_key().public_bytes(*spki):
        raise SystemExit("swgw: the certificate is not for this key (another request's answer?); nothing installed")
    try:
        trust.SigningIdentity.from_pem(key_pem, cert_pem, chain_pem)  # refuses key types the gateway cannot use
    except trust.TrustError as e:
        raise SystemExit(f"swgw: {e}") from e
    # The key file last: the keyring loads a pair once its key appears (README, "Rotating keys").
    if chain_pem:
        (folder / f"{name}.chain.pem").write_bytes(chain_pem)
    (folder / f"{name}.cert.pem").write_bytes(cert_pem)
    _write_private(folder / f"{name}.key.pem", key_pem)
    start = certificate.not_valid_before_utc
    print(f"new signing key {folder / name}.key.pem, certificate valid {start.isoformat()} to "
          f"{certificate.not_valid_after_utc.isoformat()}")
    print(f"the gateway signs with it from {start.isoformat()} (no restart); the old key stays until you retire it")
    print(f"before then, send partners our certificates: swgw trust export --config {config} --out FOLDER")
    return 0


def _install_command(args: argparse.Namespace) -> int:
    from cryptography import x509

    from .cli import load_settings

    settings = load_settings(args.config)
    folder = _keyring(settings)
    pending = folder / f"{args.name}.key.pending.pem"
    try:
        key_pem = pending.read_bytes()
    except OSError as e:
        raise SystemExit(f"swgw: no pending key {pending}: {e.strerror}") from e
    certificate = x509.load_pem_x509_certificate(args.certificate.read_bytes())
    chain = x509.load_pem_x509_certificates(args.chain.read_bytes()) if args.chain else []
    code = _install(folder, args.name, certificate, chain, key_pem=key_pem, settings=settings, config=args.config)
    pending.unlink()
    return code


def add_keys_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``swgw keys rotate`` and ``swgw keys install``."""
    from .cli import aware_time

    keys = sub.add_parser("keys", help="our own signing keys: rotate without downtime")
    ksub = keys.add_subparsers(dest="keys_command", required=True)
    p = ksub.add_parser("rotate", help="make a new signing key and certificate in the keyring (or a CSR)")
    p.add_argument("--config", type=Path, required=True, help="the gateway's configuration ([signing] keyring)")
    p.add_argument("--not-before", type=aware_time, metavar="TIME",
                   help="ISO 8601 time with offset when the gateway switches to the new key (default: now)")
    p.add_argument("--days", type=int, default=825, help="validity of the new certificate (default %(default)s)")
    p.add_argument("--key-type", choices=("ec", "ec384", "rsa"), default="ec",
                   help="%(choices)s: P-256, P-384 or RSA 3072 (default %(default)s)")
    p.add_argument("--name", help="file name stem in the keyring (default signing-<not-before>)")
    p.add_argument("--common-name", help="the certificate's subject CN (default: the current certificate's)")
    p.add_argument("--ca-certificate", type=Path,
                   help="our CA's certificate (default: [signing] chain)")
    p.add_argument("--ca-key", type=Path, help="our CA's private key (default: ca.key.pem beside the CA certificate)")
    p.add_argument("--csr", type=Path, metavar="FILE",
                   help="external CA: write a certificate signing request here instead of issuing; the key waits "
                        "in the keyring as <name>.key.pending.pem for `swgw keys install`")
    p.set_defaults(func=_rotate)
    p = ksub.add_parser("install", help="activate a key made with `keys rotate --csr` once its certificate came")
    p.add_argument("--config", type=Path, required=True, help="the gateway's configuration ([signing] keyring)")
    p.add_argument("--name", required=True, help="the name `keys rotate --csr` gave the pending key")
    p.add_argument("--certificate", type=Path, required=True, help="the certificate the CA issued (PEM)")
    p.add_argument("--chain", type=Path, help="the CA certificates above it (PEM), for partners to build the path")
    p.set_defaults(func=_install_command)
