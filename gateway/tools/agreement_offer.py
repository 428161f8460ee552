"""Signed agreement offers: ``swgw agreement export`` and ``swgw agreement import``.

An offer is what a partner needs to add us in one step: our party id, partner endpoint and TLS server name, the
document types with their mapping profiles and formats, the agreement limits, and our certificates labelled by
role (``ca``: the anchor; ``intermediate``; ``signing``; ``tls``), with an offer id and created/valid-until times.

The file is JSON (format :data:`OFFER_FORMAT`)::

    {"format": "swgw-agreement-offer/1", "offer": {...readable fields...}, "jws": "<compact JWS>"}

``jws`` is the signature (:mod:`trust.jws`, ``typ`` :data:`OFFER_TYP`) over the RFC 8785 canonical JSON of the
offer fields, by our document signing key with ``x5c`` up to our CA. The readable ``offer`` copy is only for
people: the import refuses a file whose copy differs from the signed payload, so what a reader sees is what was
signed.

What verifying proves, and what not: the signature, that the signer chains to the offered CA, that the CA is a
CA (``TRUST_ANCHOR_NOT_CA``) and that the TLS certificate chains to it show that the offer is *self-consistent*
and unchanged since signing. They say nothing about *who* made it: anyone can make a CA and sign an offer in any
party's name. The import therefore shows the CA's SHA-256 fingerprint, which the operator compares with the one
the partner gave through another channel (phone call, letter, a meeting), or a script passes as
``--fingerprint``.

The offer's rules (build, sign, verify, render the ``[[partners]]`` table) take time as an argument and do no
I/O; :mod:`gateway.agreement_command` holds the commands (files, terminal, audit log).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

import trust
from trust.chain import validate_path
from trust.issuers import check_ca
from trust.jws import JsonValue, sign_jws, verify_jws
from trust.keys import Signer
from trust.policy import SignaturePolicy

from gateway.core.errors import GatewayError
from gateway.core.trust_export import ExportedCertificate

__all__ = [
    "AgreementOffer",
    "AgreementOfferError",
    "OFFER_FORMAT",
    "OFFER_TYP",
    "OfferedDocument",
    "VerifiedOffer",
    "append_partner",
    "check_document",
    "colons",
    "dns_names",
    "normalize_fingerprint",
    "offer_error",
    "partner_table",
    "read_offer",
    "render_offer",
    "summary",
]

OFFER_FORMAT = "swgw-agreement-offer/1"
"""The name and version of the offer file format."""

OFFER_TYP = "swgw-agreement-offer+jws"
"""The JWS ``typ`` of an offer signature (an envelope or receipt signature can never pass as an offer)."""

_MAX_OFFER_BYTES = 512 * 1024
_ROLES = ("ca", "intermediate", "signing", "tls")
# A revocation status cannot be known before the partner's CRLs are imported; the offer's checks are about its
# consistency, and the gateway applies the partner's revocation policy to every message afterwards.
_OFFER_POLICY = SignaturePolicy(revocation_unknown="warn")
# Offers made on a host whose clock runs slightly ahead are still accepted.
_SKEW = timedelta(minutes=5)


class AgreementOfferError(GatewayError):
    """An offer that cannot be made or imported; ``code`` says why (stable, see the README's agreement section).

    Codes: ``AGREEMENT_OFFER_MALFORMED`` (not an offer file, a field missing or of the wrong type),
    ``AGREEMENT_OFFER_EXPIRED`` (outside created..valid_until), ``AGREEMENT_OFFER_PROFILE_UNKNOWN`` (a profile not
    shipped with this release, or for another document type or format), ``AGREEMENT_OFFER_FINGERPRINT_MISMATCH``
    (the CA is not the one the partner announced), ``AGREEMENT_PARTNER_CONFIGURED`` (the party is already a
    partner, or is ourselves), ``AGREEMENT_IMPORT_NOT_CONFIRMED`` (no confirmation: nothing written).
    Signature and certificate failures keep the :mod:`trust` codes (``SIGNATURE_INVALID``,
    ``CERTIFICATE_UNTRUSTED``, ``TRUST_ANCHOR_NOT_CA``, ...).
    """

    code = "AGREEMENT_OFFER_INVALID"


def offer_error(code: str, message: str, field_path: str | None = None) -> AgreementOfferError:
    """An :class:`AgreementOfferError` with one of its documented codes."""
    return AgreementOfferError(message, field_path=field_path, code=code)


def _malformed(message: str, field_path: str | None = None) -> AgreementOfferError:
    return offer_error("AGREEMENT_OFFER_MALFORMED", message, field_path)


@dataclass(frozen=True)
class OfferedDocument:
    """One document type of the offer."""

    document_type: str
    """Catalog document type, e.g. ``certificate-of-origin``."""
    profile: str
    """Mapping profile id, e.g. ``coo-ubl24-cepa-hk``."""
    format: str
    """The profile's target format URN (both sides must ship the same profile)."""


@dataclass(frozen=True)
class AgreementOffer:
    """The fields of an offer (what is signed)."""

    offer_id: str
    """Unique id of this offer (recorded in the partner's configuration)."""
    party: str
    """The offering window's party id."""
    endpoint: str
    """host:port of its partner listener, as the partner reaches it."""
    tls_server_name: str
    """The name in its TLS certificate that the partner checks."""
    documents: tuple[OfferedDocument, ...]
    """The agreed document types."""
    max_payload_bytes: int
    """Largest message accepted under the agreement."""
    max_message_age_seconds: int
    """Freshness window for envelopes."""
    certificates: tuple[ExportedCertificate, ...]
    """Our certificates with their roles; exactly one ``ca``."""
    created: datetime
    """When the offer was made (UTC)."""
    valid_until: datetime
    """After this the offer is refused (UTC)."""

    @property
    def ca(self) -> x509.Certificate:
        """The certificate offered as anchor."""
        return self.role("ca")[0]

    def role(self, role: str) -> tuple[x509.Certificate, ...]:
        """The offered certificates of ``role``."""
        return tuple(c.certificate for c in self.certificates if c.role == role)

    def fields(self) -> dict[str, JsonValue]:
        """The JSON fields that are signed."""
        return {
            "format": OFFER_FORMAT,
            "offer_id": self.offer_id,
            "party": self.party,
            "endpoint": self.endpoint,
            "tls_server_name": self.tls_server_name,
            "documents": [{"document_type": d.document_type, "profile": d.profile, "format": d.format}
                          for d in self.documents],
            "limits": {"max_payload_bytes": self.max_payload_bytes,
                       "max_message_age_seconds": self.max_message_age_seconds},
            "certificates": [
                {"role": c.role, "sha256": trust.fingerprint(c.certificate),
                 "subject": c.certificate.subject.rfc4514_string(),
                 "der": base64.b64encode(c.certificate.public_bytes(Encoding.DER)).decode("ascii")}
                for c in self.certificates
            ],
            "created": self.created.isoformat(),
            "valid_until": self.valid_until.isoformat(),
        }

    @classmethod
    def from_fields(cls, data: object) -> AgreementOffer:
        """Parse signed offer fields; raises :class:`AgreementOfferError` (``AGREEMENT_OFFER_MALFORMED``)."""
        if not isinstance(data, dict):
            raise _malformed("the offer is not a JSON object", "offer")
        if data.get("format") != OFFER_FORMAT:
            raise _malformed(f"not an offer of format {OFFER_FORMAT}", "offer.format")
        limits = _get(data, "limits", dict)
        documents = []
        for i, item in enumerate(_get(data, "documents", list)):
            where = f"documents[{i}]"
            if not isinstance(item, dict):
                raise _malformed("a document entry is not an object", f"offer.{where}")
            documents.append(OfferedDocument(*(_get(item, k, str, where) for k in ("document_type", "profile",
                                                                                     "format"))))
        if not documents:
            raise _malformed("the offer names no document type", "offer.documents")
        if len({d.document_type for d in documents}) != len(documents):
            raise _malformed("a document type is offered twice", "offer.documents")
        certificates = []
        for i, item in enumerate(_get(data, "certificates", list)):
            where = f"certificates[{i}]"
            if not isinstance(item, dict):
                raise _malformed("a certificate entry is not an object", f"offer.{where}")
            role = _get(item, "role", str, where)
            if role not in _ROLES:
                raise _malformed(f"unknown certificate role {role!r}", f"offer.{where}.role")
            try:
                certificate = x509.load_der_x509_certificate(base64.b64decode(_get(item, "der", str, where),
                                                                              validate=True))
            except (ValueError, binascii.Error) as e:
                raise _malformed(f"unreadable certificate: {e}", f"offer.{where}.der") from None
            if _get(item, "sha256", str, where) != trust.fingerprint(certificate):
                raise _malformed("the fingerprint does not match the certificate", f"offer.{where}.sha256")
            certificates.append(ExportedCertificate(role, certificate))
        offer = cls(
            offer_id=_get(data, "offer_id", str), party=_get(data, "party", str),
            endpoint=_get(data, "endpoint", str), tls_server_name=_get(data, "tls_server_name", str),
            documents=tuple(documents),
            max_payload_bytes=_positive(limits, "max_payload_bytes"),
            max_message_age_seconds=_positive(limits, "max_message_age_seconds"),
            certificates=tuple(certificates),
            created=_time(data, "created"), valid_until=_time(data, "valid_until"),
        )
        for role in ("signing", "tls"):
            if not offer.role(role):
                raise _malformed(f"the offer carries no {role} certificate", "offer.certificates")
        if len(offer.role("ca")) != 1:
            raise _malformed("the offer must carry exactly one certificate of role ca", "offer.certificates")
        # Party and offer id become a file name (trust/<party>-ca.pem) and a comment line in the configuration;
        # endpoint and server name are shown to the operator: no room for line breaks or terminal escapes.
        for key, value, pattern in (("party", offer.party, r"[A-Za-z0-9._-]{1,64}"),
                                    ("offer_id", offer.offer_id, r"[A-Za-z0-9._-]{1,64}"),
                                    ("endpoint", offer.endpoint, r"[A-Za-z0-9.:\[\]_-]{1,253}:[0-9]{1,5}"),
                                    ("tls_server_name", offer.tls_server_name, r"[A-Za-z0-9._-]{1,253}")):
            if not re.fullmatch(pattern, value):
                raise _malformed(f"{key} must match {pattern}", f"offer.{key}")
        return offer


def _get(data: Mapping[str, Any], key: str, kind: type, where: str = "") -> Any:
    path = f"offer.{where}.{key}" if where else f"offer.{key}"
    value = data.get(key)
    if not isinstance(value, kind) or (kind is str and not value):
        raise _malformed(f"{key} is missing or not a {kind.__name__}", path)
    return value


def _positive(limits: Mapping[str, Any], key: str) -> int:
    value = limits.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise _malformed(f"{key} must be a positive integer", f"offer.limits.{key}")
    return value


def _time(data: Mapping[str, Any], key: str) -> datetime:
    try:
        value = datetime.fromisoformat(_get(data, key, str))
    except ValueError:
        raise _malformed(f"{key} is not an ISO 8601 time", f"offer.{key}") from None
    if value.tzinfo is None:
        raise _malformed(f"{key} has no UTC offset", f"offer.{key}")
    return value


def render_offer(offer: AgreementOffer, signer: Signer) -> bytes:
    """The offer file: the readable fields and their JWS by ``signer`` (our signing key, ``x5c`` up to our CA)."""
    fields = offer.fields()
    jws = sign_jws(fields, signer, typ=OFFER_TYP)
    return (json.dumps({"format": OFFER_FORMAT, "offer": fields, "jws": jws}, indent=2, ensure_ascii=False)
            + "\n").encode()


@dataclass(frozen=True)
class VerifiedOffer:
    """An offer whose signature and certificates were checked (see :func:`read_offer`)."""

    offer: AgreementOffer
    """The signed fields."""
    signer: x509.Certificate
    """The certificate that signed it (one of the offered signing certificates)."""
    ca_fingerprint: str
    """SHA-256 of the offered CA, to compare with the one received out of band."""
    warnings: tuple[str, ...]
    """Non-fatal findings (e.g. revocation not yet known)."""


def _payload(jws: str) -> Any:
    # Read the fields before verifying: the verification needs to know which CA the offer names. Nothing read
    # here is used unless the signature over exactly these bytes verifies.
    parts = jws.split(".")
    if len(parts) != 3:
        raise trust.SignatureInvalid("the offer's jws is not a JWS compact serialization", path="jws")
    try:
        return json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error, RecursionError):
        raise trust.SignatureInvalid("the offer's JWS payload is not JSON", path="jws") from None


