"""Operators: authenticated by an operators' CA certificate; trust life cycle, audit and expiry online and offline."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

import trust
from gateway._generated.swgw.v1 import operator_pb2 as opb
from gateway.core.domain import DocumentType
from gateway.tools.cli import main
from gateway.tools.client import ClientError, GatewayClient
from gateway.tools.devsetup import DomesticTls, domestic_tls_config, write_domestic_tls
from tests.integration.network import Network, example, record_bytes, running_network
from trust import devpki


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> tuple[Network, DomesticTls]:
    root = tmp_path_factory.mktemp("ops")
    material: dict[str, DomesticTls] = {}

    def tls(party: str, data: dict[str, Any]) -> None:
        if party == "CN":
            material["CN"] = write_domestic_tls(root / "cn", "CN", at=datetime.now(UTC))
            domestic_tls_config(data)

    with running_network(root, ("CN", "HK"), configure=tls) as net:
        yield net, material["CN"]  # type: ignore[misc]


def _client(net: Network, tls: DomesticTls, *, operator: bool) -> GatewayClient:
    key, cert = (tls.operator_key, tls.operator_certificate) if operator else (tls.hub_key, tls.hub_certificate)
    credentials = grpc.ssl_channel_credentials(root_certificates=tls.server_ca.read_bytes(),
                                               private_key=key.read_bytes(), certificate_chain=cert.read_bytes())
    return GatewayClient(f"127.0.0.1:{net.apps['CN'].domestic_port}", credentials=credentials)


def _operator_name(tls: DomesticTls) -> str:
    """The audit actor the operator certificate must produce, computed here from the certificate file."""
    cert = x509.load_pem_x509_certificate(tls.operator_certificate.read_bytes())
    return f"{cert.subject.rfc4514_string()} (sha256:{cert.fingerprint(hashes.SHA256()).hex()})"


def _cli(capsys: pytest.CaptureFixture[str], net: Network, tls: DomesticTls, *argv: str) -> tuple[int, Any]:
    # --json everywhere but on the export, which prints PEM.
    as_json = [] if argv[:2] == ("trust", "export") else ["--json"]
    code = main([*argv, *as_json, "--gateway", f"127.0.0.1:{net.apps['CN'].domestic_port}", "--tls-ca", str(tls.server_ca),
                 "--tls-cert", str(tls.operator_certificate), "--tls-key", str(tls.operator_key)])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip().startswith(("{", "[")) else out


def test_hub_certificate_submits_but_cannot_administer(secured: tuple[Network, DomesticTls]) -> None:
    net, tls = secured
    with _client(net, tls, operator=False) as hub:
        response = hub.submit("HK", DocumentType.CERTIFICATE_OF_ORIGIN,
                              record_bytes(example("coo-cn-hk")))
        assert response.message_id
        from gateway._generated.swgw.v1 import operator_pb2 as opb

        with pytest.raises(ClientError) as caught:
            hub.call(hub.operator.ListTrustCertificates, opb.ListTrustCertificatesRequest())
    assert caught.value.code == "OPERATOR_UNAUTHENTICATED"
    stored = net.apps["CN"].repository.get(response.message_id)
    assert stored.domestic_client == "CN-NATIONAL"


def test_plain_port_without_operators_ca_refuses_operator_calls(tmp_path: Path) -> None:
    from gateway._generated.swgw.v1 import operator_pb2 as opb

    with running_network(tmp_path, ("CN", "HK")) as net:
        with net.client("CN") as client:
            with pytest.raises(ClientError) as caught:
                client.call(client.operator.ListPartners, opb.ListPartnersRequest())
    assert caught.value.code == "OPERATOR_UNAUTHENTICATED"


def test_trust_life_cycle_over_grpc_is_audited(secured: tuple[Network, DomesticTls], tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    net, tls = secured
    now = datetime.now(UTC)
    new_ca = devpki.create_ca("HK Single Window CA 2027", at=now)
    pem = tmp_path / "hk-ca-2027.pem"
    pem.write_bytes(new_ca.cert_pem())

    code, row = _cli(capsys, net, tls, "trust", "add", "HK", str(pem), "--valid-from",
                     (now + timedelta(days=1)).isoformat())
    assert code == 0 and row["state"] == "pending"
    fingerprint = row["fingerprint"]
    code, row = _cli(capsys, net, tls, "trust", "activate", "HK", fingerprint[:16])
    assert row["state"] == "active"
    code, row = _cli(capsys, net, tls, "trust", "retire", "HK", fingerprint[:16])
    assert row["state"] == "retiring"
    code, row = _cli(capsys, net, tls, "trust", "revoke", "HK", fingerprint[:16], "--reason", "key compromise")
    assert row["state"] == "revoked" and row["revocation_reason"] == "key compromise"
    code, rows = _cli(capsys, net, tls, "trust", "list", "--partner", "HK")
    assert {r["state"] for r in rows} == {"active", "revoked"}

    code, entries = _cli(capsys, net, tls, "trust", "audit")
    actions = [e["action"] for e in entries if e["details"].get("fingerprint") == fingerprint]
    assert actions == ["trust.add", "trust.active", "trust.retiring", "trust.revoked"]
    assert {(e["actor"], e["actor_kind"]) for e in entries if e["details"].get("fingerprint") == fingerprint} == {
        (_operator_name(tls), "operator-certificate")}
    code, check = _cli(capsys, net, tls, "trust", "audit", "--verify")
    assert code == 0 and check["ok"] is True


def test_the_audit_names_the_operator_certificate_whatever_the_request_claims(
        secured: tuple[Network, DomesticTls], tmp_path: Path) -> None:
    net, tls = secured
    ca = devpki.create_ca("HK Smuggling Test CA", at=datetime.now(UTC))
    request = opb.AddTrustCertificateRequest(partner="HK", role=opb.TRUST_CERTIFICATE_ROLE_ANCHOR,
                                             certificate=ca.cert_pem())
    # Field 15 (length-delimited) does not exist in the request: an "actor" a forged client could append.
    smuggled = b"\x7a" + bytes([len(b"mallory")]) + b"mallory"
    credentials = grpc.ssl_channel_credentials(root_certificates=tls.server_ca.read_bytes(),
                                               private_key=tls.operator_key.read_bytes(),
                                               certificate_chain=tls.operator_certificate.read_bytes())
    with grpc.secure_channel(f"127.0.0.1:{net.apps['CN'].domestic_port}", credentials) as channel:
        add = channel.unary_unary("/swgw.v1.OperatorService/AddTrustCertificate",
                                  request_serializer=lambda r: r.SerializeToString() + smuggled,
                                  response_deserializer=opb.AddTrustCertificateResponse.FromString)
        response = add(request, timeout=30, metadata=[("actor", "mallory"), ("x-swgw-actor", "mallory"),
                                                      ("x-forwarded-user", "mallory"), ("user", "mallory")])
    fingerprint = response.certificate.fingerprint
    entries = [e for e in net.apps["CN"].operations.audit_entries(limit=1000)
               if e.details.get("fingerprint") == fingerprint]
    assert [(e.action, e.actor) for e in entries] == [("trust.add", _operator_name(tls))]
    assert "mallory" not in entries[0].actor
    assert entries[0].actor_kind == "operator-certificate"


def test_expiring_certificates_are_reported(secured: tuple[Network, DomesticTls], tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    net, tls = secured
    soon = devpki.create_ca("HK Short-lived CA", at=datetime.now(UTC) - timedelta(days=3640))
    pem = tmp_path / "short.pem"
    pem.write_bytes(soon.cert_pem())
    _cli(capsys, net, tls, "trust", "add", "HK", str(pem))
    code, report = _cli(capsys, net, tls, "trust", "expiring", "--days", "30")
    assert code == 0
    assert [r["subject"] for r in report["expiring"]] == ["CN=HK Short-lived CA"]
    assert report["partners_without_valid_certificate"] == []
    log = net.apps["CN"].operations.log_expiry()
    assert any(r.fingerprint for r in log.expiring)


def test_audit_tampering_is_detected_offline(secured: tuple[Network, DomesticTls],
                                             capsys: pytest.CaptureFixture[str]) -> None:
    net, _ = secured
    from sqlalchemy import text

    config = str(net.files["CN"].config)
    assert main(["trust", "audit", "--verify", "--config", config]) == 0
    capsys.readouterr()
    with net.apps["CN"].engine.begin() as connection:
        table = "audit_log"
        connection.execute(text(f"UPDATE {table} SET actor = 'someone else' WHERE sequence = 1"))
    assert main(["trust", "audit", "--verify", "--config", config, "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is False and result["first_bad_sequence"] == 1


def test_a_leaf_is_refused_as_anchor_over_grpc_and_by_the_cli(secured: tuple[Network, DomesticTls],
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    from gateway._generated.swgw.v1 import operator_pb2 as opb

    net, tls = secured
    leaf = net.files["HK"].folder / "keys" / "signing.cert.pem"
    fingerprint = trust.fingerprint(x509.load_pem_x509_certificate(leaf.read_bytes()))
    with _client(net, tls, operator=True) as operator:
        with pytest.raises(ClientError) as caught:
            operator.call(operator.operator.AddTrustCertificate, opb.AddTrustCertificateRequest(
                partner="HK", role=opb.TRUST_CERTIFICATE_ROLE_ANCHOR, certificate=leaf.read_bytes()))
    assert (caught.value.code, caught.value.field_path) == ("TRUST_ANCHOR_NOT_CA", "certificate")
    assert "pinned" in caught.value.message
    # The CLI names the file it was given, online and offline, for either CA role.
    with pytest.raises(SystemExit) as exited:
        _cli(capsys, net, tls, "trust", "add", "HK", str(leaf))
    assert str(leaf) in str(exited.value) and "TRUST_ANCHOR_NOT_CA" in str(exited.value)
    with pytest.raises(SystemExit) as exited:
        main(["trust", "add", "HK", str(leaf), "--role", "intermediate", "--config", str(net.files["CN"].config)])
    assert str(leaf) in str(exited.value) and "TRUST_ANCHOR_NOT_CA" in str(exited.value)
    assert not [r for r in net.apps["CN"].trustbook.records("HK") if r.fingerprint == fingerprint]
    # Pinned, the same certificate is accepted.
    code, row = _cli(capsys, net, tls, "trust", "add", "HK", str(leaf), "--role", "pinned")
    assert code == 0 and (row["fingerprint"], row["role"]) == (fingerprint, "pinned")


def test_export_is_labelled_online_and_split_into_files_offline(secured: tuple[Network, DomesticTls],
                                                                tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    net, tls = secured
    keys = net.files["CN"].folder / "keys"
    expected = {role: x509.load_pem_x509_certificate((keys / f"{name}.cert.pem").read_bytes())
                for role, name in (("ca", "ca"), ("signing", "signing"), ("tls", "tls"))}
    code, bundle = _cli(capsys, net, tls, "trust", "export")
    assert code == 0 and "party CN" in bundle
    # Each certificate follows its label; any PEM reader takes the bundle as it is.
    labelled = {}
    for block in bundle.split("# role: ")[1:]:
        role, _, rest = block.partition("\n")
        labelled[role] = x509.load_pem_x509_certificate(rest[rest.index("-----BEGIN"):].encode())
    assert labelled == expected
    assert len(x509.load_pem_x509_certificates(bundle.encode())) == 3

    out = tmp_path / "cn-export"
    assert main(["trust", "export", "--out", str(out), "--config", str(net.files["CN"].config)]) == 0
    capsys.readouterr()
    assert sorted(p.name for p in out.iterdir()) == ["ca.pem", "manifest.json", "signing.pem", "tls.pem"]
    for role, certificate in expected.items():
        assert x509.load_pem_x509_certificates((out / f"{role}.pem").read_bytes()) == [certificate]
    assert trust.ca_problem(expected["ca"]) is None
    manifest = json.loads((out / "manifest.json").read_text())
    assert {(c["role"], c["file"], c["sha256"]) for c in manifest["certificates"]} == {
        (role, f"{role}.pem", trust.fingerprint(c)) for role, c in expected.items()}


def test_statistics_and_alerts_online_match_offline(secured: tuple[Network, DomesticTls],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    net, tls = secured
    from tests.integration.network import wait_for

    record = example("coo-cn-hk")
    record["certificate"]["number"] = "K25STATS0001"
    with _client(net, tls, operator=False) as hub:
        sent = hub.submit("HK", DocumentType.CERTIFICATE_OF_ORIGIN, record_bytes(record))
    repository = net.apps["CN"].repository
    wait_for(lambda: repository.get(sent.message_id).status.value == "DELIVERED")
    config = str(net.files["CN"].config)
    code, online = _cli(capsys, net, tls, "stats", "--days", "1")
    assert code == 0
    assert main(["stats", "--json", "--config", config, "--since", online["since"]]) == 0
    offline = json.loads(capsys.readouterr().out)
    assert online == offline
    delivered = [r for r in online["counts"] if r["direction"] == "outbound" and r["status"] == "DELIVERED"]
    assert delivered and all(r["partner"] == "HK" and r["document_type"] == "certificate-of-origin"
                             for r in delivered)
    assert online["latency"]["delivered"] >= 1 and online["latency"]["p50_seconds"] > 0
    assert online["totals"]["partner"]["HK"] == online["total"]

    # The table is for people: headers, no JSON.
    assert main(["stats", "--config", config]) == 0
    table = capsys.readouterr().out
    assert "DOCUMENT TYPE" in table and "P99" in table and "{" not in table

    code, alerts = _cli(capsys, net, tls, "alerts")
    assert code == 0
    assert main(["alerts", "--json", "--config", config]) == 0
    assert json.loads(capsys.readouterr().out) == alerts
    audit_ok = main(["trust", "audit", "--verify", "--config", config]) == 0
    capsys.readouterr()
    assert ("audit_chain_broken" in {a["kind"] for a in alerts}) is (not audit_ok)
    assert main(["alerts", "--config", config, "--fail-on", "critical"]) == (0 if audit_ok else 1)
