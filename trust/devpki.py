"""A throwaway development PKI for the demo and the tests. Never for production trust material.

Pure like the rest of ``trust``: the issuing time ``at`` is a parameter and keys are generated in memory.
Certificates are signed with SHA-256 (EC) or SHA-256 PKCS#1 v1.5 (RSA) and follow the profile that
cryptography's path validation, xmlsec1 and pdfsig accept: CA certificates carry a critical basicConstraints and
keyCertSign/cRLSign; every certificate carries subject and authority key identifiers.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from asn1crypto import keys as asn1_keys  # type: ignore[import-untyped]
from asn1crypto import x509 as asn1_x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps.common_utils import handle_tsp_response
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from trust.keys import PrivateKey, SigningIdentity

__all__ = ["DevTimestamper", "IssuedCertificate", "create_ca", "issue_certificate", "issue_crl", "issue_intermediate"]

KeyKind = Literal["ec", "ec384", "rsa"]


@dataclass(frozen=True)
class IssuedCertificate:
    """A certificate with its private key, as produced by this development PKI."""

    certificate: x509.Certificate
    """The issued certificate."""

    private_key: PrivateKey
    """Its private key (unencrypted, in memory)."""

    chain: tuple[x509.Certificate, ...] = ()
    """Issuers above this certificate up to but excluding the root, nearest first."""

    def key_pem(self) -> bytes:
        """The private key as unencrypted PKCS#8 PEM."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def cert_pem(self) -> bytes:
        """The certificate as PEM."""
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def identity(self) -> SigningIdentity:
        """This certificate as a :class:`~trust.keys.SigningIdentity` carrying its chain."""
        return SigningIdentity(private_key=self.private_key, certificate=self.certificate, chain=self.chain)


def _new_key(kind: KeyKind) -> PrivateKey:
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "ec384":
        return ec.generate_private_key(ec.SECP384R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str, organization: str | None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(attributes)


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("`at` must be timezone-aware")
    return at.astimezone(timezone.utc)


def _ca_extensions(builder: x509.CertificateBuilder, path_length: int | None) -> x509.CertificateBuilder:
    return builder.add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True).add_extension(
        x509.KeyUsage(
            digital_signature=False,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=True,
            crl_sign=True,
            encipher_only=False,
            decipher_only=False,
        ),
        critical=True,
    )


def _sign(builder: x509.CertificateBuilder, issuer_key: PrivateKey) -> x509.Certificate:
    return builder.sign(issuer_key, hashes.SHA256())


def create_ca(
    common_name: str,
    *,
    at: datetime,
    days: int = 3650,
    key: KeyKind = "ec",
    organization: str | None = None,
    private_key: PrivateKey | None = None,
) -> IssuedCertificate:
    """Create a self-signed root CA valid from ``at`` for ``days`` days.

    ``private_key`` replaces the freshly generated key (``key`` is then ignored): the fuzz harnesses use fixed keys
    so that a saved finding still verifies in a later process.
    """
    start = _utc(at)
    private_key = private_key if private_key is not None else _new_key(key)
    name = _name(common_name, organization)
    public_key = private_key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    builder = _ca_extensions(builder, path_length=None)
    return IssuedCertificate(certificate=_sign(builder, private_key), private_key=private_key)


def issue_intermediate(
    ca: IssuedCertificate, common_name: str, *, at: datetime, days: int = 1825, key: KeyKind = "ec"
) -> IssuedCertificate:
    """Issue an intermediate CA (path length 0) under ``ca``."""
    start = _utc(at)
    private_key = _new_key(key)
    public_key = private_key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, None))
        .issuer_name(ca.certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(_aki(ca), critical=False)
    )
    builder = _ca_extensions(builder, path_length=0)
    return IssuedCertificate(
        certificate=_sign(builder, ca.private_key),
        private_key=private_key,
        chain=_chain_of(ca),
    )


def _aki(ca: IssuedCertificate) -> x509.AuthorityKeyIdentifier:
    ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def _chain_of(ca: IssuedCertificate) -> tuple[x509.Certificate, ...]:
    # The root is left out of a published chain: the relying party must already hold it as an anchor.
    if ca.certificate.issuer == ca.certificate.subject:
        return ()
    return (ca.certificate, *ca.chain)


