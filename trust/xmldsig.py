"""XML-DSig over signxml: one profile in three placements, signed and verified the same way.

The profile (what :func:`sign_xml` produces and the only shape :func:`verify_xml` accepts):

* exactly one ``ds:Signature`` in the document, at the place the caller's
  :class:`~trust.placement.SignaturePlacement` prescribes: a direct child of the root element (``ENVELOPED``), or
  inside the UBL 2.4 extension carrier with its matching ``cac:Signature`` (``UBL_EXTENSION``);
* exactly one ``ds:Reference`` with ``URI=""`` (the whole document) whose transforms are the
  enveloped-signature transform plus at most canonicalization transforms (no XPath, XSLT, base64);
* no ``ds:Object`` or ``ds:Manifest`` (nothing else that could be "signed" besides the document);
* SignatureMethod, DigestMethod and canonicalization from the :class:`~trust.policy.SignaturePolicy`;
* ``KeyInfo/X509Data`` carrying the signer certificate (and optionally its chain). The signer must be pinned
  for the partner or chain to one of the partner's anchors at ``at`` (see :mod:`trust.chain`).

The structural rules are checked before any cryptography so that wrapping attempts fail with
``SIGNATURE_REFERENCE_INVALID`` and weak algorithms with ``SIGNATURE_ALGORITHM_FORBIDDEN`` whatever their digests.
signxml then checks digest and signature with the already validated certificate passed as ``x509_cert``, so it
never consults its own trust configuration (nor the system CA bundle).

What later steps read is :attr:`VerifiedXml.signed_xml`: the canonical bytes signxml digested (signature
removed, comments excised), never the input document; or :attr:`VerifiedXml.signed_root`, the tree of those bytes.

With a :class:`~trust.timestamp.LongTerm` the signature is XAdES (signxml's ``XAdESSigner``) at level B-T or
B-LT instead (see :mod:`trust.xades`): the profile then admits exactly the XAdES additions, one ``ds:Object``
with the qualifying properties and two more references (its SignedProperties and KeyInfo), and the signer is
judged at the time its verified signature time-stamp proves.

The ``DETACHED`` placement (:func:`sign_xml_detached`, :func:`verify_xml_detached`) leaves the document as it is:
the signature is a document of its own whose single reference names the document by the fixed relative URI
:data:`~trust.placement.DETACHED_REFERENCE_URI`, with exclusive canonicalization as its only transform. The same
algorithm, certificate and "nothing else signed" rules apply, and :attr:`VerifiedXml.signed_xml` is again the
canonical form of the document that was digested.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureConstructionMethod, SignatureMethod
from signxml.exceptions import InvalidCertificate, InvalidInput, SignXMLException
from signxml.signer import XMLSigner
from signxml.verifier import SignatureConfiguration, VerifyResult
from signxml.xades.xades import XAdESSignatureConfiguration

from trust.chain import validate_path
from trust.errors import (
    AlgorithmForbidden,
    CertificateExpired,
    ReferenceInvalid,
    SignatureInvalid,
    SignatureMissing,
    TrustError,
)
from trust.keyinfo import key_info
from trust.keyinfo import key_info_certificates as _certificates
from trust.keyinfo import signer_of as _signer_of
from trust.keys import Signer
from trust.partner import PartnerTrust
from trust.placement import (
    DETACHED_REFERENCE_URI,
    UBL_SIGNATURE_LOCATION,
    SignaturePlacement,
    check_ubl_placement,
    insert_ubl_placeholder,
)
from trust.policy import C14N_ALGORITHMS, DEFAULT_POLICY, ENVELOPED_TRANSFORM, SignaturePolicy, check_public_key
from trust.processors import ParsedVerifier, ParsedXAdESVerifier, document_signer
from trust.timestamp import LongTerm, VerifiedTimestamp
from trust.xades import add_unsigned_properties, inspect_qualifying, judge_time, xades_signer
from trust.xmlparse import adopt_tree, parse_xml, thread_parser

__all__ = ["VerifiedXml", "sign_xml", "sign_xml_detached", "verify_xml", "verify_xml_detached"]

DS = "http://www.w3.org/2000/09/xmldsig#"
_NS = {"ds": DS}
_EXC_C14N = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0
_D = f"{{{DS}}}"  # Clark notation for iter() and iterchildren(), which skip ElementPath (find()) on every message
_SIGNATURE = f"{_D}Signature"


@dataclass(frozen=True)
class VerifiedXml:
    """A verified XML document: only what was signed, and who signed it."""

    signed_xml: bytes
    """The signed bytes only: the canonical form signxml digested, signature element removed. Read this."""

    signer: x509.Certificate
    """The signer's certificate."""

    chain: tuple[x509.Certificate, ...]
    """The validated path, signer first, anchor last (only the signer when it is pinned)."""

    warnings: tuple[str, ...] = ()
    """Non-fatal findings (e.g. unknown revocation status under a ``warn`` policy)."""

    level: str = "B-B"
    """What was verified: ``B-B``, ``B-T`` (a verified signature time-stamp) or ``B-LT`` (plus validation data)."""

    timestamp: VerifiedTimestamp | None = None
    """The verified signature time-stamp; the signer was judged at its time."""

    signed_root: etree._Element | None = field(default=None, compare=False, repr=False)
    """:attr:`signed_xml` parsed (:func:`~trust.xmlparse.adopt_tree`), never the received document's tree. Read it."""


