"""Revocation at every verification: CRLs imported by operators; unknown status per the agreement."""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway.core.domain import DocumentType
from gateway.core.ports import Actor, ActorKind
from tests.integration.network import Network, example, record_bytes, running_network, wait_for
from trust import CertificateRole, devpki

#: The audit actor of the changes these tests make.
OPERATOR = Actor(ActorKind.OS_USER, "test-operator")


def _cn_ca(network: Network) -> devpki.IssuedCertificate:
    keys = network.files["CN"].folder / "keys"
    return devpki.IssuedCertificate(
        certificate=x509.load_pem_x509_certificate((keys / "ca.cert.pem").read_bytes()),
        private_key=load_pem_private_key((keys / "ca.key.pem").read_bytes(), None),  # type: ignore[arg-type]
    )


def _send(network: Network, number: str) -> pb.MessageSummary:
    """Submit CN->HK and wait for the final state."""
    record = example("coo-cn-hk")
    record["certificate"]["number"] = number
    with network.client("CN") as cn:
        response = cn.submit("HK", DocumentType.CERTIFICATE_OF_ORIGIN, record_bytes(record))
        final = (pb.MESSAGE_STATUS_DELIVERED, pb.MESSAGE_STATUS_REJECTED, pb.MESSAGE_STATUS_FAILED)
        return wait_for(lambda: (s := cn.status(response.message_id)).status in final and s)  # type: ignore[no-any-return]


def _set_policy(network: Network, policy: str) -> None:
    settings = network.apps["HK"].settings
    object.__setattr__(settings, "partners", tuple(
        dataclasses.replace(p, revocation_unknown=policy) for p in settings.partners))


def _keyring(party: str, data: dict) -> None:  # type: ignore[type-arg]
    data["signing"]["keyring"] = "keys/keyring"


def test_crl_revocation_and_unknown_status_policy(tmp_path: Path) -> None:
    with running_network(tmp_path, ("CN", "HK"), configure=_keyring) as network:
        hk = network.apps["HK"]
        now = datetime.now(UTC)
        # CN signs with a key from a signing sub-CA, so that the sub-CA's CRL covers signing certificates only
        # (TLS client certificates come from the root, and their identification always fails closed).
        sub_ca = devpki.issue_intermediate(_cn_ca(network), "CN Document Signing Sub-CA", at=now - timedelta(1))
        # Issued now, so it is the newest key of CN's keyring and CN signs with it from now on.
        signer = devpki.issue_certificate(sub_ca, "CN Gateway Document Signing (sub-CA)", at=now, usage="signing")
        hk.trustbook.add("CN", sub_ca.certificate, role=CertificateRole.INTERMEDIATE, actor=OPERATOR)
        keyring = network.files["CN"].folder / "keys" / "keyring"
        keyring.mkdir()
        (keyring / "sub.cert.pem").write_bytes(signer.cert_pem())
        (keyring / "sub.chain.pem").write_bytes(sub_ca.cert_pem())
        (keyring / "sub.key.pem").write_bytes(signer.key_pem())
        time.sleep(1.2)  # the keyring and the trust caches refresh every second
        assert _send(network, "REV-0").status == pb.MESSAGE_STATUS_DELIVERED
        assert "(sub-CA)" in (hk.repository.list_messages(limit=1)[0].signer_subject or "")

        # A stale CRL of the sub-CA (nextUpdate passed): the status is unknown. The default agreement refuses.
        hk.trustbook.import_crl("CN", devpki.issue_crl(sub_ca, [], at=now - timedelta(days=10), days=7),
                                actor=OPERATOR)
        time.sleep(1.2)
        summary = _send(network, "REV-1")
        assert summary.status == pb.MESSAGE_STATUS_FAILED
        assert summary.last_error.code == "ENVELOPE_SIGNATURE_INVALID"
        assert "REVOCATION_UNKNOWN" in summary.last_error.message

        # An agreement that accepts unknown status with a warning: delivered, and the warning is on the message.
        _set_policy(network, "warn")
        summary = _send(network, "REV-2")
        assert summary.status == pb.MESSAGE_STATUS_DELIVERED
        stored = hk.repository.get(summary.message_id)
        findings = json.loads(stored.report_json or "{}")["findings"]
        assert any(f["severity"] == "WARNING" and f["code"] == "REVOCATION_UNKNOWN" for f in findings), findings

        # A current CRL that lists the signing certificate: refused from its revocation time on.
        current = devpki.issue_crl(sub_ca, [(signer.certificate, now - timedelta(seconds=1))], at=now, days=7)
        hk.trustbook.import_crl("CN", current, actor=OPERATOR)
        time.sleep(1.2)
        summary = _send(network, "REV-3")
        # CN is still authenticated by its TLS certificate: HK answers with a signed refusal naming the revocation.
        assert summary.status == pb.MESSAGE_STATUS_REJECTED
        assert summary.last_error.code == "CERTIFICATE_REVOKED"
        audit = [e.action for e in hk.operations.audit_entries(limit=1000)]
        assert audit.count("trust.import-crl") == 2


@pytest.mark.parametrize("value", ["maybe", 1])
def test_revocation_policy_is_validated(value: object) -> None:
    from pathlib import PurePath

    from gateway.core.errors import ConfigInvalid
    from gateway.core.settings import parse_settings
    from tests.unit.gateway.test_settings import _with

    with pytest.raises(ConfigInvalid) as caught:
        parse_settings(_with("partners.0.revocation_unknown", value), PurePath("/"))
    assert caught.value.field_path == "partners[0].revocation_unknown"
