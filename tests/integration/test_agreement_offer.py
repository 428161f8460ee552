"""Signed agreement offers: two windows made by ``swgw init`` become partners with ``swgw agreement export`` and
``swgw agreement import`` alone, then exchange certificates of origin both ways; forged, tampered, expired and
unconfirmed offers write nothing."""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509

import trust
from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway.tools.agreement_offer import (
    AgreementOffer,
    AgreementOfferError,
    OfferedDocument,
    append_partner,
    read_offer,
    render_offer,
)
from gateway.app import App, build_app
from gateway.tools.cli import load_settings, main
from gateway.tools.client import GatewayClient
from gateway.core.domain import DocumentType
from gateway.core.trust_export import ExportedCertificate
from tests.integration.network import example, record_bytes, wait_for
from trust import devpki
from trust.keys import SigningIdentity

COO = DocumentType.CERTIFICATE_OF_ORIGIN
PROFILE = "coo-ubl24-cepa-hk"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _init(root: Path, party: str, capsys: pytest.CaptureFixture[str]) -> Path:
    code, _, err = _run(capsys, "init", str(root), "--party", party)
    assert code == 0, err
    return root / party.lower() / "swgw.toml"


def _export(config: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    code, _, err = _run(capsys, "agreement", "export", "--config", str(config), "--out", str(out),
                        "--document", f"certificate-of-origin={PROFILE}")
    assert code == 0, err
    return out


def _ca_fingerprint(config: Path) -> str:
    return trust.fingerprint(x509.load_pem_x509_certificate((config.parent / "keys" / "ca.cert.pem").read_bytes()))


def _identity(config: Path) -> SigningIdentity:
    keys = config.parent / "keys"
    return SigningIdentity.from_pem((keys / "signing.key.pem").read_bytes(), (keys / "signing.cert.pem").read_bytes(),
                                    (keys / "ca.cert.pem").read_bytes())


def _offer(path: Path) -> AgreementOffer:
    return AgreementOffer.from_fields(json.loads(path.read_bytes())["offer"])


@pytest.fixture
def windows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path, Path]:
    """CN's and HK's configurations from ``swgw init``, and HK's offer."""
    cn, hk = _init(tmp_path, "CN", capsys), _init(tmp_path, "HK", capsys)
    return cn, hk, _export(hk, tmp_path / "hk-offer.json", capsys)


def _untouched(config: Path, before: str) -> None:
    assert config.read_text() == before
    assert not (config.parent / "trust").exists()
    assert load_settings(config).partners == ()




@pytest.fixture
def running() -> Iterator[list[App]]:
    apps: list[App] = []
    yield apps
    for app in apps:
        app.stop(grace=1)


def _delivered(app: App, partner: str, record: str) -> None:
    with GatewayClient(f"127.0.0.1:{app.domestic_port}", timeout=20) as client:
        response = client.submit(partner, COO, record_bytes(example(record)))
        summary = wait_for(lambda: (s := client.status(response.message_id)).status in (
            pb.MESSAGE_STATUS_DELIVERED, pb.MESSAGE_STATUS_REJECTED, pb.MESSAGE_STATUS_FAILED) and s, timeout=30)
    assert summary.status == pb.MESSAGE_STATUS_DELIVERED, summary.last_error


def test_two_windows_become_partners_by_offers_and_exchange_both_ways(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], running: list[App]
) -> None:
    cn, hk = _init(tmp_path, "CN", capsys), _init(tmp_path, "HK", capsys)
    hk_offer, cn_offer = _export(hk, tmp_path / "hk.json", capsys), _export(cn, tmp_path / "cn.json", capsys)
    # Each side compares the CA fingerprint it received out of band (here: read from the partner's key folder).
    code, out, err = _run(capsys, "agreement", "import", str(hk_offer), "--config", str(cn),
                          "--fingerprint", _ca_fingerprint(hk))
    assert code == 0, err
    assert "added partner HK" in out and "CA fingerprint (SHA-256)" in out
    code, _, err = _run(capsys, "agreement", "import", str(cn_offer), "--config", str(hk),
                        "--fingerprint", _ca_fingerprint(cn).upper())
    assert code == 0, err

    partner = load_settings(cn).partner("HK")
    assert (partner.endpoint, partner.tls_server_name) == (load_settings(hk).partner_listener.address,
                                                           "hk.gateway.test")
    assert partner.mapping_profiles == {COO: PROFILE}
    assert (cn.parent / "trust" / "hk-ca.pem").read_bytes() == (hk.parent / "keys" / "ca.cert.pem").read_bytes()
    assert "# HK: added by `swgw agreement import`" in cn.read_text()
    # The anchor is in the trust store already, audited as the account that imported it.
    code, out, _ = _run(capsys, "trust", "audit", "--config", str(cn), "--json")
    entries = json.loads(out)
    assert [(e["action"], e["actor_kind"], e["details"]["partner"]) for e in entries] == [
        ("trust.add", "os-user", "HK")]

    for config in (cn, hk):
        app = build_app(load_settings(config))
        app.start()
        running.append(app)
    _delivered(running[0], "HK", "coo-cn-hk")
    _delivered(running[1], "CN", "coo-hk-cn")