def _signer(identity: Signer, policy: SignaturePolicy, construction: SignatureConstructionMethod, root: etree._Element,
            long_term: LongTerm | None = None, at: datetime | None = None) -> XMLSigner:
    check_public_key(identity.certificate, policy, path="signer")
    method = (
        SignatureMethod.ECDSA_SHA256 if isinstance(identity.private_key, ec.EllipticCurvePrivateKey)
        else SignatureMethod.RSA_SHA256
    )
    if method.value not in policy.signature_algorithms or DigestAlgorithm.SHA256.value not in policy.digest_algorithms:
        raise AlgorithmForbidden(f"the policy does not allow signing with {method.value} / SHA-256")
    if long_term is not None:
        if at is None or at.tzinfo is None:
            raise ValueError("a long-term signature needs a timezone-aware signing time `at`")
        return xades_signer(method, construction, at)
    signer = document_signer(construction, method)  # SHA-256, exclusive c14n
    signer.take(root)  # trust parsed it, or the caller handed it over (``parsed``): nobody else reads it
    return signer


def _unsigned_root(document: bytes, parsed: etree._Element | None) -> etree._Element:
    root = parse_xml(document, parsed=parsed)
    if next(root.iter(_SIGNATURE), None) is not None:  # the root itself or any descendant
        raise ReferenceInvalid("document already carries an XML signature")
    return root


def sign_xml(
    document: bytes, identity: Signer, *, placement: SignaturePlacement = SignaturePlacement.ENVELOPED,
    policy: SignaturePolicy = DEFAULT_POLICY, long_term: LongTerm | None = None, at: datetime | None = None,
    parsed: etree._Element | None = None,
) -> bytes:
    """Sign ``document`` with an enveloped signature at ``placement`` and return the signed UTF-8 bytes.

    ECDSA-SHA256 for EC keys, RSA-SHA256 (PKCS#1 v1.5) for RSA keys, SHA-256 digest, exclusive c14n; KeyInfo
    carries the signer certificate followed by ``identity.chain``. For ``UBL_EXTENSION`` the UBL carrier and the
    matching ``cac:Signature`` are added first (see :mod:`trust.placement`); ``DETACHED`` is
    :func:`sign_xml_detached`'s job, since it returns a signature instead of a signed document.

    With ``long_term`` the signature is XAdES B-T or B-LT, signed at ``at`` (required then; the caller's clock).
    ``parsed``, a tree of ``document`` (:func:`~trust.xmlparse.parse_xml`), is signed and may be changed.
    """
    if placement is SignaturePlacement.DETACHED:
        raise ValueError("a detached signature is made with sign_xml_detached")
    root = _unsigned_root(document, parsed)
    signer = _signer(identity, policy, SignatureConstructionMethod.enveloped, root, long_term, at)
    if placement is SignaturePlacement.UBL_EXTENSION:
        # signxml fills a ds:Signature Id="placeholder" where it stands instead of appending one to the root.
        insert_ubl_placeholder(root)
    try:
        # KeyInfo as signxml writes it, built once per identity (trust.keyinfo); XAdES's has a KeyValue and an Id.
        signed = signer.sign(root, key=identity.private_key, cert=[identity.certificate, *identity.chain],
                             key_info=None if long_term else key_info((identity.certificate, *identity.chain)))
    except (SignXMLException, ValueError, TypeError) as e:
        raise TrustError(f"signing failed: {e}") from e
    if long_term is not None:
        add_unsigned_properties(signed.find(".//ds:Signature", _NS), long_term)
    return bytes(etree.tostring(signed, xml_declaration=True, encoding="UTF-8"))


