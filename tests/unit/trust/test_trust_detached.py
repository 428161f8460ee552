"""Detached signatures over canonical header bytes (envelopes and receipts)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from trust_testkit import AT, Pki

from trust import (
    AlgorithmForbidden,
    CertificateExpired,
    CertificateUntrusted,
    SignatureInvalid,
    SignatureMissing,
    SignaturePolicy,
    canonical_header,
    sign_detached,
    verify_detached,
)

HEADER = {"message_id": "01J0ABC", "sender": "CN", "receiver": "HK", "payload_sha256": "ab" * 32, "note": "货物"}


def test_canonical_header_is_sorted_compact_utf8() -> None:
    assert canonical_header({"b": "2", "a": "é"}) == '{"a":"é","b":"2"}'.encode()


@given(st.dictionaries(st.text(), st.text()))
def test_canonical_header_is_order_independent(fields: dict[str, str]) -> None:
    reordered = dict(reversed(list(fields.items())))
    try:
        expected = canonical_header(fields)
    except ValueError:
        return  # lone surrogates are refused, consistently
    assert canonical_header(reordered) == expected


def test_canonical_header_refuses_non_strings() -> None:
    with pytest.raises(TypeError):
        canonical_header({"a": 1})  # type: ignore[dict-item]


@pytest.mark.parametrize(("signer", "algorithm"), [("signer_ec", "ecdsa-sha256"), ("signer_rsa", "rsa-pss-sha256")])
def test_round_trip(pki: Pki, signer: str, algorithm: str) -> None:
    issued = getattr(pki, signer)
    data = canonical_header(HEADER)
    signature = sign_detached(data, pki.identity(issued))
    assert signature.algorithm == algorithm
    assert len(signature.certificates) == 2
    verified = verify_detached(data, signature, trust=pki.trust(), at=AT)
    assert verified.signer == issued.certificate
    assert verified.chain[-1] == pki.root.certificate


def test_changed_data_is_invalid(pki: Pki) -> None:
    signature = sign_detached(canonical_header(HEADER), pki.identity())
    with pytest.raises(SignatureInvalid):
        verify_detached(canonical_header({**HEADER, "receiver": "MO"}), signature, trust=pki.trust(), at=AT)


def test_algorithm_label_must_match_key(pki: Pki) -> None:
    data = canonical_header(HEADER)
    signature = dataclasses.replace(sign_detached(data, pki.identity()), algorithm="rsa-pss-sha256")
    with pytest.raises(AlgorithmForbidden):
        verify_detached(data, signature, trust=pki.trust(), at=AT)


@pytest.mark.parametrize("algorithm", ["ecdsa-sha1", "hmac-sha256", "none", ""])
def test_unknown_algorithms_are_forbidden(pki: Pki, algorithm: str) -> None:
    data = canonical_header(HEADER)
    signature = dataclasses.replace(sign_detached(data, pki.identity()), algorithm=algorithm)
    with pytest.raises(AlgorithmForbidden):
        verify_detached(data, signature, trust=pki.trust(), at=AT)


def test_policy_can_narrow_algorithms(pki: Pki) -> None:
    data = canonical_header(HEADER)
    signature = sign_detached(data, pki.identity())
    with pytest.raises(AlgorithmForbidden):
        verify_detached(data, signature, trust=pki.trust(), at=AT,
                        policy=SignaturePolicy(detached_algorithms=frozenset({"rsa-pss-sha256"})))


def test_empty_value_and_missing_certificates(pki: Pki) -> None:
    data = canonical_header(HEADER)
    signature = sign_detached(data, pki.identity())
    with pytest.raises(SignatureMissing):
        verify_detached(data, dataclasses.replace(signature, value=b""), trust=pki.trust(), at=AT)
    with pytest.raises(CertificateUntrusted):
        verify_detached(data, dataclasses.replace(signature, certificates=()), trust=pki.trust(), at=AT)


def test_untrusted_and_expired(pki: Pki) -> None:
    data = canonical_header(HEADER)
    with pytest.raises(CertificateUntrusted) as caught:
        verify_detached(data, sign_detached(data, pki.identity(pki.other_signer)), trust=pki.trust(), at=AT)
    assert caught.value.partner == "HK"
    with pytest.raises(CertificateExpired):
        verify_detached(data, sign_detached(data, pki.identity()), trust=pki.trust(), at=AT + timedelta(days=900))