def test_a_wrong_fingerprint_writes_nothing(windows: tuple[Path, Path, Path],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    cn, _, offer = windows
    before = cn.read_text()
    code, _, err = _run(capsys, "agreement", "import", str(offer), "--config", str(cn),
                        "--fingerprint", _ca_fingerprint(cn))
    assert code == 1 and "AGREEMENT_OFFER_FINGERPRINT_MISMATCH" in err
    _untouched(cn, before)


def test_a_tampered_offer_is_refused(windows: tuple[Path, Path, Path], tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    cn, hk, offer = windows
    before = cn.read_text()
    document = json.loads(offer.read_bytes())
    # Another endpoint in the signed payload, the signature kept.
    header, payload, signature = document["jws"].split(".")
    fields = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    fields["endpoint"] = "attacker.example:7443"
    forged = base64.urlsafe_b64encode(json.dumps(fields, separators=(",", ":"), sort_keys=True).encode())
    document["jws"] = ".".join((header, forged.decode().rstrip("="), signature))
    document["offer"] = fields
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(document))
    code, _, err = _run(capsys, "agreement", "import", str(tampered), "--config", str(cn),
                        "--fingerprint", _ca_fingerprint(hk))
    assert code == 1 and "SIGNATURE_INVALID" in err
    _untouched(cn, before)
    # Only the readable copy changed: what a person reads must be what was signed.
    document = json.loads(offer.read_bytes())
    document["offer"]["endpoint"] = "attacker.example:7443"
    tampered.write_text(json.dumps(document))
    with pytest.raises(trust.SignatureInvalid, match="readable offer differs"):
        read_offer(tampered.read_bytes(), at=datetime.now(UTC))


def test_an_offer_signed_outside_its_ca_is_refused(windows: tuple[Path, Path, Path]) -> None:
    _, hk, offer = windows
    other = devpki.create_ca("Someone Else CA", at=datetime.now(UTC))
    forged = dataclasses.replace(_offer(offer), certificates=tuple(
        ExportedCertificate("ca", other.certificate) if c.role == "ca" else c for c in _offer(offer).certificates))
    with pytest.raises(trust.CertificateUntrusted):
        read_offer(render_offer(forged, _identity(hk)), at=datetime.now(UTC))


def test_an_expired_offer_is_refused(windows: tuple[Path, Path, Path]) -> None:
    _, _, offer = windows
    valid_until = _offer(offer).valid_until
    assert read_offer(offer.read_bytes(), at=valid_until).offer.party == "HK"
    with pytest.raises(AgreementOfferError) as caught:
        read_offer(offer.read_bytes(), at=valid_until + timedelta(seconds=1))
    assert (caught.value.code, caught.value.field_path) == ("AGREEMENT_OFFER_EXPIRED", "offer.valid_until")


def test_a_leaf_offered_as_ca_is_refused(windows: tuple[Path, Path, Path], tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    cn, hk, offer = windows
    before = cn.read_text()
    original = _offer(offer)
    leaf = original.role("signing")[0]
    forged = dataclasses.replace(original, certificates=tuple(
        ExportedCertificate("ca", leaf) if c.role == "ca" else c for c in original.certificates))
    path = tmp_path / "leaf.json"
    path.write_bytes(render_offer(forged, _identity(hk)))
    code, _, err = _run(capsys, "agreement", "import", str(path), "--config", str(cn), "--fingerprint",
                        trust.fingerprint(leaf))
    assert code == 1 and "TRUST_ANCHOR_NOT_CA" in err
    _untouched(cn, before)


def test_an_unknown_profile_is_refused(windows: tuple[Path, Path, Path], tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    _, hk, offer = windows
    forged = dataclasses.replace(_offer(offer), documents=(
        OfferedDocument("certificate-of-origin", "coo-ubl24-nowhere", "urn:example"),))
    with pytest.raises(AgreementOfferError) as caught:
        read_offer(render_offer(forged, _identity(hk)), at=datetime.now(UTC))
    assert (caught.value.code, caught.value.field_path) == ("AGREEMENT_OFFER_PROFILE_UNKNOWN",
                                                            "offer.documents[0]")
    code, _, err = _run(capsys, "agreement", "export", "--config", str(hk), "--out", str(tmp_path / "x.json"),
                        "--document", "certificate-of-origin=manifest-efti-consignment")
    assert code == 1 and "AGREEMENT_OFFER_PROFILE_UNKNOWN" in err
    assert not (tmp_path / "x.json").exists()


def test_a_configured_partner_is_refused(windows: tuple[Path, Path, Path],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    cn, hk, offer = windows
    argv = ("agreement", "import", str(offer), "--config", str(cn), "--fingerprint", _ca_fingerprint(hk))
    assert _run(capsys, *argv)[0] == 0
    after = cn.read_text()
    code, _, err = _run(capsys, *argv)
    assert code == 1 and "AGREEMENT_PARTNER_CONFIGURED" in err
    assert cn.read_text() == after


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_operator_is_asked_and_no_writes_nothing(windows: tuple[Path, Path, Path],
                                                     capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    cn, _, offer = windows
    before = cn.read_text()
    monkeypatch.setattr("sys.stdin", _Terminal("n\n"))
    code, out, err = _run(capsys, "agreement", "import", str(offer), "--config", str(cn))
    assert code == 1 and "AGREEMENT_IMPORT_NOT_CONFIRMED" in err
    assert "Compare this fingerprint" in out and "[y/N]" in out
    _untouched(cn, before)
    # Without a terminal and without --fingerprint or --yes there is nobody to ask: refused.
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    code, _, err = _run(capsys, "agreement", "import", str(offer), "--config", str(cn))
    assert code == 1 and "no terminal" in err
    _untouched(cn, before)
    monkeypatch.setattr("sys.stdin", _Terminal("y\n"))
    code, _, err = _run(capsys, "agreement", "import", str(offer), "--config", str(cn))
    assert code == 0, err
    assert load_settings(cn).partner("HK").trust_anchor_files == (str(cn.parent / "trust" / "hk-ca.pem"),)


def test_append_keeps_the_file_and_replaces_an_empty_partners_list(tmp_path: Path) -> None:
    config = '# our gateway\npartners = []\n\n[gateway]\nparty = "CN" # us\n'
    table = '[[partners]]\nparty = "HK"\nendpoint = "h:1"\ntls_server_name = "h"\n[partners.documents]\n'
    text = append_partner(config, table)
    assert text.startswith("# our gateway\n# partners = []") and '"CN" # us\n' in text
    assert tomllib.loads(text)["partners"][0]["party"] == "HK"


def test_text_that_would_reach_the_configuration_or_the_terminal_is_checked(
    windows: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cn, hk, offer = windows
    before = cn.read_text()
    # The offer id goes into a comment line of the configuration: a line break would add TOML of its own.
    forged = dataclasses.replace(_offer(offer), offer_id='x\n[[partners]]\nparty = "ZZ"')
    with pytest.raises(AgreementOfferError) as caught:
        read_offer(render_offer(forged, _identity(hk)), at=datetime.now(UTC))
    assert (caught.value.code, caught.value.field_path) == ("AGREEMENT_OFFER_MALFORMED", "offer.offer_id")
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\xff[" * 10)
    code, _, err = _run(capsys, "agreement", "import", str(garbage), "--config", str(cn), "--yes")
    assert code == 1 and err.startswith("swgw: AGREEMENT_OFFER_MALFORMED: the offer file is not JSON")
    _untouched(cn, before)