def sign_xml_detached(
    document: bytes, identity: Signer, *, uri: str = DETACHED_REFERENCE_URI, policy: SignaturePolicy = DEFAULT_POLICY,
    long_term: LongTerm | None = None, at: datetime | None = None, parsed: etree._Element | None = None,
) -> bytes:
    """A detached signature over ``document`` (left unchanged), as a ``ds:Signature`` document in UTF-8.

    Its single reference names the document by ``uri`` and canonicalizes it (exclusive c14n) before the SHA-256
    digest; algorithms and KeyInfo as in :func:`sign_xml`. ``xmlsec1 --verify --url-map:<uri> <document>``
    verifies it (see the README). ``long_term``, ``at`` and ``parsed`` as in :func:`sign_xml`.
    """
    if not uri or uri.startswith("#"):
        raise ValueError("a detached reference names another document, not a fragment of this one")
    root = _unsigned_root(document, parsed)
    signer = _signer(identity, policy, SignatureConstructionMethod.detached, root, long_term, at)
    try:
        signature = signer.sign(root, key=identity.private_key, cert=[identity.certificate, *identity.chain],
                                key_info=None if long_term else key_info((identity.certificate, *identity.chain)),
                                reference_uri=uri)
    except (SignXMLException, ValueError, TypeError) as e:
        raise TrustError(f"signing failed: {e}") from e
    if long_term is not None:
        add_unsigned_properties(signature, long_term)
    return bytes(etree.tostring(signature, xml_declaration=True, encoding="UTF-8"))


@dataclass(frozen=True)
class _Inspected:
    signature: etree._Element
    signature_method: str
    digest_method: str
    certificates: tuple[x509.Certificate, ...]
    xades: bool


def _algorithm(element: etree._Element | None, what: str) -> str:
    uri = element.get("Algorithm") if element is not None else None
    if not uri:
        raise SignatureInvalid(f"{what} has no Algorithm")
    return uri


def _inspect(root: etree._Element, policy: SignaturePolicy, placement: SignaturePlacement, uri: str = ""
             ) -> _Inspected:
    """Check the structure and algorithms of the single signature before any cryptography.

    ``uri`` is the one reference URI accepted: ``""`` (the whole document) for the enveloped placements, the
    agreed name of the signed document for ``DETACHED``.
    """
    tree = root.getroottree()
    signatures = list(root.iter(_SIGNATURE))  # the root itself first if it is one, then in document order
    if not signatures:
        raise SignatureMissing("the document carries no ds:Signature")
    signature = signatures[0]
    signed_info = next(signature.iterchildren(f"{_D}SignedInfo"), None)
    if signed_info is None:
        raise SignatureInvalid("ds:Signature has no ds:SignedInfo", path=tree.getpath(signature))

    # Algorithms first: a SHA-1 or HMAC signature is refused as such, whatever else is wrong with it.
    c14n = _algorithm(next(signed_info.iterchildren(f"{_D}CanonicalizationMethod"), None), "CanonicalizationMethod")
    if c14n not in C14N_ALGORITHMS:
        raise AlgorithmForbidden(f"canonicalization {c14n} is not allowed")
    method = _algorithm(next(signed_info.iterchildren(f"{_D}SignatureMethod"), None), "SignatureMethod")
    if method not in policy.signature_algorithms:
        raise AlgorithmForbidden(f"signature method {method} is not allowed by the policy")
    references = list(signed_info.iterchildren(f"{_D}Reference"))
    digests = [_algorithm(next(r.iterchildren(f"{_D}DigestMethod"), None), "DigestMethod") for r in references]
    for digest in digests:
        if digest not in policy.digest_algorithms:
            raise AlgorithmForbidden(f"digest method {digest} is not allowed by the policy")

    # Then the shape: one signature at the agreed place, one reference to the whole document, nothing else signed.
    if len(signatures) != 1:
        raise ReferenceInvalid(f"expected exactly one ds:Signature, found {len(signatures)}")
    _check_place(signature, root, placement)
    if (signature.tail or "").strip():
        # signxml serialises the signature with its tail and parses it again, which fails on text after it
        # (an XMLSyntaxError escaped as INTERNAL; found by the xml-verify fuzz harness).
        raise ReferenceInvalid("text after ds:Signature is not accepted", path=tree.getpath(signature))
    xades = next(signature.iterchildren(f"{_D}Object"), None) is not None
    if xades:
        # The qualifying properties and their two references, nothing more (trust.xades); the document
        # reference comes first, as signxml writes it, and obeys the rules below.
        inspect_qualifying(signature, references)
    elif len(references) != 1:
        raise ReferenceInvalid(f"expected exactly one ds:Reference, found {len(references)}")
    reference = references[0]
    if reference.get("URI") != uri:
        what = "the whole document (URI=\"\")" if uri == "" else f"the signed document (URI={uri!r})"
        raise ReferenceInvalid(f"the reference must cover {what}, not {reference.get('URI')!r}")
    transforms = [_algorithm(t, "Transform") for holder in reference.iterchildren(f"{_D}Transforms")
                  for t in holder.iterchildren(f"{_D}Transform")]
    if placement is SignaturePlacement.DETACHED:
        # Exactly one canonicalization: xmlsec1 then parses the referenced octets as XML as signxml does, so both
        # digest the same canonical bytes (without it xmlsec1 would digest the raw file and signxml the c14n form).
        if len(transforms) != 1 or transforms[0] not in C14N_ALGORITHMS:
            raise ReferenceInvalid(f"reference transforms {transforms} are not a single canonicalization")
    elif ENVELOPED_TRANSFORM not in transforms or any(
        t != ENVELOPED_TRANSFORM and t not in C14N_ALGORITHMS for t in transforms
    ):
        raise ReferenceInvalid(f"reference transforms {transforms} are not enveloped-signature plus c14n")
    manifest = next(signature.iter(f"{_D}Manifest"), None)  # a ds:Object is XAdES's, checked by inspect_qualifying
    if manifest is not None:
        raise ReferenceInvalid("Manifest is not allowed in the signature", path=tree.getpath(manifest))
    return _Inspected(signature, method, digests[0], _certificates(signature, tree), xades)


