"""Revocation reaches end-entity certificates a partner is trusted with, whatever way they came in (issue 10, 2).

Following the README's old partner set-up literally stored a partner's signing and TLS certificates as anchors
beside its CA: each was then a path of its own, so revoking the CA, or a CRL listing the signing certificate,
changed nothing. Here such a database is reproduced (rows written as the older release wrote them; this release
migrates them to pinned), and with two running gateways, in both directions, each of these stops the very next
document with CERTIFICATE_REVOKED: revoking the sender's CA, importing the CA's CRL listing the sender's signing
certificate, and revoking a pinned signing certificate of a partner trusted by pinned certificates only.

A revoked signing certificate (by CRL, or a pinned one revoked) of a sender still authenticated by its TLS
certificate gets a signed REJECTED receipt with CERTIFICATE_REVOKED, stored like any refusal. A revoked CA also
fails the sender's TLS identification first: nobody is authenticated to answer, so the sender's message ends
FAILED (PARTNER_UNAUTHENTICATED carrying CERTIFICATE_REVOKED) and the receiver stores nothing. Each case also
checks the receiver's trust refuses the signing certificate itself.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import tomli_w
import tomllib
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, load_pem_private_key

import trust
from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway.app import build_app
from gateway.core.domain import DocumentType
from gateway.core.errors import ConfigInvalid
from gateway.core.ports import Actor, ActorKind, StoredTrustedCertificate
from gateway.tools.cli import load_settings
from gateway.tools.devsetup import write_network
from tests.integration.network import COO_AGREEMENTS, Network, example, record_bytes, running_network, wait_for
from trust import CertificateState, devpki

#: The audit actor of the changes these tests make.
OPERATOR = Actor(ActorKind.OS_USER, "test-operator")

EXAMPLES = {("CN", "HK"): "coo-cn-hk", ("HK", "CN"): "coo-hk-cn"}
DIRECTIONS = [("CN", "HK"), ("HK", "CN")]
FINAL = (pb.MESSAGE_STATUS_DELIVERED, pb.MESSAGE_STATUS_REJECTED, pb.MESSAGE_STATUS_FAILED)


def _issued(network: Network, party: str, name: str) -> devpki.IssuedCertificate:
    keys = network.files[party].folder / "keys"
    return devpki.IssuedCertificate(
        certificate=x509.load_pem_x509_certificate((keys / f"{name}.cert.pem").read_bytes()),
        private_key=load_pem_private_key((keys / f"{name}.key.pem").read_bytes(), None),  # type: ignore[arg-type]
    )


def _send(network: Network, sender: str, receiver: str, number: str) -> pb.MessageSummary:
    record = example(EXAMPLES[(sender, receiver)])
    record["certificate"]["number"] = number
    with network.client(sender) as client:
        response = client.submit(receiver, DocumentType.CERTIFICATE_OF_ORIGIN, record_bytes(record))
        return wait_for(lambda: (s := client.status(response.message_id)).status in FINAL and s)  # type: ignore[no-any-return]


def _exchange_both_ways(network: Network, tag: str) -> None:
    for sender, receiver in DIRECTIONS:
        summary = _send(network, sender, receiver, f"{tag}-{sender}")
        assert summary.status == pb.MESSAGE_STATUS_DELIVERED, (sender, summary.last_error)


def _legacy_leaf_anchors(network: Network) -> None:
    """Each side's database as the README's old partner flow left it: the other side's signing and TLS
    certificates stored as anchors beside its CA (written directly, as an older release stored them)."""
    for receiver, sender in DIRECTIONS:
        for name in ("signing", "tls"):
            certificate = _issued(network, sender, name).certificate
            network.apps[receiver].repository.upsert_trust(StoredTrustedCertificate(
                partner=sender, fingerprint=trust.fingerprint(certificate), role="anchor", state="active",
                certificate_der=certificate.public_bytes(Encoding.DER), added_at=datetime.now(UTC),
            ))


def _assert_refused_as_revoked(network: Network, sender: str, receiver: str, summary: pb.MessageSummary,
                               code: str) -> None:
    if code == "PARTNER_UNAUTHENTICATED":
        # The sender's TLS certificate is refused: nobody authenticated to sign a receipt for.
        assert summary.status == pb.MESSAGE_STATUS_FAILED, summary
        assert summary.last_error.code == code, summary.last_error
        assert "CERTIFICATE_REVOKED" in summary.last_error.message, summary.last_error
        assert network.apps[receiver].repository.find(summary.message_id) is None
    else:
        # Authenticated by TLS, signing with a revoked key: a signed REJECTED receipt naming the revocation.
        assert summary.status == pb.MESSAGE_STATUS_REJECTED, summary
        assert summary.last_error.code == code, summary.last_error
        stored = network.apps[receiver].repository.find(summary.message_id)
        assert stored is not None and stored.status.value == "REJECTED", stored
    # The document's signer itself is refused by the receiver's trust, not only the connection.
    now = datetime.now(UTC)
    with pytest.raises(trust.CertificateRevoked):
        trust.validate_path(_issued(network, sender, "signing").certificate, [],
                            trust=network.apps[receiver].trustbook.for_partner(sender, at=now), at=now)


@pytest.mark.parametrize(("sender", "receiver"), DIRECTIONS)
def test_revoking_the_ca_stops_its_leaves_stored_as_anchors(tmp_path: Path, sender: str, receiver: str) -> None:
    with running_network(tmp_path) as network:
        _legacy_leaf_anchors(network)
        _exchange_both_ways(network, "LEGACY")
        ca = _issued(network, sender, "ca").certificate
        network.apps[receiver].trustbook.change_state(sender, trust.fingerprint(ca), CertificateState.REVOKED,
                                                      actor=OPERATOR, reason="CA key compromise")
        summary = _send(network, sender, receiver, "REVOKED-CA")
        # The sender's TLS certificate (issued by the revoked CA) is refused first.
        _assert_refused_as_revoked(network, sender, receiver, summary, "PARTNER_UNAUTHENTICATED")
        # Nor does the receiver send to a server whose certificate only the revoked CA vouches for.
        record = example(EXAMPLES[(receiver, sender)])
        record["certificate"]["number"] = "TO-REVOKED"
        with network.client(receiver) as client:
            message_id = client.submit(sender, DocumentType.CERTIFICATE_OF_ORIGIN, record_bytes(record)).message_id
            waiting = wait_for(lambda: (s := client.status(message_id)).status == pb.MESSAGE_STATUS_RETRY_WAIT and s)
        assert waiting.last_error.code == "CERTIFICATE_UNTRUSTED", waiting.last_error
        assert network.apps[sender].repository.find(message_id) is None


@pytest.mark.parametrize(("sender", "receiver"), DIRECTIONS)
def test_crl_listing_a_signing_certificate_stored_as_anchor(tmp_path: Path, sender: str, receiver: str) -> None:
    with running_network(tmp_path) as network:
        _legacy_leaf_anchors(network)
        _exchange_both_ways(network, "LEGACY")
        now = datetime.now(UTC)
        signing = _issued(network, sender, "signing").certificate
        crl = devpki.issue_crl(_issued(network, sender, "ca"), [(signing, now - timedelta(seconds=1))], at=now)
        network.apps[receiver].trustbook.import_crl(sender, crl, actor=OPERATOR)
        summary = _send(network, sender, receiver, "REVOKED-CRL")
        _assert_refused_as_revoked(network, sender, receiver, summary, "CERTIFICATE_REVOKED")


def _pinned_only(party: str, data: dict[str, Any]) -> None:
    # The partner's end-entity certificates, and no CA at all: its TLS certificate is not self-signed, and the
    # TLS layer must accept it on its own as a root (gRPC's BoringSSL allows partial chains), in both roles.
    for partner in data["partners"]:
        other = partner["party"].lower()
        partner["trust_anchors"] = []
        partner["trust_pinned"] = [f"../{other}/keys/signing.cert.pem", f"../{other}/keys/tls.cert.pem"]


@pytest.mark.parametrize(("sender", "receiver"), DIRECTIONS)
def test_revoking_a_pinned_signing_certificate(tmp_path: Path, sender: str, receiver: str) -> None:
    with running_network(tmp_path, configure=_pinned_only) as network:
        for party, other in DIRECTIONS:
            roles = {r.role for r in network.apps[party].trustbook.records(other)}
            assert roles == {"pinned"}, roles
        _exchange_both_ways(network, "PINNED")
        signing = _issued(network, sender, "signing").certificate
        network.apps[receiver].trustbook.change_state(sender, trust.fingerprint(signing), CertificateState.REVOKED,
                                                      actor=OPERATOR, reason="key compromise")
        summary = _send(network, sender, receiver, "REVOKED-PIN")
        _assert_refused_as_revoked(network, sender, receiver, summary, "CERTIFICATE_REVOKED")


def test_leaf_anchors_in_the_database_are_migrated_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with running_network(tmp_path) as network:
        _legacy_leaf_anchors(network)
        hk = network.apps["HK"]
        leaves = {trust.fingerprint(_issued(network, "CN", n).certificate) for n in ("signing", "tls")}
        with caplog.at_level("WARNING", logger="gateway.adapters.trustbook.book"):
            # The running gateway notices the changed trust within a second and migrates while rebuilding.
            wait_for(lambda: hk.trustbook.store() and {r.fingerprint for r in hk.trustbook.records("CN")
                                                      if r.role == "pinned"} == leaves)
        for fingerprint in leaves:
            assert any("migrated from anchor to pinned" in m and fingerprint in m and "CN" in m
                       for m in caplog.messages), caplog.messages
        network.stop("HK")
        network.restart("HK")
        migrations = [e for e in network.apps["HK"].operations.audit_entries(limit=1000)
                      if e.action == "trust.migrate-role"]
        assert sorted(e.details["fingerprint"] for e in migrations) == sorted(leaves)
        assert {(e.actor_kind, e.actor, e.details["from_role"], e.details["role"]) for e in migrations} == {
            ("upgrade", "trust role migration", "anchor", "pinned")}


def test_a_configured_leaf_anchor_stops_the_start_naming_key_and_file(tmp_path: Path) -> None:
    files = write_network(tmp_path, ("CN", "HK"), COO_AGREEMENTS, at=datetime.now(UTC))
    cn_keys, hk = files["CN"].folder / "keys", files["HK"]
    # What the old partner flow put into trust_anchors: the partner's whole export, CA, signing and TLS.
    bundle = hk.folder / "trust" / "cn-export.pem"
    bundle.write_bytes(b"".join((cn_keys / f"{n}.cert.pem").read_bytes() for n in ("ca", "signing", "tls")))
    config = tomllib.loads(hk.config.read_text())
    config["partners"][0]["trust_anchors"] = ["trust/cn-ca.pem", "trust/cn-export.pem"]
    hk.config.write_text(tomli_w.dumps(config))
    with pytest.raises(ConfigInvalid) as caught:
        build_app(load_settings(hk.config))
    assert caught.value.field_path == "partners[0].trust_anchors[1]"
    assert str(bundle) in caught.value.message and "certificate 2 of 3" in caught.value.message
    assert "TRUST_ANCHOR_NOT_CA" in caught.value.message
    # Refused before the database is opened: nothing of the configuration was imported.
    assert not (hk.folder / "data" / "swgw.db").exists()

    # The CA as anchor and the signing certificate pinned: the gateway builds.
    config["partners"][0]["trust_anchors"] = ["trust/cn-ca.pem"]
    config["partners"][0]["trust_pinned"] = ["../cn/keys/signing.cert.pem"]
    hk.config.write_text(tomli_w.dumps(config))
    app = build_app(load_settings(hk.config))
    try:
        assert sorted(r.role for r in app.trustbook.records("CN")) == ["anchor", "pinned"]
        assert (hk.folder / "data" / "swgw.db").exists()
    finally:
        app.engine.dispose()
