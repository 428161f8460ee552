"""``swgw demo``: four single windows (CN, HK, MO, VN) on loopback exchanging real signed documents.

Each gateway runs as its own ``swgw serve`` process with its own development CA, keys, SQLite database and
configuration. CN, HK and MO speak swgw's gRPC; VN, an ASEAN member, is reached over AS4 (ebMS 3.0 User Messages
signed with its RSA key, signed receipts), as a window running an eDelivery access point would be. The demo
submits certificates of origin CN->HK, CN->MO, HK->CN, and CN->VN and VN->CN both as China-ASEAN Form E and as
RCEP, plus a cargo manifest, waits for the signed receipts, takes the documents over on the receiving domestic side,
and prints a trace. CN and VN then exchange an SPS (phytosanitary) certificate each way through a local IPPC ePhyto
Hub simulator (:mod:`gateway.tools.demo_hub`). Any failed step is named and the exit status is non-zero.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import mappings
import trust
from trust import devpki

from .._generated.swgw.v1 import envelope_pb2 as pb
from ..core.domain import DocumentType
from ..pipeline.signatures import SIGNATURE_NAME
from .client import ClientError, GatewayClient
from .demo_hub import configure_hub, hub_material, run_hub_exchanges
from .devsetup import WindowFiles, write_network

__all__ = ["run_demo"]

PARTIES = ("CN", "HK", "MO", "VN")
AGREEMENTS: dict[tuple[str, str], dict[str, str | list[str]]] = {
    ("CN", "HK"): {"certificate-of-origin": "coo-ubl24-cepa-hk"},
    ("CN", "MO"): {"certificate-of-origin": "coo-ubl24-cepa-mo", "cargo-manifest": "manifest-efti-consignment"},
    # Two certificates of origin under one agreement: each record goes by the profile of its FTA.
    ("CN", "VN"): {"certificate-of-origin": ["coo-ubl24-acfta-forme", "coo-ubl24-rcep"]},
}
#: The agreements whose partners are reached over AS4 rather than swgw gRPC.
AS4_PAIRS = (("CN", "VN"),)
#: VN signs with RSA (RSA-SHA256 is what eDelivery access points such as Domibus expect by default).
KEYS: dict[str, devpki.KeyKind] = {"VN": "rsa"}


@dataclass(frozen=True)
class Exchange:
    """One document the demo sends."""

    sender: str
    receiver: str
    document_type: DocumentType
    example: str
    expect_rejection: bool = False


EXCHANGES = (
    Exchange("CN", "HK", DocumentType.CERTIFICATE_OF_ORIGIN, "coo-cn-hk"),
    Exchange("CN", "MO", DocumentType.CERTIFICATE_OF_ORIGIN, "coo-cn-mo"),
    Exchange("HK", "CN", DocumentType.CERTIFICATE_OF_ORIGIN, "coo-hk-cn"),
    Exchange("CN", "MO", DocumentType.CARGO_MANIFEST, "manifest-cn-mo-single"),
    Exchange("CN", "VN", DocumentType.CERTIFICATE_OF_ORIGIN, "coo-cn-vn"),
    Exchange("VN", "CN", DocumentType.CERTIFICATE_OF_ORIGIN, "coo-vn-cn"),
    Exchange("CN", "VN", DocumentType.CERTIFICATE_OF_ORIGIN, "coo-cn-vn-rcep"),
    Exchange("VN", "CN", DocumentType.CERTIFICATE_OF_ORIGIN, "coo-vn-cn-rcep"),
    Exchange("CN", "HK", DocumentType.CERTIFICATE_OF_ORIGIN, "coo-invalid", expect_rejection=True),
)


class DemoFailure(Exception):
    """A demo step failed."""


def _say(text: str = "") -> None:
    print(text, flush=True)


@contextmanager
def _gateways(windows: dict[str, WindowFiles], verbose: bool) -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for party, files in windows.items():
            log = None if verbose else (files.folder / "gateway.log").open("wb")
            processes[party] = subprocess.Popen(
                [sys.executable, "-m", "gateway.tools.cli", "--log-level", "INFO", "serve", "--config", str(files.config)],
                stdout=log, stderr=subprocess.STDOUT if log else None,
            )
        yield processes
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_ready(windows: dict[str, WindowFiles], processes: dict[str, subprocess.Popen[bytes]]) -> None:
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    deadline = time.monotonic() + 60
    for party, files in windows.items():
        with GatewayClient(f"127.0.0.1:{files.domestic_port}") as client:
            while True:
                if processes[party].poll() is not None:
                    raise DemoFailure(f"gateway {party} exited with {processes[party].returncode}; "
                                      f"see {files.folder / 'gateway.log'}")
                try:
                    client.wait_ready(timeout=1)
                    stub = health_pb2_grpc.HealthStub(client._channel)
                    status = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=2).status
                    if status == health_pb2.HealthCheckResponse.SERVING:
                        break
                except Exception:  # noqa: BLE001 - not up yet
                    pass
                if time.monotonic() > deadline:
                    raise DemoFailure(f"gateway {party} did not become ready")
                time.sleep(0.2)


STATUS_NAMES = {v.number: v.name.removeprefix("MESSAGE_STATUS_") for v in pb.MessageStatus.DESCRIPTOR.values}


def _wait_final(client: GatewayClient, message_id: str, timeout: float = 30) -> pb.MessageSummary:
    deadline = time.monotonic() + timeout
    while True:
        summary = client.status(message_id)
        name = STATUS_NAMES[summary.status]
        if name in ("DELIVERED", "REJECTED", "FAILED"):
            return summary
        if time.monotonic() > deadline:
            raise DemoFailure(f"message {message_id} still {name} after {timeout:.0f} s")
        time.sleep(0.05)


def _steps(summary: pb.MessageSummary) -> str:
    events = list(summary.history)
    parts = []
    for previous, event in zip([None, *events], events, strict=False):
        took = ""
        if previous is not None:
            ms = (event.at.ToDatetime() - previous.at.ToDatetime()).total_seconds() * 1000
            took = f" +{ms:.1f}ms"
        parts.append(f"{STATUS_NAMES[event.status]}{took}")
    return " -> ".join(parts)


def run_demo(*, out: Path | None, verbose: bool = False) -> int:
    """Run the demo; returns the process exit status."""
    # Absolute: the configurations written below name files by paths the gateways resolve from their own folders.
    root = out.resolve() if out is not None else Path(tempfile.mkdtemp(prefix="swgw-demo-"))
    if out is not None and root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        # CN attaches a PAdES-signed PDF rendering to the certificates it sends to HK.
        windows = write_network(root, PARTIES, AGREEMENTS, at=datetime.now(UTC),
                                options={("CN", "HK"): {"attach_pdf": True}}, as4=AS4_PAIRS,
                                keys=KEYS)
        _say(f"swgw demo: windows {', '.join(PARTIES)}; files in {root}")
        material = hub_material()
        with ExitStack() as stack:
            # CN and VN also exchange SPS certificates, as NPPOs, through a local ePhyto Hub simulator.
            hub = stack.enter_context(configure_hub(root, windows, material[0])) \
                if isinstance(material, tuple) else None
            processes = stack.enter_context(_gateways(windows, verbose))
            _wait_ready(windows, processes)
            _say(f"  gateways ready in {time.perf_counter() - started:.1f}s "
                 + ", ".join(f"{p}: partner :{w.partner_port} domestic :{w.domestic_port}"
                             + (f" AS4 :{w.as4_port}" if w.as4_port else "") for p, w in windows.items()))
            _exchange(windows, root if out is not None else None)
            if hub is not None and isinstance(material, tuple):
                run_hub_exchanges(windows, hub, material[1], root if out is not None else None, say=_say,
                                  wait_final=_wait_final, steps=_steps)
            else:
                _say(f"\nSPS certificates through the ePhyto Hub: skipped ({material})")
    except (DemoFailure, ClientError, OSError) as e:
        _say(f"FAILED: {e}")
        return 1
    finally:
        if out is None:
            shutil.rmtree(root, ignore_errors=True)
    _say(f"demo passed in {time.perf_counter() - started:.1f}s")
    return 0


def _exchange(windows: dict[str, WindowFiles], artifacts: Path | None) -> None:
    sent: list[tuple[Exchange, pb.MessageSummary]] = []
    for exchange in EXCHANGES:
        # Issued today: the agreements refuse certificates past their validity period.
        record = mappings.load_example(exchange.example, issued_on=datetime.now(UTC).date())
        with GatewayClient(f"127.0.0.1:{windows[exchange.sender].domestic_port}") as client:
            label = (f"{exchange.sender}->{exchange.receiver} {exchange.document_type.value} ({exchange.example})"
                     f" over {_transport(exchange.sender, exchange.receiver)}")
            try:
                response = client.submit(exchange.receiver, exchange.document_type,
                                         json.dumps(record, ensure_ascii=False).encode())
            except ClientError as e:
                if not exchange.expect_rejection:
                    raise DemoFailure(f"{label}: submit refused: {e}") from e
                _say(f"\n{label}\n  refused as expected: {e.code} at {e.field_path or '-'}")
                validation = client.validate(exchange.receiver, exchange.document_type,
                                             json.dumps(record, ensure_ascii=False).encode())
                for finding in validation.report.findings[:8]:
                    _say(f"    {pb.Severity.Name(finding.severity).removeprefix('SEVERITY_')}"
                         f" {finding.code} {finding.path}: {finding.message}")
                continue
            if exchange.expect_rejection:
                raise DemoFailure(f"{label}: an invalid record was accepted")
            summary = _wait_final(client, response.message_id)
            status = STATUS_NAMES[summary.status]
            _say(f"\n{label}")
            _say(f"  message {summary.message_id}  business key {summary.business_key.issuer}/"
                 f"{summary.business_key.number}/v{summary.business_key.version}")
            _say(f"  payload sha256 {summary.payload_sha256.hex()}")
            _say(f"  sender: {_steps(summary)}")
            if status != "DELIVERED":
                raise DemoFailure(f"{label}: ended {status}: {summary.last_error.code} {summary.last_error.message}")
            sent.append((exchange, summary))
    # The receiving domestic hubs take the documents over, acknowledging each.
    for party, files in windows.items():
        expected = [s for e, s in sent if e.receiver == party]
        if not expected:
            continue
        with GatewayClient(f"127.0.0.1:{files.domestic_port}") as client:
            documents = client.receive(max_documents=len(expected), timeout=15)
            if {d.message_id for d in documents} != {s.message_id for s in expected}:
                raise DemoFailure(f"{party} domestic hub received {len(documents)} of {len(expected)} documents")
            for document in documents:
                summary = client.status(document.message_id)
                _say(f"\n{document.sender.value}->{party} received {document.message_id} over "
                     f"{_transport(document.sender.value, party)}")
                _say(f"  signer {document.signer_subject} (sha256 {document.signer_fingerprint[:16]}...)")
                _say(f"  receiver: {_steps(summary)}")
                if STATUS_NAMES[summary.status] != "HANDED_OVER":
                    raise DemoFailure(f"{document.message_id} is {STATUS_NAMES[summary.status]} at {party}")
                if artifacts is not None:
                    _save(artifacts, windows, document)


def _transport(a: str, b: str) -> str:
    return "AS4" if (a, b) in AS4_PAIRS or (b, a) in AS4_PAIRS else "swgw gRPC"


def _save(artifacts: Path, windows: dict[str, WindowFiles], document: object) -> None:
    """Keep what was exchanged: the document as received, as sent, and both receipts."""
    from ..app import open_operations
    from .cli import load_settings

    doc = document  # InboundDocument
    folder = artifacts / "exchanged" / doc.message_id  # type: ignore[attr-defined]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "received.xml").write_bytes(doc.signed_document)  # type: ignore[attr-defined]
    for attachment in doc.attachments:  # type: ignore[attr-defined]
        (folder / attachment.name).write_bytes(attachment.content)
    (folder / "received-record.json").write_bytes(doc.record_json)  # type: ignore[attr-defined]
    sender = doc.sender.value  # type: ignore[attr-defined]
    ops = open_operations(load_settings(windows[sender].config))
    stored = ops.messages.get(doc.message_id)  # type: ignore[attr-defined]
    (folder / "sent.xml").write_bytes(stored.envelope.payload)
    if stored.receipt is not None:
        (folder / "receipt.json").write_text(stored.receipt.to_json())
    shutil.copy(windows[sender].ca_certificate, folder / "sender-ca.pem")
    xmlsec1 = shutil.which("xmlsec1")
    if xmlsec1 is not None:
        # An independent verifier, given only the sending window's CA certificate. A document whose format has no
        # place for a signature (eFTI) arrived with a detached one; its reference names the document by the fixed
        # URI trust.DETACHED_REFERENCE_URI, which --url-map points at the received file.
        command = [xmlsec1, "--verify", "--trusted-pem", str(folder / "sender-ca.pem")]
        detached = folder / SIGNATURE_NAME
        if detached.exists():
            command += [f"--url-map:{trust.DETACHED_REFERENCE_URI}", str(folder / "received.xml"), str(detached)]
        else:
            command.append(str(folder / "received.xml"))
        result = subprocess.run(command, capture_output=True, text=True)
        verdict = "OK" if result.returncode == 0 else f"FAILED: {result.stderr.strip()[-200:]}"
        _say(f"  xmlsec1 --verify --trusted-pem {sender.lower()}-ca: {verdict}")
        if result.returncode != 0:
            raise DemoFailure(f"xmlsec1 does not verify {folder / 'received.xml'}")
    pdfsig = shutil.which("pdfsig")
    for pdf in sorted(folder.glob("*.pdf")):
        if pdfsig is None:
            break
        # pdfsig checks the PAdES signature's integrity (it trusts only its own NSS store for the chain).
        result = subprocess.run([pdfsig, str(pdf)], capture_output=True, text=True)
        valid = "Signature is Valid." in result.stdout
        _say(f"  pdfsig {pdf.name}: {'Signature is Valid.' if valid else 'INVALID'}")
        if not valid:
            raise DemoFailure(f"pdfsig does not validate {pdf}")