def _check_place(signature: etree._Element, root: etree._Element, placement: SignaturePlacement) -> None:
    tree = root.getroottree()
    if placement is SignaturePlacement.DETACHED:
        if signature is not root:
            raise ReferenceInvalid("a detached signature must be a ds:Signature document of its own",
                                   path=tree.getpath(signature))
    elif signature is root:
        raise ReferenceInvalid("an enveloping signature is not accepted; the signature must be inside the document")
    elif placement is SignaturePlacement.ENVELOPED:
        if signature.getparent() is not root:
            raise ReferenceInvalid("the signature must be enveloped as a direct child of the root element",
                                   path=tree.getpath(signature))
    else:
        check_ubl_placement(signature, root)


@functools.lru_cache(maxsize=16)
def _digest_algorithms(policy: SignaturePolicy) -> frozenset[DigestAlgorithm]:
    # The same handful of policies is used for every message; converting their URIs once is enough.
    return frozenset(DigestAlgorithm(d) for d in policy.digest_algorithms)


def verify_xml(
    document: bytes,
    *,
    trust: PartnerTrust,
    at: datetime,
    placement: SignaturePlacement = SignaturePlacement.ENVELOPED,
    policy: SignaturePolicy = DEFAULT_POLICY,
    tsa_trust: PartnerTrust | None = None,
) -> VerifiedXml:
    """Verify the enveloped signature of ``document``, which must sit at ``placement``, for the partner described
    by ``trust`` at time ``at``.

    Returns only what was verified; raises a :class:`~trust.errors.TrustError` subclass otherwise
    (``partner`` is set to ``trust.partner``). ``DETACHED`` is :func:`verify_xml_detached`'s job.

    A XAdES signature's time-stamp is verified against ``tsa_trust`` (the time-stamping authorities trusted);
    the signer is then judged at the time it proves, with the validation data it embeds (:mod:`trust.xades`).
    """
    if placement is SignaturePlacement.DETACHED:
        raise ValueError("a detached signature is verified with verify_xml_detached")
    try:
        root = parse_xml(document)
        inspected = _inspect(root, policy, placement)
        location = UBL_SIGNATURE_LOCATION if placement is SignaturePlacement.UBL_EXTENSION else "./"
        return _verify(root, inspected, trust=trust, at=at, policy=policy, location=location, tsa_trust=tsa_trust)
    except TrustError as e:
        e.with_partner(trust.partner)
        raise


