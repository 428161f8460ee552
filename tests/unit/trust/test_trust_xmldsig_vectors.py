"""Data-driven XML-DSig refusals and acceptances: one folder per case under tests/vectors/xmldsig."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from trust_testkit import AT, Pki
from xmldsig_vectors import Vector, build_input, load_vectors, time_for, trust_for

from trust import TrustError, verify_xml

VECTORS = load_vectors()


def test_there_are_vectors() -> None:
    assert len(VECTORS) >= 30
    assert {v.expect["outcome"] for v in VECTORS} == {"valid", "invalid"}


@pytest.mark.parametrize("vector", VECTORS, ids=[v.name for v in VECTORS])
def test_xmldsig_vector(vector: Vector, pki: Pki) -> None:
    data = build_input(vector, pki)
    expect = vector.expect
    if expect["outcome"] == "valid":
        verified = verify_xml(data, trust=trust_for(vector, pki), at=time_for(vector))
        excluded = expect.get("signed_xml_excludes")
        if excluded:
            assert excluded.encode() not in data or excluded.encode() not in verified.signed_xml
            assert excluded.encode() not in verified.signed_xml
        return
    with pytest.raises(TrustError) as caught:
        verify_xml(data, trust=trust_for(vector, pki), at=time_for(vector))
    assert caught.value.code == expect["error"], caught.value.message
    assert caught.value.partner == "HK"


GENUINE = [v for v in VECTORS if not v.generate.get("mutations") and not v.generate.get("unsigned")]


@pytest.mark.parametrize("vector", GENUINE, ids=[v.name for v in GENUINE])
def test_unmutated_vectors_carry_genuine_signatures(vector: Vector, pki: Pki) -> None:
    """A refusal of an unmutated vector is a policy decision: signxml, told to accept anything, verifies it."""
    from signxml.algorithms import DigestAlgorithm, SignatureMethod
    from signxml.verifier import SignatureConfiguration, XMLVerifier
    from xmldsig_vectors import signer_for

    gen = vector.generate
    config = SignatureConfiguration(
        require_x509="hmac_key" not in gen,
        location=".//",
        expect_references=True,
        signature_methods=frozenset(SignatureMethod),
        digest_algorithms=frozenset(DigestAlgorithm),
        # Inside the signer's validity: expiry is not what this test is about.
        verification_time=AT - timedelta(days=15) if gen.get("signer") == "expired" else AT,
    )
    issued = signer_for(pki, gen.get("signer", "signer_ec"))
    data = build_input(vector, pki)
    if "hmac_key" in gen:
        hmac_only = frozenset(m for m in SignatureMethod if m.name.startswith("HMAC"))
        XMLVerifier().verify(data, hmac_key=gen["hmac_key"].encode(),
                             expect_config=dataclasses.replace(config, signature_methods=hmac_only))
    elif gen.get("include_cert", True) is False:
        XMLVerifier().verify(data, expect_config=dataclasses.replace(config, require_x509=False))
    else:
        XMLVerifier().verify(data, x509_cert=issued.certificate, expect_config=config)
