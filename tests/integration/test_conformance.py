"""The conformance kit against swgw itself (every check passes, both roles) and against a broken peer (the right
checks fail)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from concurrent import futures
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import pytest

import mappings
from gateway.adapters.coo_pdf import render_certificate_pdf
from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway._generated.swgw.v1 import partner_exchange_pb2 as ppb
from gateway._generated.swgw.v1 import partner_exchange_pb2_grpc as ppb_grpc
from gateway.tools.conformance.checks import checks_for
from gateway.tools.conformance.identity import KIT_SERVER_NAME, KitIdentity, load_or_create
from gateway.tools.conformance.receiver import ReceiverOptions, run_receiver
from gateway.tools.conformance.report import Report, write_report
from gateway.tools.conformance.sender import SenderOptions, run_sender
from gateway.tools.devsetup import free_port, server_name
from gateway.core.domain import Action, DocumentType, PartyId, Receipt, ReceiptOutcome, sha256_hex
from gateway.core.partners import PartnerProfile
from gateway.pipeline.signatures import sign_receipt
from gateway.pipeline.steps import SubmitCommand, prepare_outbound
from gateway.transports import codec
from trust import devpki

from tests.integration.network import record_bytes, running_network, wait_for

PROFILE = "coo-ubl24-acfta-forme"
LIMIT = 300_000


@pytest.fixture()
def kit(tmp_path: Path) -> KitIdentity:
    identity, created = load_or_create(tmp_path / "kit", at=datetime.now(UTC))
    assert created and identity.ca_path.read_bytes() == identity.ca_pem
    # A second run reuses the identity the partner already trusts.
    again, created_again = load_or_create(tmp_path / "kit", at=datetime.now(UTC))
    assert not created_again and again.ca_fingerprint == identity.ca_fingerprint
    return identity


def _kit_partner(kit: KitIdentity, endpoint: str) -> dict[str, Any]:
    """The [[partners]] entry a swgw gateway gets for the kit (party ZZ)."""
    return {"party": "ZZ", "endpoint": endpoint, "tls_server_name": KIT_SERVER_NAME,
            "trust_anchors": [str(kit.ca_path)], "documents": {"certificate-of-origin": PROFILE},
            "max_payload_bytes": LIMIT}


def _check_report_files(report: Report, out: Path) -> dict[str, Any]:
    json_path, html_path = write_report(report, out)
    data: dict[str, Any] = json.loads(json_path.read_text())
    role_checks = checks_for(report.role)
    assert [c["id"] for c in data["checks"]] == [c.id for c in role_checks]
    assert all(c["section"] and c["title"] and c["evidence"] for c in data["checks"])
    html = html_path.read_text()
    assert html.count("<tr class=") == len(role_checks)
    for c in role_checks:
        assert f"<td>{c.id}</td>" in html
    return data


def test_kit_as_sender_against_swgw_passes_every_check(tmp_path: Path, kit: KitIdentity) -> None:
    def configure(party: str, data: dict[str, Any]) -> None:
        data["partners"].append(_kit_partner(kit, "127.0.0.1:9"))

    with running_network(tmp_path / "net", ("CN",), {}, configure=configure) as net:
        files = net.files["CN"]
        report = run_sender(SenderOptions(
            endpoint=f"127.0.0.1:{files.partner_port}", server_name=server_name("CN"),
            partner_ca_pem=files.ca_certificate.read_bytes(), party="CN", profile=PROFILE, max_payload_bytes=LIMIT,
        ), kit)
    statuses = {r.check.id: (r.status, r.evidence) for r in report.results}
    assert all(status == "pass" for status, _ in statuses.values()), statuses
    data = _check_report_files(report, tmp_path / "out" / "sender")
    assert data["summary"] == {"passed": len(checks_for("sender")), "failed": 0, "skipped": 0, "result": "pass"}
    assert "DUPLICATE_CONFLICT" in statuses["sender.duplicate-conflict"][1]
    assert "receipt RECEIPT_OUTCOME_REJECTED (RECORD_INVALID)" in statuses["sender.invalid-document"][1]


def test_swgw_conformance_command_writes_both_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from gateway.tools.cli import main

    kit_dir = tmp_path / "kit"
    kit_ca = load_or_create(kit_dir, at=datetime.now(UTC))[0].ca_path

    def configure(party: str, data: dict[str, Any]) -> None:
        data["partners"].append({"party": "ZZ", "endpoint": "127.0.0.1:9", "tls_server_name": KIT_SERVER_NAME,
                                 "trust_anchors": [str(kit_ca)], "documents": {"certificate-of-origin": PROFILE}})

    with running_network(tmp_path / "net", ("CN",), {}, configure=configure) as net:
        files = net.files["CN"]
        code = main(["conformance", "sender", "--endpoint", f"127.0.0.1:{files.partner_port}", "--server-name",
                     server_name("CN"), "--partner-ca", str(files.ca_certificate), "--party", "CN", "--kit-dir",
                     str(kit_dir), "--out", str(tmp_path / "report")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"kit identity reused in {kit_dir}" in out and str(kit_ca) in out
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["summary"]["result"] == "pass" and data["partner"] == "CN" and data["kit_party"] == "ZZ"
    assert (tmp_path / "report.html").read_text().count("<tr class=") == len(checks_for("sender"))


@pytest.mark.parametrize(("argv", "ca_pem", "message"), [
    (["--profile", "no-such-profile"], None, "swgw: PROFILE_UNKNOWN: "),
    (["--example", "no-such-example"], None, "swgw: EXAMPLE_UNKNOWN: "),
    (["--profile", "sps-ephyto-17"], None, "swgw: no shipped example for profile 'sps-ephyto-17'"),
    ([], b"not a certificate", "swgw: "),
])
def test_swgw_conformance_refuses_bad_options_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], ca_pem: bytes | None, message: str
) -> None:
    from gateway.tools.cli import main

    ca = tmp_path / "ca.pem"
    ca.write_bytes(ca_pem or devpki.create_ca("Some CA", at=datetime.now(UTC)).cert_pem())
    code = main(["conformance", "sender", "--endpoint", "127.0.0.1:9", "--server-name", "x", "--partner-ca", str(ca),
                 "--party", "HK", "--kit-dir", str(tmp_path / "kit"), "--out", str(tmp_path / "r"), *argv])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith(message) and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "kit").exists() and not (tmp_path / "r.json").exists()


def test_kit_as_receiver_with_swgw_delivering_passes_every_check(tmp_path: Path, kit: KitIdentity) -> None:
    port = free_port()

    def configure(party: str, data: dict[str, Any]) -> None:
        data["partners"].append(_kit_partner(kit, f"127.0.0.1:{port}"))

    with running_network(tmp_path / "net", ("CN",), {}, configure=configure) as net:
        files = net.files["CN"]
        reports: list[Report] = []
        listening = threading.Event()
        receiver = threading.Thread(target=lambda: reports.append(run_receiver(ReceiverOptions(
            listen=f"127.0.0.1:{port}", party="CN", partner_ca_pem=files.ca_certificate.read_bytes(),
            profile=PROFILE, expect=3, duration_seconds=60, max_payload_bytes=LIMIT,
        ), kit, on_listening=lambda _port: listening.set())))
        receiver.start()
        assert listening.wait(20)
        ids = []
        with net.client("CN") as client:
            for number in ("E254500000401", "E254500000402", "E254500000403"):
                record = mappings.load_example("coo-cn-vn", issued_on=datetime.now(UTC).date())
                record["certificate"]["number"] = number
                ids.append(client.submit("ZZ", DocumentType.CERTIFICATE_OF_ORIGIN, record_bytes(record)).message_id)
            receiver.join(70)
            # The gateway verified the kit's receipts: every message ends DELIVERED.
            for message_id in ids:
                summary = wait_for(lambda: (s := client.status(message_id)).status in (
                    pb.MESSAGE_STATUS_DELIVERED, pb.MESSAGE_STATUS_FAILED, pb.MESSAGE_STATUS_REJECTED) and s)
                assert summary.status == pb.MESSAGE_STATUS_DELIVERED, summary.last_error
    report = reports[0]
    statuses = {r.check.id: (r.status, r.evidence) for r in report.results}
    # swgw never needs GetReceipt (it keeps every receipt it was answered): that check is not exercised.
    assert statuses.pop("receiver.get-receipt")[0] == "skipped"
    assert all(status == "pass" for status, _ in statuses.values()), statuses
    assert "3 messages received" in statuses["receiver.deliveries"][1]
    data = _check_report_files(report, tmp_path / "out" / "receiver")
    assert data["summary"]["failed"] == 0 and data["summary"]["result"] == "pass"


class _BrokenPeer(ppb_grpc.PartnerExchangeServiceServicer):
    """Accepts everything, signs its receipts with a key of a CA it never gave out, and answers every delivery,
    a repeated one too, with a new receipt. GetReceipt is left unimplemented."""

    def __init__(self, signer: devpki.IssuedCertificate) -> None:
        self._signer = signer

    def Deliver(self, request: ppb.DeliverRequest, context: grpc.ServicerContext) -> ppb.DeliverResponse:  # noqa: N802
        envelope = request.envelope
        receipt = Receipt(message_id=envelope.message_id, receipt_id=str(uuid.uuid4()), issuer=PartyId("BK"),
                          outcome=ReceiptOutcome.ACCEPTED, payload_sha256=sha256_hex(envelope.payload),
                          received_at=datetime.now(UTC))
        signed = sign_receipt(receipt, self._signer.identity())
        return ppb.DeliverResponse(receipt=codec.receipt_to_proto(signed))


@pytest.fixture()
def broken_peer() -> Iterator[tuple[int, bytes]]:
    now = datetime.now(UTC)
    ca = devpki.create_ca("Broken Peer CA", at=now)
    tls = devpki.issue_certificate(ca, "bk.gateway.test", at=now, usage="tls", dns_names=("bk.gateway.test",))
    other = devpki.create_ca("Broken Peer Other CA", at=now)
    signer = devpki.issue_certificate(other, "Broken Peer Signing", at=now, usage="signing")
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4),
                         options=[("grpc.max_receive_message_length", 2 * LIMIT)])
    ppb_grpc.add_PartnerExchangeServiceServicer_to_server(_BrokenPeer(signer), server)  # type: ignore[no-untyped-call]
    port = server.add_secure_port("127.0.0.1:0", grpc.ssl_server_credentials([(tls.key_pem(), tls.cert_pem())]))
    server.start()
    try:
        yield port, ca.cert_pem()
    finally:
        server.stop(grace=None)


def test_kit_as_sender_against_a_broken_peer_fails_the_right_checks(
    tmp_path: Path, kit: KitIdentity, broken_peer: tuple[int, bytes]
) -> None:
    port, ca = broken_peer
    report = run_sender(SenderOptions(endpoint=f"127.0.0.1:{port}", server_name="bk.gateway.test", partner_ca_pem=ca,
                                      party="BK", profile=PROFILE, max_payload_bytes=LIMIT), kit)
    assert sorted(report.failed_ids()) == sorted([
        "sender.receipt-signature", "sender.replay-same-receipt", "sender.get-receipt", "sender.duplicate-conflict",
        "sender.invalid-envelope", "sender.invalid-document", "sender.tampered-payload", "sender.tampered-field",
        "sender.stale", "sender.future", "sender.oversized", "sender.wrong-algorithm", "sender.foreign-ca",
        "sender.unknown-format",
    ])
    passed = sorted(r.check.id for r in report.results if r.status == "pass")
    assert passed == ["sender.tls", "sender.valid-accepted"]
    evidence = {r.check.id: r.evidence for r in report.results}
    assert "CERTIFICATE_UNTRUSTED" in evidence["sender.receipt-signature"]
    assert "UNIMPLEMENTED" in evidence["sender.get-receipt"]
    data = _check_report_files(report, tmp_path / "out" / "broken")
    assert data["summary"]["result"] == "fail" and data["summary"]["failed"] == 14


class _HandSender:
    """A sender driven call by call by the test: its own CA, TLS and signing certificates, party BS."""

    def __init__(self, kit: KitIdentity) -> None:
        now = datetime.now(UTC)
        self.ca = devpki.create_ca("Hand Sender CA", at=now)
        self.tls = devpki.issue_certificate(self.ca, "bs.gateway.test", at=now, usage="tls",
                                           dns_names=("bs.gateway.test",))
        self.signing = devpki.issue_certificate(self.ca, "Hand Sender Signing", at=now, usage="signing").identity()
        self.kit = kit
        self.profile = PartnerProfile(party=PartyId("ZZ"), endpoint="", tls_server_name=KIT_SERVER_NAME,
                                      mapping_profiles={DocumentType.CERTIFICATE_OF_ORIGIN: PROFILE})
        self.port = free_port()
        self.stop = threading.Event()
        self.reports: list[Report] = []

    def envelope(self, number: str, identity: Any = None, message_id: str | None = None) -> pb.Envelope:
        record = mappings.load_example("coo-cn-vn", issued_on=datetime.now(UTC).date())
        record["certificate"]["number"] = number
        command = SubmitCommand(receiver="ZZ", document_type=DocumentType.CERTIFICATE_OF_ORIGIN,
                                action=Action.ISSUE, record_json=record_bytes(record))
        prepared = prepare_outbound(command, sender=PartyId("BS"), profile=self.profile,
                                    identity=identity or self.signing, message_id=message_id or str(uuid.uuid4()),
                                    created_at=datetime.now(UTC), render_pdf=render_certificate_pdf)
        return codec.envelope_to_proto(prepared.envelope)

    def start_kit(self, expect: int) -> threading.Thread:
        listening = threading.Event()
        receiver = threading.Thread(target=lambda: self.reports.append(run_receiver(ReceiverOptions(
            listen=f"127.0.0.1:{self.port}", party="BS", partner_ca_pem=self.ca.cert_pem(), profile=PROFILE,
            expect=expect, duration_seconds=120,
        ), self.kit, on_listening=lambda _port: listening.set(), stop=self.stop)))
        receiver.start()
        assert listening.wait(20)
        return receiver

    @contextmanager
    def stub(self) -> Iterator[ppb_grpc.PartnerExchangeServiceStub]:
        credentials = grpc.ssl_channel_credentials(root_certificates=self.kit.ca_pem, private_key=self.tls.key_pem(),
                                                   certificate_chain=self.tls.cert_pem())
        with grpc.secure_channel(f"127.0.0.1:{self.port}", credentials,
                                 options=[("grpc.ssl_target_name_override", KIT_SERVER_NAME)]) as channel:
            yield ppb_grpc.PartnerExchangeServiceStub(channel)  # type: ignore[no-untyped-call]


def _call(method: Any, request: Any) -> tuple[str, Any]:
    try:
        return "OK", method(request, timeout=20)
    except grpc.RpcError as e:
        return e.code().name, None


def test_kit_as_receiver_recovers_a_lost_answer_through_get_receipt(kit: KitIdentity) -> None:
    hand = _HandSender(kit)
    receiver = hand.start_kit(expect=1)
    message = hand.envelope("E254500000601")
    with hand.stub() as stub:
        transient, _ = _call(stub.Deliver, ppb.DeliverRequest(envelope=message))
        lost, _ = _call(stub.Deliver, ppb.DeliverRequest(envelope=message))
        fetched, response = _call(stub.GetReceipt, ppb.GetReceiptRequest(message_id=message.message_id))
    # The kit ends by itself: the one expected message went through and its lost answer was recovered.
    receiver.join(60)
    assert not receiver.is_alive() and not hand.stop.is_set()
    assert (transient, lost, fetched) == ("UNAVAILABLE", "UNAVAILABLE", "OK")
    assert response.receipt.message_id == message.message_id
    assert response.receipt.outcome == pb.RECEIPT_OUTCOME_ACCEPTED
    statuses = {r.check.id: (r.status, r.evidence) for r in hand.reports[0].results}
    assert all(status == "pass" for status, _ in statuses.values()), statuses
    assert "asked GetReceipt after the lost answer" in statuses["receiver.lost-answer"][1]


def test_kit_as_receiver_with_a_broken_sender_fails_the_right_checks(tmp_path: Path, kit: KitIdentity) -> None:
    """A sender that gives up after a transient failure, retries with other content, signs with a CA the kit was
    not told about, and asks for a receipt of a message it never delivered."""
    hand = _HandSender(kit)
    now = datetime.now(UTC)
    foreign = devpki.issue_certificate(devpki.create_ca("Unknown CA", at=now), "Unknown Signing", at=now,
                                       usage="signing").identity()
    receiver = hand.start_kit(expect=1)
    first = hand.envelope("E254500000501")
    again = hand.envelope("E254500000502", message_id=first.message_id)  # same id, other content
    abandoned = hand.envelope("E254500000503")  # never sent again after UNAVAILABLE
    unknown = hand.envelope("E254500000504", foreign)
    with hand.stub() as stub:
        codes = [_call(stub.Deliver, ppb.DeliverRequest(envelope=m))[0] for m in (first, again, abandoned, unknown)]
        # A receipt for a message never delivered.
        codes.append(_call(stub.GetReceipt, ppb.GetReceiptRequest(message_id=str(uuid.uuid4())))[0])
    hand.stop.set()
    receiver.join(30)
    assert codes == ["UNAVAILABLE", "ALREADY_EXISTS", "UNAVAILABLE", "PERMISSION_DENIED", "NOT_FOUND"]
    report = hand.reports[0]
    statuses = {r.check.id: r.status for r in report.results}
    assert sorted(report.failed_ids()) == ["receiver.deliveries", "receiver.envelope-signature",
                                           "receiver.get-receipt", "receiver.retry", "receiver.retry-same-content"]
    assert statuses["receiver.tls"] == statuses["receiver.envelope-fields"] == statuses["receiver.document"] == "pass"
    assert statuses["receiver.lost-answer"] == "skipped"
    evidence = {r.check.id: r.evidence for r in report.results}
    assert first.message_id in evidence["receiver.retry-same-content"]
    # Only the message answered UNAVAILABLE and never sent again fails the retry check: not the one sent again
    # (with other content), nor the one refused for its signature, which must not be retried.
    assert abandoned.message_id in evidence["receiver.retry"]
    assert first.message_id not in evidence["receiver.retry"] and unknown.message_id not in evidence["receiver.retry"]
    assert "CERTIFICATE_UNTRUSTED" in evidence["receiver.envelope-signature"]
    data = _check_report_files(report, tmp_path / "out" / "broken-sender")
    assert data["summary"] == {"passed": 4, "failed": 5, "skipped": 1, "result": "fail"}


def test_swgw_conformance_receiver_command_passes_a_well_behaved_sender(
    tmp_path: Path, kit: KitIdentity, capsys: pytest.CaptureFixture[str]
) -> None:
    from gateway.tools.cli import main

    hand = _HandSender(kit)
    ca = tmp_path / "bs-ca.pem"
    ca.write_bytes(hand.ca.cert_pem())
    codes: list[int] = []
    command = threading.Thread(target=lambda: codes.append(main([
        "conformance", "receiver", "--listen", f"127.0.0.1:{hand.port}", "--party", "BS", "--partner-ca", str(ca),
        "--kit-dir", str(kit.folder), "--expect", "1", "--duration", "120", "--out", str(tmp_path / "receiver"),
    ])))
    command.start()
    message = hand.envelope("E254500000701")
    answers = []
    with hand.stub() as stub:
        # A sender retrying as the guide says: the same envelope until a receipt comes (the kit may not listen yet).
        for _ in range(50):
            status, response = _call(stub.Deliver, ppb.DeliverRequest(envelope=message))
            answers.append(status)
            if status == "OK":
                break
            time.sleep(0.2)
    command.join(60)
    out = capsys.readouterr().out
    assert codes == [0], out
    assert answers[-3:] == ["UNAVAILABLE", "UNAVAILABLE", "OK"] and response.receipt.message_id == message.message_id
    assert f"listening on port {hand.port}" in out and "0 failed" in out
    data = json.loads((tmp_path / "receiver.json").read_text())
    assert data["summary"]["result"] == "pass" and data["role"] == "receiver" and data["partner"] == "BS"
