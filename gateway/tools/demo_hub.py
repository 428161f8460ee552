"""The demo's SPS leg: CN and the ASEAN window (VN) exchange phytosanitary certificates through a local IPPC ePhyto
Hub simulator (:mod:`gateway.tools.hubsim`), as two plant-health authorities (NPPOs) on the hub do.

Each gateway gets one more partner, the other country's NPPO, with ``transport = "ephyto-hub"``: the certificate
leaves CN's gateway as a hub envelope, waits at the hub until VN's gateway pulls and acknowledges it, and CN's
message becomes DELIVERED from the hub's tracking status; then the same the other way. The hub's published WSDL and
an ePhyto sample (for the certificate's content) come from the reference material (``make reference``); without
them the leg is skipped, saying why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import tomli_w
import tomllib

import mappings

from .._generated.swgw.v1 import envelope_pb2 as pb
from ..core.domain import DocumentType
from .client import GatewayClient
from .devsetup import WindowFiles
from .hubsim import HubSimulator, RunningHub, running_hub, write_hub_pki

__all__ = ["HUB_PAIRS", "configure_hub", "hub_material", "nppo", "run_hub_exchanges"]

#: The windows that also exchange SPS certificates through the hub, as their NPPOs.
HUB_PAIRS = (("CN", "VN"),)
_WSDL = Path("sps-ephyto") / "hub-wsdl" / "ephyto.wsdl"
_SAMPLE = Path("sps-ephyto") / "SPSCertificateContent.xml"
#: Who issues the demo's phytosanitary certificates (the sample's other content is kept as it is).
_ISSUERS = {"CN": "General Administration of Customs of the People's Republic of China",
            "VN": "Plant Protection Department, Ministry of Agriculture and Rural Development of Viet Nam"}


def nppo(country: str) -> str:
    """The party id of a country's NPPO, the partner reached through the hub."""
    return f"{country}-NPPO"


def hub_material() -> tuple[Path, Path] | str:
    """(the hub's WSDL, an ePhyto sample) from the reference material, or why they are not available."""
    repository = Path(__file__).resolve().parents[2]
    candidates = [Path(os.environ["SWGW_REFERENCE"])] if os.environ.get("SWGW_REFERENCE") else []
    candidates += [repository / ".reference", repository.parent / "shared" / "reference",
                   Path.cwd() / ".reference", Path.cwd().parent / "shared" / "reference"]
    for root in candidates:
        if (root / _WSDL).is_file() and (root / _SAMPLE).is_file():
            return root / _WSDL, root / _SAMPLE
    return f"the ePhyto Hub WSDL ({_WSDL}) is not in the reference material; run `make reference`"


@contextmanager
def configure_hub(root: Path, windows: dict[str, WindowFiles], wsdl: Path) -> Iterator[RunningHub]:
    """Start the hub simulator and give each window of :data:`HUB_PAIRS` the other's NPPO as a hub partner."""
    countries = tuple(sorted({c for pair in HUB_PAIRS for c in pair}))
    pki = write_hub_pki(root / "ephyto-hub", countries, at=datetime.now(UTC) - timedelta(minutes=5))
    with running_hub(HubSimulator(wsdl, pki.fingerprints), certificate=pki.server_certificate, key=pki.server_key,
                     client_ca=pki.ca) as hub:
        for me, other in (*HUB_PAIRS, *((b, a) for a, b in HUB_PAIRS)):
            config = windows[me].config
            data = tomllib.loads(config.read_text())
            cert, key = pki.clients[me]
            data["partners"].append({
                "party": nppo(other), "transport": "ephyto-hub", "trust_anchors": [str(pki.ca)],
                "documents": {DocumentType.SPS_CERTIFICATE.value: "sps-ephyto-17"},
                "retry": {"strategy": "constant", "initial_delay_seconds": 0.5, "max_delay_seconds": 0.5,
                          "max_attempts": 120, "jitter": 0.0},
                "ephyto_hub": {"url": hub.url, "wsdl": str(wsdl), "client_certificate": str(cert),
                               "client_key": str(key), "country": me, "partner_country": other,
                               "poll_interval_seconds": 0.5},
            })
            config.write_text(tomli_w.dumps(data))
        yield hub