def issue_certificate(
    ca: IssuedCertificate,
    common_name: str,
    *,
    at: datetime,
    days: int = 825,
    usage: Literal["signing", "tls", "timestamping"],
    dns_names: Sequence[str] = (),
    ip_addresses: Sequence[str] = (),
    key: KeyKind = "ec",
    private_key: PrivateKey | None = None,
) -> IssuedCertificate:
    """Issue an end-entity certificate under ``ca``.

    ``signing``: keyUsage digitalSignature + nonRepudiation, no extendedKeyUsage (xmlsec1 and pdfsig accept it).
    ``tls``: keyUsage digitalSignature (+ keyEncipherment for RSA), EKU serverAuth + clientAuth, SAN from
    ``dns_names`` and ``ip_addresses`` (the common name is added as a DNS name when both are empty).
    ``timestamping``: keyUsage digitalSignature + nonRepudiation, critical EKU timeStamping only (RFC 3161, 2.3).
    ``private_key`` replaces the freshly generated key, as in :func:`create_ca`.
    """
    start = _utc(at)
    private_key = private_key if private_key is not None else _new_key(key)
    public_key = private_key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, None))
        .issuer_name(ca.certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(_aki(ca), critical=False)
    )
    builder = builder.add_extension(
        x509.KeyUsage(
            digital_signature=True,
            content_commitment=usage != "tls",
            key_encipherment=usage == "tls" and key == "rsa",
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=False,
            crl_sign=False,
            encipher_only=False,
            decipher_only=False,
        ),
        critical=True,
    )
    if usage == "timestamping":
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    if usage == "tls":
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
        names: list[x509.GeneralName] = [x509.DNSName(n) for n in dns_names]
        names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ip_addresses]
        if not names:
            names = [x509.DNSName(common_name)]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return IssuedCertificate(
        certificate=_sign(builder, ca.private_key),
        private_key=private_key,
        chain=_chain_of(ca),
    )


def issue_crl(
    ca: IssuedCertificate,
    revoked: Sequence[tuple[x509.Certificate, datetime]],
    *,
    at: datetime,
    days: int = 7,
) -> bytes:
    """Issue a DER CRL from ``ca`` listing ``revoked`` (certificate, revocation time), thisUpdate ``at``."""
    start = _utc(at)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.certificate.subject)
        .last_update(start)
        .next_update(start + timedelta(days=days))
        .add_extension(_aki(ca), critical=False)
        .add_extension(x509.CRLNumber(int(start.timestamp())), critical=False)
    )
    for certificate, when in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(certificate.serial_number)
            .revocation_date(_utc(when))
            .build()
        )
    crl = builder.sign(ca.private_key, hashes.SHA256())
    return crl.public_bytes(serialization.Encoding.DER)


class DevTimestamper:
    """A :class:`~trust.timestamp.Timestamper` that is its own time-stamping authority (pyHanko's
    ``DummyTimeStamper``), for tests and development: it answers every request with a token signed by ``tsa``,
    dated ``at`` (move it with :meth:`at`)."""

    def __init__(self, tsa: IssuedCertificate, *, at: datetime) -> None:
        self.tsa = tsa
        self.time = _utc(at)

    def timestamp(self, digest: bytes, algorithm: str) -> bytes:
        """A token over ``digest`` dated :attr:`time`."""
        key_der = self.tsa.private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        stamper = DummyTimeStamper(
            tsa_cert=asn1_x509.Certificate.load(self.tsa.certificate.public_bytes(serialization.Encoding.DER)),
            tsa_key=asn1_keys.PrivateKeyInfo.load(key_der),
            certs_to_embed=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
                [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in self.tsa.chain]),
            fixed_dt=self.time,
        )
        nonce, request = stamper.request_cms(digest, algorithm)  # type: ignore[no-untyped-call]
        token = handle_tsp_response(stamper.request_tsa_response(request), nonce)
        return bytes(token.dump())
