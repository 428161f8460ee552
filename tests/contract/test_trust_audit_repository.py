"""The TrustRepository and AuditRepository contracts, run against every implementation (see conftest)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from repository_testkit import T0, Repository, at

from gateway.adapters.persistence import audit_entry_hash, verify_audit_chain
from gateway.core.ports import Actor, ActorKind, AuditEntry, StoredTrustedCertificate
from trust import CertificateRole, CertificateState

_KEY = ec.generate_private_key(ec.SECP256R1())


def crl(issuer: str, this_update: datetime) -> bytes:
    """A DER CRL of ``issuer`` (signature irrelevant here: the repository stores, trust verifies)."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .last_update(this_update)
        .next_update(this_update.replace(year=this_update.year + 1))
    )
    return builder.sign(_KEY, hashes.SHA256()).public_bytes(Encoding.DER)


def record(partner: str, fingerprint: str, *, state: str = "active", added: float = 0) -> StoredTrustedCertificate:
    return StoredTrustedCertificate(
        partner=partner,
        fingerprint=fingerprint,
        role="anchor",
        state=state,
        certificate_der=b"\x30\x82" + fingerprint.encode(),
        added_at=at(added),
    )


# -- trust ----------------------------------------------------------------------------------------------------


def test_upsert_trust_inserts_then_replaces_and_bumps_the_version(repo: Repository) -> None:
    version = repo.trust_version()
    first = record("HK", "aa" * 32)
    repo.upsert_trust(first)
    assert repo.list_trust() == [first]
    assert repo.trust_version() > version
    version = repo.trust_version()
    revoked = dataclasses.replace(first, state="revoked", revoked_at=at(10), revocation_reason="key compromise")
    repo.upsert_trust(revoked)
    assert repo.list_trust() == [revoked]
    assert repo.trust_version() > version


def test_change_trust_role_only_from_the_expected_role(repo: Repository) -> None:
    first = record("HK", "ab" * 32)
    repo.upsert_trust(first)
    version = repo.trust_version()
    # The first caller changes the row; a second one, racing to migrate the same row, finds it done.
    assert repo.change_trust_role("HK", first.fingerprint, expected="anchor", role="pinned") is True
    assert repo.trust_version() > version
    version = repo.trust_version()
    assert repo.change_trust_role("HK", first.fingerprint, expected="anchor", role="pinned") is False
    assert repo.change_trust_role("SG", first.fingerprint, expected="pinned", role="anchor") is False
    assert repo.trust_version() == version
    assert repo.list_trust() == [dataclasses.replace(first, role="pinned")]


def test_list_trust_by_partner_in_order_added(repo: Repository) -> None:
    hk2, hk1, mo = record("HK", "bb" * 32, added=2), record("HK", "cc" * 32, added=1), record("MO", "aa" * 32)
    pending = dataclasses.replace(record("SG", "dd" * 32, state="pending"), valid_from_use=at(3600))
    for r in (hk2, mo, hk1, pending):
        repo.upsert_trust(r)
    assert repo.list_trust("HK") == [hk1, hk2]
    assert repo.list_trust() == [hk1, hk2, mo, pending]
    assert repo.list_trust("SG")[0].valid_from_use == at(3600)
    assert repo.list_trust("TH") == []


def test_add_crl_replaces_the_same_issuers_older_list_only(repo: Repository) -> None:
    old, new = crl("HK Root CA", at(0)), crl("HK Root CA", at(86400))
    other = crl("HK Issuing CA", at(0))
    repo.add_crl("HK", old, at=at(1))
    version = repo.trust_version()
    repo.add_crl("HK", new, at=at(2))
    assert repo.list_crls("HK") == [("HK", new)]
    assert repo.trust_version() > version
    version = repo.trust_version()
    repo.add_crl("HK", old, at=at(3))  # outdated: must not undo revocations listed in the newer one
    assert repo.list_crls("HK") == [("HK", new)]
    assert repo.trust_version() == version
    repo.add_crl("HK", other, at=at(4))
    repo.add_crl("MO", old, at=at(5))
    assert repo.list_crls("HK") == [("HK", other), ("HK", new)]
    assert repo.list_crls() == [("HK", other), ("HK", new), ("MO", old)]
    with pytest.raises(ValueError):
        repo.add_crl("HK", b"not a crl", at=at(6))


def test_a_pem_crl_is_stored_as_der(repo: Repository) -> None:
    der = crl("HK Root CA", at(0))
    pem = x509.load_der_x509_crl(der).public_bytes(Encoding.PEM)
    repo.add_crl("HK", pem, at=at(1))
    assert repo.list_crls() == [("HK", der)]


# -- audit ------------------------------------------------------------------------------------------------------


#: One actor kind per entry of :func:`append_three`.
KINDS = (ActorKind.OPERATOR_CERTIFICATE, ActorKind.OS_USER, ActorKind.CONFIGURATION)


def append_three(repo: Repository) -> list[AuditEntry]:
    details = [
        {"partner": "HK", "fingerprint": "aa" * 32},
        {"partner": "HK", "reason": "密钥泄露", "serials": [1, 2]},
        {"count": 3, "ok": True, "nested": {"b": 1, "a": None}},
    ]
    return [
        repo.append_audit(actor=Actor(kind, f"operator-{i}"), action="trust.revoke", details=d, at=at(i))
        for i, (d, kind) in enumerate(zip(details, KINDS, strict=True))
    ]