def run_hub_exchanges(windows: dict[str, WindowFiles], hub: RunningHub, sample: Path, artifacts: Path | None, *,
                      say: Callable[[str], None], wait_final: Callable[[GatewayClient, str], pb.MessageSummary],
                      steps: Callable[[pb.MessageSummary], str]) -> None:
    """Send one SPS certificate each way through the hub; print it like the other exchanges; keep artifacts."""
    from .demo import DemoFailure

    base = mappings.map_reverse(sample.read_bytes(), "sps-ephyto-17").record
    for sender, receiver in (*HUB_PAIRS, *((b, a) for a, b in HUB_PAIRS)):
        record = json.loads(json.dumps(base))
        number = f"{sender}-PHYTO-{datetime.now(UTC):%Y%m%d%H%M%S}"
        record["certificate"]["id"] = number
        record["certificate"]["issuer_name"] = _ISSUERS.get(sender, f"NPPO of {sender}")
        record["certificate"]["issue_datetime"] = datetime.now(UTC).replace(microsecond=0).isoformat()
        label = f"{sender}->{receiver} sps-certificate (ePhyto) over the IPPC ePhyto Hub (simulated, {hub.url})"
        with GatewayClient(f"127.0.0.1:{windows[sender].domestic_port}") as client:
            response = client.submit(nppo(receiver), DocumentType.SPS_CERTIFICATE,
                                     json.dumps(record, ensure_ascii=False).encode())
            summary = wait_final(client, response.message_id)
        say(f"\n{label}")
        say(f"  message {summary.message_id}  business key {summary.business_key.issuer}/"
            f"{summary.business_key.number}/v{summary.business_key.version}  transport {summary.transport}")
        say(f"  payload sha256 {summary.payload_sha256.hex()}")
        say(f"  sender: {steps(summary)}")
        envelopes = [e for e in hub.hub.envelopes.values() if e.header["NPPOCertificateNumber"] == number]
        for envelope in envelopes:
            say(f"  hub: envelope {envelope.number} From {envelope.header['From']} To {envelope.header['To']} "
                f"CertificateType {envelope.header['CertificateType']} "
                f"CertificateStatus {envelope.header['CertificateStatus']}: {envelope.status}")
        if summary.status != pb.MESSAGE_STATUS_DELIVERED:
            raise DemoFailure(f"{label}: ended {pb.MessageStatus.Name(summary.status)}: {summary.last_error.code} "
                              f"{summary.last_error.message}")
        with GatewayClient(f"127.0.0.1:{windows[receiver].domestic_port}") as client:
            documents = _receive(client, number)
            if len(documents) != 1:
                raise DemoFailure(f"{receiver} domestic hub received {len(documents)} hub documents, not 1")
            document = documents[0]
            received = client.status(document.message_id)
        say(f"\n{document.sender.value}->{receiver} received {document.message_id} over the IPPC ePhyto Hub")
        say(f"  verified by the hub's TLS certificate {document.signer_subject} "
            f"(sha256 {document.signer_fingerprint[:16]}...)")
        say(f"  receiver: {steps(received)}")
        if received.status != pb.MESSAGE_STATUS_HANDED_OVER:
            raise DemoFailure(f"{document.message_id} is {pb.MessageStatus.Name(received.status)} at {receiver}")
        if artifacts is not None:
            _save(artifacts, windows, sender, summary.message_id, document, hub, say)


def _receive(client: GatewayClient, number: str) -> list[Any]:
    deadline = time.monotonic() + 30
    found: list[Any] = []
    while not found and time.monotonic() < deadline:
        found = [d for d in client.receive(max_documents=10, timeout=5)
                 if number.encode() in d.signed_document]
    return found


def _save(artifacts: Path, windows: dict[str, WindowFiles], sender: str, message_id: str, document: Any,
          hub: RunningHub, say: Callable[[str], None]) -> None:
    """Keep the hub leg: the certificate as sent and received, the hub's envelope header, the relay receipt, and
    the sender's detached signature (which stays with the sender: the hub envelope has no place for it)."""
    from ..app import open_operations
    from .cli import load_settings
    from .demo import DemoFailure

    folder = artifacts / "ephyto-hub" / "exchanged" / document.message_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "received.xml").write_bytes(document.signed_document)
    (folder / "received-record.json").write_bytes(document.record_json)
    stored = open_operations(load_settings(windows[sender].config)).messages.get(message_id)
    (folder / "sent.xml").write_bytes(stored.envelope.payload)
    if stored.receipt is not None:
        (folder / "receipt.json").write_text(stored.receipt.to_json())
    for attachment in stored.envelope.attachments:
        (folder / f"sender-{attachment.name}").write_bytes(attachment.content)
    shutil.copy(windows[sender].ca_certificate, folder / "sender-ca.pem")
    envelope = next(e for e in hub.hub.envelopes.values() if e.content == stored.envelope.payload.decode())
    (folder / "hub-envelope.json").write_text(json.dumps(
        {**envelope.header, "hubDeliveryNumber": envelope.number, "HUBTrackingInfo": envelope.status}, indent=2))
    detached = folder / "sender-document-signature.xml"
    xmlsec1 = shutil.which("xmlsec1")
    if xmlsec1 is not None and detached.exists():
        from trust import DETACHED_REFERENCE_URI

        result = subprocess.run([xmlsec1, "--verify", "--trusted-pem", str(folder / "sender-ca.pem"),
                                 f"--url-map:{DETACHED_REFERENCE_URI}", str(folder / "received.xml"), str(detached)],
                                capture_output=True, text=True)
        verdict = "OK" if result.returncode == 0 else f"FAILED: {result.stderr.strip()[-200:]}"
        say(f"  xmlsec1 --verify (received bytes, the sender's detached signature, {sender.lower()}-ca): {verdict}")
        if result.returncode != 0:
            raise DemoFailure(f"xmlsec1 does not verify {folder / 'received.xml'}")
