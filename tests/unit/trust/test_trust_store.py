"""TrustStore: states, transitions, for_partner selection, expiry scans and partner identification."""

from __future__ import annotations

from datetime import timedelta

import pytest
from trust_testkit import AT, Pki

from trust import (
    CertificateRevoked,
    CertificateRole,
    CertificateState,
    CertificateUntrusted,
    TrustedCertificate,
    TrustStore,
    TrustStoreError,
    fingerprint,
)
from trust.devpki import create_ca, issue_certificate

ANCHOR, PINNED = CertificateRole.ANCHOR, CertificateRole.PINNED


def _store(pki: Pki) -> TrustStore:
    return (
        TrustStore()
        .add("HK", ANCHOR, pki.root.certificate, state=CertificateState.ACTIVE)
        .add("MO", PINNED, pki.other_signer.certificate, state=CertificateState.ACTIVE)
    )


def test_for_partner_splits_roles(pki: Pki) -> None:
    store = _store(pki)
    hk = store.for_partner("HK", at=AT)
    assert hk.anchors == (pki.root.certificate,) and hk.pinned == ()
    mo = store.for_partner("MO", at=AT)
    assert mo.pinned == (pki.other_signer.certificate,) and mo.anchors == ()
    assert store.for_partner("SG", at=AT).is_empty


def test_for_partner_is_memoized_until_a_transition(pki: Pki) -> None:
    store = _store(pki)
    first = store.for_partner("HK", at=AT)
    assert store.for_partner("HK", at=AT + timedelta(hours=1)) is first
    assert store.for_partner("HK", at=AT, purpose="send") is not first
    retired = store.retire("HK", fingerprint(pki.root.certificate))
    assert retired.for_partner("HK", at=AT) is not first


# (state, valid_from_use offset in hours or None, usable for receive at AT, usable for send at AT)
SELECTION = [
    ("pending", None, False, False),
    ("pending", 1, False, False),
    ("pending", -1, True, False),
    ("active", None, True, True),
    ("retiring", None, True, False),
]


@pytest.mark.parametrize(("state", "offset", "receive", "send"), SELECTION)
def test_state_selection(pki: Pki, state: str, offset: int | None, receive: bool, send: bool) -> None:
    when = None if offset is None else AT + timedelta(hours=offset)
    entry = TrustedCertificate("HK", ANCHOR, pki.root.certificate, CertificateState(state), when)
    store = TrustStore(entries=(entry,))
    assert bool(store.for_partner("HK", at=AT).anchors) is receive
    assert bool(store.for_partner("HK", at=AT, purpose="send").anchors) is send


def test_transitions(pki: Pki) -> None:
    fp = fingerprint(pki.root.certificate)
    store = TrustStore().add("HK", ANCHOR, pki.root.certificate)
    assert store.entries[0].state is CertificateState.PENDING
    store = store.activate("HK", fp).retire("HK", fp)
    assert store.entries[0].state is CertificateState.RETIRING
    store = store.revoke("HK", fp, at=AT, reason="key compromise")
    entry = store.entries[0]
    assert (entry.state, entry.revoked_at, entry.revocation_reason) == (CertificateState.REVOKED, AT, "key compromise")


@pytest.mark.parametrize(
    "operation",
    ["activate-active", "retire-pending", "revoke-twice", "unknown", "duplicate", "add-revoked", "empty-reason"],
)
def test_illegal_transitions(pki: Pki, operation: str) -> None:
    fp = fingerprint(pki.root.certificate)
    active = TrustStore().add("HK", ANCHOR, pki.root.certificate, state=CertificateState.ACTIVE)
    with pytest.raises(TrustStoreError) as caught:
        if operation == "activate-active":
            active.activate("HK", fp)
        elif operation == "retire-pending":
            TrustStore().add("HK", ANCHOR, pki.root.certificate).retire("HK", fp)
        elif operation == "revoke-twice":
            active.revoke("HK", fp, at=AT, reason="x").revoke("HK", fp, at=AT, reason="x")
        elif operation == "unknown":
            active.activate("MO", fp)
        elif operation == "duplicate":
            active.add("HK", ANCHOR, pki.root.certificate)
        elif operation == "add-revoked":
            TrustStore().with_entry(TrustedCertificate("HK", ANCHOR, pki.root.certificate, CertificateState.REVOKED))
        else:
            active.revoke("HK", fp, at=AT, reason="")
    assert caught.value.code == "TRUST_STORE_CONFLICT"


def test_stores_are_immutable(pki: Pki) -> None:
    store = TrustStore()
    grown = store.add("HK", ANCHOR, pki.root.certificate)
    assert store.entries == () and len(grown.entries) == 1


def test_revoked_anchor_fails_as_revoked_from_its_time(pki: Pki) -> None:
    store = _store(pki).revoke("HK", fingerprint(pki.root.certificate), at=AT, reason="compromise")
    assert store.for_partner("HK", at=AT - timedelta(seconds=1)).anchors == (pki.root.certificate,)
    with pytest.raises(CertificateRevoked):
        store.identify(pki.tls.certificate, [], at=AT)
    assert store.identify(pki.tls.certificate, [], at=AT - timedelta(minutes=1)) == "HK"


def test_identify(pki: Pki) -> None:
    store = _store(pki)
    assert store.identify(pki.tls.certificate, [], at=AT) == "HK"
    assert store.identify(pki.other_signer.certificate, [], at=AT, purpose="signing") == "MO"
    assert store.identify(pki.signer_ec.certificate, [pki.intermediate.certificate], at=AT, purpose="signing") == "HK"
    stranger = issue_certificate(create_ca("nobody", at=AT - timedelta(days=1)), "x", at=AT, usage="tls")
    with pytest.raises(CertificateUntrusted):
        store.identify(stranger.certificate, [], at=AT)


def test_identify_refuses_ambiguity(pki: Pki) -> None:
    store = _store(pki).add("SG", ANCHOR, pki.root.certificate, state=CertificateState.ACTIVE)
    with pytest.raises(CertificateUntrusted, match="several partners"):
        store.identify(pki.tls.certificate, [], at=AT)


def test_expiring_and_partners_without_certificate(pki: Pki) -> None:
    store = _store(pki).add("SG", PINNED, pki.expired.certificate, state=CertificateState.ACTIVE)
    soon = store.expiring(at=AT, within=timedelta(days=30))
    assert [e.partner for e in soon] == ["SG"]
    everything = store.expiring(at=AT, within=timedelta(days=10000))
    assert [e.certificate.not_valid_after_utc for e in everything] == sorted(
        e.certificate.not_valid_after_utc for e in everything
    )
    assert store.partners_without_valid_certificate(at=AT, partners=["HK", "MO", "SG", "VN"]) == ("SG", "VN")