def read_offer(data: bytes, *, at: datetime) -> VerifiedOffer:
    """Parse and verify an offer file at ``at``.

    Checks: the file shape; that the readable copy equals the signed payload; the offered CA is a CA
    (``TRUST_ANCHOR_NOT_CA``); the JWS verifies and its signer chains to the offered CA and is an offered signing
    certificate (``SIGNATURE_INVALID``, ``CERTIFICATE_UNTRUSTED``, ...); the TLS certificate chains to the CA and
    carries the TLS server name; ``created <= at <= valid_until`` (``AGREEMENT_OFFER_EXPIRED``); every profile is
    shipped with this release for its document type and format (``AGREEMENT_OFFER_PROFILE_UNKNOWN``).
    """
    if len(data) > _MAX_OFFER_BYTES:
        raise _malformed("the offer file is larger than 512 KiB")
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        raise _malformed("the offer file is not JSON") from None
    if not isinstance(document, dict) or document.get("format") != OFFER_FORMAT:
        raise _malformed(f"not an agreement offer (format {OFFER_FORMAT})", "format")
    jws = document.get("jws")
    if not isinstance(jws, str) or not jws:
        raise trust.SignatureMissing("the offer carries no jws", path="jws")
    fields = _payload(jws)
    if "offer" in document and document["offer"] != fields:
        raise trust.SignatureInvalid("the readable offer differs from the signed one", path="offer")
    offer = AgreementOffer.from_fields(fields)
    check_ca(offer.ca, role="anchor", partner=offer.party, path="offer.certificates[role=ca]")
    for certificate in offer.role("intermediate"):
        check_ca(certificate, role="intermediate", partner=offer.party,
                       path="offer.certificates[role=intermediate]")
    partner_trust = trust.PartnerTrust(partner=offer.party, anchors=(offer.ca,),
                                       intermediates=offer.role("intermediate"))
    try:
        verified = verify_jws(jws, fields, typ=OFFER_TYP, trust=partner_trust, at=at, policy=_OFFER_POLICY)
    except ValueError as e:  # fields JCS cannot represent (floats, huge integers) were not signed by swgw
        raise _malformed(f"the offer holds values that are not canonical JSON: {e}") from None
    if verified.signer not in offer.role("signing"):
        raise trust.SignatureInvalid("the offer is not signed by one of its signing certificates", path="jws")
    warnings = list(verified.warnings)
    for tls in offer.role("tls"):
        path = validate_path(tls, offer.role("intermediate"), trust=partner_trust, at=at, purpose="tls-server",
                             policy=_OFFER_POLICY)
        warnings.extend(path.warnings)
        if offer.tls_server_name not in dns_names(tls):
            raise _malformed(f"the TLS certificate does not name {offer.tls_server_name!r}", "offer.tls_server_name")
    if not offer.created - _SKEW <= at <= offer.valid_until:
        raise offer_error("AGREEMENT_OFFER_EXPIRED",
                          f"the offer is valid from {offer.created.isoformat()} until {offer.valid_until.isoformat()}, "
                          f"not at {at.isoformat()}: ask {offer.party} for a new one", "offer.valid_until")
    _check_profiles(offer.documents)
    return VerifiedOffer(offer=offer, signer=verified.signer, ca_fingerprint=trust.fingerprint(offer.ca),
                         warnings=tuple(warnings))