def verify_xml_detached(
    document: bytes,
    signature: bytes,
    *,
    trust: PartnerTrust,
    at: datetime,
    uri: str = DETACHED_REFERENCE_URI,
    policy: SignaturePolicy = DEFAULT_POLICY,
    tsa_trust: PartnerTrust | None = None,
) -> VerifiedXml:
    """Verify the detached ``signature`` (a ``ds:Signature`` document) over ``document`` for the partner in
    ``trust`` at ``at``. The single reference must name ``uri``; ``document`` is parsed with the hardened parser
    and is what that name resolves to, nothing else.

    Returns only what was verified (:attr:`VerifiedXml.signed_xml` is the canonical form of ``document``);
    raises a :class:`~trust.errors.TrustError` subclass otherwise. ``tsa_trust`` as in :func:`verify_xml`.
    """
    try:
        if not signature.strip():
            raise SignatureMissing("the detached signature is empty")
        inspected = _inspect(signature_root := parse_xml(signature), policy, SignaturePlacement.DETACHED, uri)
        target = parse_xml(document)
        if next(target.iter(_SIGNATURE), None) is not None:
            raise ReferenceInvalid("a document signed by a detached signature carries no signature of its own")

        def resolve(requested: str) -> etree._Element | None:
            return target if requested == uri else None

        return _verify(signature_root, inspected, trust=trust, at=at, policy=policy, location="./", resolver=resolve,
                       tsa_trust=tsa_trust)
    except TrustError as e:
        e.with_partner(trust.partner)
        raise


def _verify(
    root: etree._Element, inspected: _Inspected, *, trust: PartnerTrust, at: datetime, policy: SignaturePolicy,
    location: str, resolver: Callable[[str], etree._Element | None] | None = None,
    tsa_trust: PartnerTrust | None = None,
) -> VerifiedXml:
    signer = _signer_of(inspected.certificates)
    others = [c for c in inspected.certificates if c is not signer]
    level, timestamp, notes = "B-B", None, tuple[str, ...]()
    if inspected.xades:
        judged = judge_time(inspected.signature, trust=trust, tsa_trust=tsa_trust, at=at, policy=policy)
        at, trust, level, timestamp, notes = judged.at, judged.trust, judged.level, judged.timestamp, judged.warnings
        others += judged.certificates
    path = validate_path(signer, others, trust=trust, at=at, purpose="signing", policy=policy)
    config_type = XAdESSignatureConfiguration if inspected.xades else SignatureConfiguration
    config = config_type(
        require_x509=True,
        location=location,
        expect_references=3 if inspected.xades else 1,
        signature_methods=frozenset({SignatureMethod(inspected.signature_method)}),
        digest_algorithms=_digest_algorithms(policy),
        verification_time=max(at, signer.not_valid_before_utc),
    )
    verifier = ParsedXAdESVerifier() if inspected.xades else ParsedVerifier()
    if not inspected.xades:
        verifier.take(root)  # one reference (_inspect): nothing reads the parsed document after signxml
    try:
        # The very tree parse_xml built and _inspect checked (trust.processors); signxml parses its copies alike.
        result = verifier.verify(root, x509_cert=signer, expect_config=config, parser=thread_parser(),
                                 uri_resolver=resolver)
    except InvalidCertificate as e:
        raise CertificateExpired(str(e)) from e
    except InvalidInput as e:
        raise SignatureInvalid(f"signature rejected: {e}") from e
    except (SignXMLException, etree.LxmlError, ValueError) as e:
        # LxmlError: signxml parses pieces of the document again and canonicalises them; a piece that fails either
        # (XMLSyntaxError, C14NError for a relative namespace URI; both found by the xml-verify fuzz harness) is
        # not verified.
        raise SignatureInvalid(f"signature does not verify: {e}") from e
    if isinstance(result, list) and inspected.xades:
        result = result[0]  # signxml keeps SignedInfo order; the document reference is first (_inspect)
    if not isinstance(result, VerifyResult):
        raise ReferenceInvalid("expected exactly one verified document reference")
    signed = result.signed_data if isinstance(result.signed_data, bytes) else bytes(result.signed_data, "utf-8")
    return VerifiedXml(
        signed_xml=signed,
        signed_root=adopt_tree(signed, result.signed_xml),  # signxml's tree of the very bytes it digested
        signer=signer,
        chain=path.chain,
        warnings=(*notes, *path.warnings),
        level=level,
        timestamp=timestamp,
    )