def test_audit_entries_form_a_chain(repo: Repository) -> None:
    appended = append_three(repo)
    assert [e.sequence for e in appended] == [1, 2, 3]
    assert appended[0].previous_hash == ""
    assert [e.previous_hash for e in appended[1:]] == [e.entry_hash for e in appended[:-1]]
    listed = repo.list_audit()
    assert listed == appended
    assert listed[1].details == {"partner": "HK", "reason": "密钥泄露", "serials": [1, 2]}
    assert listed[0].at == T0
    assert repo.list_audit(after=1, limit=1) == appended[1:2]
    assert verify_audit_chain(listed) == (True, None, "3 entries verified")
    assert verify_audit_chain(listed, head_hash=listed[-1].entry_hash)[0]
    tail = repo.list_audit(after=1)
    assert verify_audit_chain(tail, previous_hash=listed[0].entry_hash, first_sequence=2)[0]


def test_audit_entries_record_the_kind_of_actor(repo: Repository) -> None:
    appended = append_three(repo)
    assert [(e.actor_kind, e.actor) for e in repo.list_audit()] == [
        ("operator-certificate", "operator-0"), ("os-user", "operator-1"), ("configuration", "operator-2")]
    assert [e.actor_kind for e in appended] == [k.value for k in KINDS]
    # The hash covers the kind: the same content hashed without it (as entries before the kind were) differs.
    first = appended[0]
    assert first.entry_hash == audit_entry_hash("", 1, first.at, first.actor, first.action, first.details,
                                                "operator-certificate")
    assert first.entry_hash != audit_entry_hash("", 1, first.at, first.actor, first.action, first.details)


def test_entries_without_a_kind_written_before_it_was_recorded_still_verify() -> None:
    legacy = AuditEntry(sequence=1, at=at(0), actor="cli:alice", action="trust.add", details={"partner": "HK"},
                        previous_hash="",
                        entry_hash=audit_entry_hash("", 1, at(0), "cli:alice", "trust.add", {"partner": "HK"}))
    assert legacy.actor_kind is None
    kinded_hash = audit_entry_hash(legacy.entry_hash, 2, at(1), "root (uid=0)", "trust.revoked", {}, "os-user")
    kinded = AuditEntry(sequence=2, at=at(1), actor="root (uid=0)", action="trust.revoked", details={},
                        previous_hash=legacy.entry_hash, entry_hash=kinded_hash, actor_kind="os-user")
    assert verify_audit_chain([legacy, kinded]) == (True, None, "2 entries verified")
    # Giving an old entry a kind after the fact is an alteration like any other.
    relabelled = dataclasses.replace(legacy, actor_kind="operator-certificate")
    assert verify_audit_chain([relabelled, kinded])[:2] == (False, 1)


def test_audit_details_handed_out_are_copies(repo: Repository) -> None:
    entry = repo.append_audit(actor=Actor(ActorKind.OS_USER, "op"), action="a", details={"k": [1]}, at=T0)
    entry.details["k"].append(2)
    assert repo.list_audit()[0].details == {"k": [1]}
    assert verify_audit_chain(repo.list_audit())[0]


def test_verify_detects_an_altered_entry(repo: Repository) -> None:
    entries = append_three(repo)
    for change in ({"actor": "mallory"}, {"details": {"partner": "MO"}}, {"at": at(99)}, {"action": "trust.add"},
                   {"actor_kind": "operator-certificate"}, {"actor_kind": None}):
        tampered = [entries[0], dataclasses.replace(entries[1], **change), entries[2]]  # type: ignore[arg-type]
        ok, bad, why = verify_audit_chain(tampered)
        assert (ok, bad) == (False, 2) and "entry altered" in why


def test_verify_detects_a_deleted_entry(repo: Repository) -> None:
    entries = append_three(repo)
    ok, bad, why = verify_audit_chain([entries[0], entries[2]])
    assert (ok, bad) == (False, 3) and "deleted or inserted" in why
    assert verify_audit_chain(entries[1:])[:2] == (False, 2)
    ok, bad, why = verify_audit_chain(entries[:2], head_hash=entries[2].entry_hash)
    assert (ok, bad) == (False, None) and "removed from the end" in why


def test_verify_detects_an_inserted_entry(repo: Repository) -> None:
    entries = append_three(repo)
    forged = dataclasses.replace(entries[1], actor="mallory")
    assert verify_audit_chain([entries[0], entries[1], forged, entries[2]])[:2] == (False, 2)
    # A forger who renumbers and rehashes the inserted entry still breaks the link of the one after it.
    inserted = AuditEntry(
        sequence=2,
        at=at(1.5),
        actor="mallory",
        action="trust.add",
        details={},
        previous_hash=entries[0].entry_hash,
        entry_hash=audit_entry_hash(entries[0].entry_hash, 2, at(1.5), "mallory", "trust.add", {}),
    )
    renumbered = [dataclasses.replace(e, sequence=e.sequence + 1) for e in entries[1:]]
    assert verify_audit_chain([entries[0], inserted, *renumbered])[:2] == (False, 3)


def test_trust_rows_come_back_with_the_trust_enums_and_refuse_unknown_values(repo: Repository) -> None:
    repo.upsert_trust(record("HK", "ac" * 32, state="retiring"))
    [stored] = repo.list_trust("HK")
    assert stored.role is CertificateRole.ANCHOR and stored.state is CertificateState.RETIRING
    assert repo.change_trust_role("HK", stored.fingerprint, expected=CertificateRole.ANCHOR,
                                  role=CertificateRole.PINNED) is True
    assert repo.list_trust("HK")[0].role is CertificateRole.PINNED
    with pytest.raises(ValueError):
        record("HK", "ad" * 32, state="expired")