def dns_names(certificate: x509.Certificate) -> list[str]:
    """The DNS names of a certificate's subjectAlternativeName (what TLS server names are checked against)."""
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return [str(n) for n in names.get_values_for_type(x509.DNSName)]


def check_document(document: OfferedDocument, where: str) -> None:
    """Refuse a profile not shipped with this release, or shipped for another document type or format."""
    import mappings

    try:
        profile = mappings.get_profile(document.profile)
    except mappings.MappingError:
        raise offer_error("AGREEMENT_OFFER_PROFILE_UNKNOWN", f"mapping profile {document.profile!r} is not "
                          "shipped with this release (swgw map --help lists them)", where) from None
    if profile.document_type != document.document_type or profile.format != document.format:
        raise offer_error("AGREEMENT_OFFER_PROFILE_UNKNOWN",
                          f"profile {document.profile!r} maps {profile.document_type} to {profile.format} here, not "
                          f"{document.document_type} to {document.format}", where)


def _check_profiles(documents: Sequence[OfferedDocument]) -> None:
    for i, document in enumerate(documents):
        check_document(document, f"offer.documents[{i}]")


def normalize_fingerprint(text: str) -> str:
    """A SHA-256 fingerprint as lower-case hex, from ``AB:CD:...``, ``abcd...`` or ``SHA256:...`` forms."""
    value = text.strip().lower()
    value = value.removeprefix("sha256:").removeprefix("sha-256:").replace(":", "").replace(" ", "")
    return value


