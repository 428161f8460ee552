"""Two gateways wired from their configuration onto the in-memory twins: message book, trust book, partner
transport and a manual clock. No server, no database, no thread; a test moves the clock and runs each step."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import mappings
from cryptography import x509
from gateway.adapters.clock import ManualClock
from gateway.adapters.coo_pdf import render_certificate_pdf
from gateway.adapters.partners.memory import MemoryPartnerTransport
from gateway.adapters.persistence import MemoryMessageRepository
from gateway.adapters.trustbook.book import StoredTrustBook
from gateway.core.domain import Action, DocumentType
from gateway.core.ports import Actor, ActorKind, StoredMessage
from gateway.core.settings import Settings
from gateway.core.signals import Signals
from gateway.pipeline.dispatcher import Dispatcher
from gateway.pipeline.operations import Operations
from gateway.pipeline.runner import Pipeline
from gateway.pipeline.steps import SubmitCommand
from gateway.tools.cli import load_settings
from gateway.tools.devsetup import write_network
from trust import CertificateRole, SigningIdentity

#: When the twins' clock starts; the development PKI is issued an hour before.
START = datetime.now(UTC).replace(microsecond=0)
CLAIMER = "twin"
SETUP = Actor(ActorKind.CONFIGURATION, "unit test")
AGREEMENTS = {("CN", "HK"): {"certificate-of-origin": "coo-ubl24-cepa-hk"}}
#: A quick policy: 10 s, then 20 s, at most three attempts, no jitter.
RETRY = {"strategy": "exponential", "initial_delay_seconds": 10, "jitter": 0, "max_attempts": 3}


@dataclass
class Window:
    """One gateway on twins."""

    settings: Settings
    messages: MemoryMessageRepository
    trustbook: StoredTrustBook
    pipeline: Pipeline
    dispatcher: Dispatcher
    operations: Operations


def _window(settings: Settings, clock: ManualClock, transport: MemoryPartnerTransport) -> Window:
    identity = SigningIdentity.from_pem(Path(settings.signing.key).read_bytes(),
                                        Path(settings.signing.certificate).read_bytes(),
                                        Path(settings.signing.chain).read_bytes() if settings.signing.chain else b"")
    messages = MemoryMessageRepository()
    # The trust book has no in-memory class of its own: over the memory repositories it is its own twin.
    trustbook = StoredTrustBook(messages, messages, clock, refresh_seconds=0.0)
    for partner in settings.partners:
        for path in partner.trust_anchor_files:
            for certificate in x509.load_pem_x509_certificates(Path(path).read_bytes()):
                trustbook.ensure(partner.name, certificate, role=CertificateRole.ANCHOR, actor=SETUP)
    for partner in settings.partners:
        for profile in partner.mapping_profiles.values():
            mappings.prepare_profile(profile)
    signals = Signals()
    dispatcher = Dispatcher(settings=settings, messages=messages, transport=transport, trustbook=trustbook,
                            clock=clock, signals=signals, claimer=CLAIMER, jitter=lambda: 0.5)
    pipeline = Pipeline(settings=settings, messages=messages, trustbook=trustbook, identity=lambda _: identity,
                        clock=clock, ids=_Ids(settings.party.value), signals=signals,
                        render_pdf=render_certificate_pdf)
    operations = Operations(partners=settings.partners, trustbook=trustbook, messages=messages, audit=messages,
                            clock=clock, identity=identity, tls_certificate_pem=b"", signals=signals,
                            party=str(settings.party))
    return Window(settings, messages, trustbook, pipeline, dispatcher, operations)


class _Ids:
    """Readable, predictable ids: CN-1, CN-2, ..."""

    def __init__(self, prefix: str) -> None:
        self._prefix, self._count = prefix, 0

    def new_id(self) -> str:
        self._count += 1
        return f"{self._prefix}-{self._count}"


@dataclass
class Twins:
    """CN and HK, delivering to each other through the in-memory partner transport."""

    clock: ManualClock
    transport: MemoryPartnerTransport
    cn: Window
    hk: Window

    def connect(self) -> None:
        """HK answers CN's deliveries with its own inbound pipeline (the partner service minus gRPC)."""
        self.transport.connect("HK", lambda envelope: self.hk.pipeline.receive(envelope, peer="CN"))

    def submit(self, record: dict[str, Any]) -> str:
        """CN's domestic hub submits a certificate of origin for HK; the message id."""
        result = self.cn.pipeline.submit(SubmitCommand(
            receiver="HK", document_type=DocumentType.CERTIFICATE_OF_ORIGIN, action=Action.ISSUE,
            record_json=json.dumps(record, ensure_ascii=False).encode()))
        return result.message.message_id

    def deliver_due(self) -> list[StoredMessage]:
        """One dispatcher pass, in this thread: claim what is due at the clock's time and deliver it."""
        claimed = self.cn.messages.claim_due(now=self.clock.now(), limit=10, claimer=CLAIMER,
                                             claim_timeout=timedelta(seconds=60))
        for message in claimed:
            self.cn.dispatcher.deliver_now(message)
        return claimed


def twins(root: Path) -> Twins:
    """CN and HK from a freshly written development network under ``root``."""
    files = write_network(root, ("CN", "HK"), AGREEMENTS, at=START - timedelta(hours=1), retry=RETRY)
    clock = ManualClock(START)
    transport = MemoryPartnerTransport()
    return Twins(clock, transport, _window(load_settings(files["CN"].config), clock, transport),
                 _window(load_settings(files["HK"].config), clock, MemoryPartnerTransport()))
