"""What the configuration names, read and checked before a gateway starts: key and certificate files, the
partners' trust, their mapping profiles, the time-stamping authority, the AS4 encryption certificates and the
ePhyto Hub connections' files.

Every refusal is CONFIG_INVALID naming the configuration key, so an operator knows which line to fix.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import mappings
import trust
from trust import CertificateRole, PartnerTrust, SigningIdentity

from ..core.errors import ConfigInvalid
from ..core.settings import Settings
from ..core.trust_export import load_certificates
from ..pipeline.signatures import timestamping_trust

__all__ = [
    "check_hub_files",
    "configured_trust",
    "encryption_certificates",
    "long_term_signatures",
    "prepare_mappings",
    "read_file",
]


def read_file(path: str, what: str) -> bytes:
    """The bytes of a file the configuration names; CONFIG_INVALID naming the key ``what`` otherwise."""
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise ConfigInvalid(f"cannot read {what} {path}: {e.strerror}", field_path=what) from e


def prepare_mappings(settings: Settings) -> None:
    """Load every mapping profile the agreements name, refusing to start on an unknown or broken one, or one that
    maps another document type than the agreement says (the first document would fail otherwise)."""
    for index, partner in enumerate(settings.partners):
        for document_type, profile_id in [(t, p) for t in partner.mapping_profiles for p in partner.profiles_for(t)]:
            where = f"partners[{index}].documents.{document_type.value}"
            try:
                profile = mappings.prepare_profile(profile_id)
            except mappings.MappingError as e:
                raise ConfigInvalid(f"mapping profile {profile_id!r}: {e.message}", field_path=where) from e
            if profile.document_type != document_type.value:
                raise ConfigInvalid(f"mapping profile {profile_id!r} maps {profile.document_type}, not "
                                    f"{document_type.value}", field_path=where)


def configured_trust(settings: Settings) -> list[tuple[str, CertificateRole, list[x509.Certificate]]]:
    """Every partner's configured ``trust_anchors`` files (CA certificates only) and ``trust_pinned`` files
    (end-entity certificates of a partner without a CA), as (partner, role, certificates) to import.

    Read and checked before the database is opened, so nothing is imported from a refused configuration; an
    end-entity certificate among the anchors is refused even when the database knows it already: the
    configuration itself is wrong.
    """
    imports: list[tuple[str, CertificateRole, list[x509.Certificate]]] = []
    for index, partner in enumerate(settings.partners):
        files = [(f"partners[{index}].trust_anchors[{n}]", CertificateRole.ANCHOR, path)
                 for n, path in enumerate(partner.trust_anchor_files)]
        files += [(f"partners[{index}].trust_pinned[{n}]", CertificateRole.PINNED, path)
                  for n, path in enumerate(partner.trust_pinned_files)]
        if partner.as4 is not None:
            # The access point's own signing certificates (a Domibus keystore entry, often without a CA of ours).
            files += [(f"partners[{index}].as4.signing_certificates[{n}]", CertificateRole.PINNED, path)
                      for n, path in enumerate(partner.as4.signing_certificate_files)]
        for key, role, path in files:
            try:
                certificates = load_certificates(read_file(path, key))
            except ValueError as e:
                raise ConfigInvalid(f"{path}: not PEM or DER certificates: {e}", field_path=key) from e
            for position, certificate in enumerate(certificates if role is CertificateRole.ANCHOR else ()):
                problem = trust.ca_problem(certificate)
                if problem is not None:
                    raise ConfigInvalid(
                        f"{path}: certificate {position + 1} of {len(certificates)} "
                        f"({certificate.subject.rfc4514_string()}) is not a CA certificate ({problem}) and cannot "
                        f"be a trust anchor [TRUST_ANCHOR_NOT_CA]: list only {partner.name}'s CA here (ca.pem of "
                        f"its `swgw trust export --out`); an end-entity certificate of a partner without a CA "
                        f"goes into trust_pinned",
                        field_path=key,
                    )
            imports.append((partner.name, role, certificates))
    return imports


def long_term_signatures(settings: Settings) -> tuple[trust.LongTerm | None, PartnerTrust | None]:
    """From ``[timestamping]``: how our signatures become long-term (None without a TSA URL) and whose
    time-stamps are trusted (None without the table)."""
    config = settings.timestamping
    if config is None:
        return None, None
    tsa_trust = timestamping_trust(load_certificates(read_file(config.anchors, "timestamping.anchors")))
    if config.url is None:
        return None, tsa_trust
    certificates = load_certificates(read_file(config.validation_certificates, "timestamping.validation_certificates")) \
        if config.validation_certificates else ()
    crls = []
    for index, path in enumerate(config.crls):
        data = read_file(path, f"timestamping.crls[{index}]")
        try:
            crl = x509.load_pem_x509_crl(data) if data.lstrip().startswith(b"-----") else x509.load_der_x509_crl(data)
        except ValueError as e:
            raise ConfigInvalid(f"timestamping.crls[{index}] is not a CRL: {e}",
                                field_path=f"timestamping.crls[{index}]") from e
        crls.append(crl.public_bytes(serialization.Encoding.DER))
    # Imported only with a TSA configured: its client is pyHanko's (aiohttp included, ~19 MB resident).
    from ..adapters.timestamping import HttpTimestamper

    timestamper = HttpTimestamper(config.url, timeout_seconds=config.timeout_seconds)
    long_term = trust.LongTerm(timestamper, config.level, validation_certificates=tuple(certificates),
                               crls=tuple(crls))
    return long_term, tsa_trust


def encryption_certificates(settings: Settings, ours: Callable[[str], SigningIdentity]
                             ) -> dict[str, x509.Certificate]:
    """The RSA certificates AS4 payloads are encrypted to, by partner; encryption is agreed both ways, so our key
    for such a partner (``ours``) must be RSA too. Read and checked at start."""
    out = {}
    for index, partner in enumerate(settings.partners):
        path = partner.as4.encryption_certificate_file if partner.as4 is not None else None
        key = f"partners[{index}].as4.encryption_certificate"
        if not path:
            continue
        certificates = load_certificates(read_file(path, key))
        if not certificates or not isinstance(certificates[0].public_key(), rsa.RSAPublicKey) \
                or not isinstance(ours(partner.name).private_key, rsa.RSAPrivateKey):
            raise ConfigInvalid(f"{path}: payload encryption (RSA-OAEP) needs the partner's RSA certificate here and "
                                f"an RSA signing key of ours for {partner.name} ([partners.signing])", field_path=key)
        out[partner.name] = certificates[0]
    return out


def check_hub_files(settings: Settings) -> None:
    """The files an ePhyto Hub connection names (the hub's WSDL, our NPPO's certificate and key) must be readable,
    and the WSDL must be the hub's DeliveryService; refused at start naming the key rather than at the first call."""
    for index, partner in enumerate(settings.partners):
        hub = partner.ephyto_hub
        if hub is None:
            continue
        key = f"partners[{index}].ephyto_hub"
        read_file(hub.client_certificate, f"{key}.client_certificate")
        read_file(hub.client_key, f"{key}.client_key")
        if b"DeliveryServiceSoapBinding" not in read_file(hub.wsdl, f"{key}.wsdl"):
            raise ConfigInvalid(f"{hub.wsdl} is not the ePhyto Hub's WSDL (no DeliveryServiceSoapBinding)",
                                field_path=f"{key}.wsdl")