def summary(verified: VerifiedOffer) -> str:
    """What an import adds, for the operator to read before confirming."""
    offer = verified.offer
    lines = [
        f"Agreement offer {offer.offer_id} from party {offer.party}",
        f"  created {offer.created.isoformat()}, valid until {offer.valid_until.isoformat()}",
        f"  endpoint {offer.endpoint} (TLS server name {offer.tls_server_name})",
        f"  limits: max_payload_bytes {offer.max_payload_bytes}, "
        f"max_message_age_seconds {offer.max_message_age_seconds}",
    ]
    lines += [f"  document {d.document_type}: profile {d.profile} ({d.format})" for d in offer.documents]
    for entry in offer.certificates:
        lines.append(f"  certificate {entry.role}: {entry.certificate.subject.rfc4514_string()}, "
                     f"until {entry.certificate.not_valid_after_utc.date().isoformat()}")
    lines.append(f"  signed by {verified.signer.subject.rfc4514_string()}")
    lines += [f"  warning: {w}" for w in verified.warnings]
    lines += [
        "",
        f"CA fingerprint (SHA-256): {colons(verified.ca_fingerprint)}",
        f"The signature only shows that the offer is intact and consistent, not that {offer.party} made it.",
        f"Compare this fingerprint with the one {offer.party} gave you by another channel (phone call, letter).",
    ]
    # Subjects come from the partner's certificates: nothing in them may move the cursor or clear the screen.
    return "".join(c if c.isprintable() or c == "\n" else "?" for c in "\n".join(lines))


def colons(fingerprint: str) -> str:
    """A hex fingerprint as upper-case pairs with colons, the way people read it out over the phone."""
    return ":".join(fingerprint[i:i + 2] for i in range(0, len(fingerprint), 2)).upper()


def partner_table(offer: AgreementOffer) -> dict[str, Any]:
    """The ``[[partners]]`` table for ``offer`` (its trust_anchors are added where the CA file is written)."""
    return {
        "party": offer.party,
        "endpoint": offer.endpoint,
        "tls_server_name": offer.tls_server_name,
        "max_payload_bytes": offer.max_payload_bytes,
        "max_message_age_seconds": offer.max_message_age_seconds,
        "documents": {d.document_type: d.profile for d in offer.documents},
    }


_EMPTY_PARTNERS = re.compile(r"^partners\s*=\s*\[\s*\]\s*$", re.MULTILINE)


def append_partner(config_text: str, table_text: str) -> str:
    """``config_text`` with ``table_text`` appended; the rest of the file (comments, order) stays as it was.

    A top-level ``partners = []`` (as older ``swgw init`` wrote) cannot be followed by ``[[partners]]`` tables in
    TOML, so that one line becomes a comment.
    """
    text = _EMPTY_PARTNERS.sub("# partners = []  (the [[partners]] tables below replace it)", config_text, count=1)
    if text and not text.endswith("\n"):
        text += "\n"
    return f"{text}\n{table_text}"
