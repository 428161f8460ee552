"""Wiring: the adapters behind the ports, handed to the pipeline, the dispatcher and the operator actions."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import trust
from trust import SigningIdentity

from ..adapters.archive import FolderArchive
from ..adapters.blobs import FileBlobStore
from ..adapters.clock import SystemClock, UuidIds
from ..adapters.partners.grpc_client import GrpcPartnerTransport
from ..adapters.partners.router import RoutingPartnerTransport, WireTransport
from ..adapters.persistence.messages import SqlMessageRepository
from ..adapters.persistence.session import create_engine_for, migrate
from ..adapters.trustbook.book import StoredTrustBook
from ..adapters.trustbook.keyring import FolderKeyring
from ..adapters.webhook import WebhookSender
from ..core.errors import ConfigInvalid
from ..core.ports import Actor, ActorKind, BlobStore, Clock, DocumentRenderer
from ..core.settings import Settings
from ..core.signals import Signals
from ..pipeline.alerts import AlertMonitor
from ..pipeline.dispatcher import Dispatcher
from ..pipeline.inquiries import CertificateLedgers
from ..pipeline.operations import Operations
from ..pipeline.runner import Pipeline
from .configured import check_hub_files, configured_trust, encryption_certificates, long_term_signatures, prepare_mappings, read_file
from .server import App

if TYPE_CHECKING:
    from ..adapters.partners.ephyto_hub import HubPuller
    from ..pipeline.accounts import ConsoleAccounts

__all__ = ["blob_store", "build_app", "console_accounts", "document_renderer", "open_operations"]

#: The audit actor of trust imported from the configuration file's ``trust_anchors`` at start-up.
_CONFIGURATION = Actor(ActorKind.CONFIGURATION, "trust_anchors")


def build_app(settings: Settings, *, clock: Clock | None = None) -> App:
    """Wire a gateway from its settings (reads key files, opens and migrates the database)."""
    clock = clock or SystemClock()
    identity = SigningIdentity.from_pem(
        read_file(settings.signing.key, "signing.key"),
        read_file(settings.signing.certificate, "signing.certificate"),
        read_file(settings.signing.chain, "signing.chain") if settings.signing.chain else b"",
    )
    tls_key = read_file(settings.partner_listener.tls_key or "", "partner_listener.tls_key")
    tls_certificate = read_file(settings.partner_listener.tls_certificate or "", "partner_listener.tls_certificate")
    prepare_mappings(settings)
    if any(p.attach_pdf for p in settings.partners):
        # These agreements render and sign a PDF for every certificate of origin: reportlab and pyHanko are loaded
        # now, as before, rather than by the first document.
        from ..adapters import coo_pdf  # noqa: F401

        trust.sign_pdf  # noqa: B018 (imports trust.pdfsig)
    check_hub_files(settings)
    imported_trust = configured_trust(settings)
    engine = create_engine_for(settings.database_url)
    migrate(engine)
    repository = SqlMessageRepository(engine)
    trustbook = StoredTrustBook(repository, repository, clock)
    # Building the store migrates end-entity certificates an older release stored as anchors (logged, audited).
    trustbook.store()
    for name, role, certificates in imported_trust:
        for certificate in certificates:
            trustbook.ensure(name, certificate, role=role, actor=_CONFIGURATION)
    # Per-partner signing identities (e.g. RSA where an agreement asks for it); the gateway's own otherwise.
    partner_identities = {
        p.name: SigningIdentity.from_pem(
            read_file(p.signing_key_files[0], f"partners.{p.name}.signing.key"),
            read_file(p.signing_key_files[1], f"partners.{p.name}.signing.certificate"),
            read_file(p.signing_key_files[2], f"partners.{p.name}.signing.chain") if p.signing_key_files[2] else b"",
        )
        for p in settings.partners if p.signing_key_files
    }

    keyring = FolderKeyring(identity, Path(settings.signing.keyring) if settings.signing.keyring else None)

    def identity_for(partner: str | None) -> SigningIdentity:
        # A partner-specific identity wins; otherwise the newest usable key of the keyring (rotation).
        return partner_identities.get(partner or "") or keyring.current(clock.now())

    signals = Signals()
    metrics = None
    if settings.metrics is not None:
        from ..adapters.metrics import GatewayMetrics  # prometheus_client: only with [metrics]

        metrics = GatewayMetrics(messages=repository, trustbook=trustbook, clock=clock,
                                 partners=[p.name for p in settings.partners],
                                 transports={p.name: p.transport for p in settings.partners},
                                 alerts=lambda: monitor.current())
    observer = metrics.observe if metrics is not None else None
    blobs = blob_store(settings)
    # One transport per kind of partner; the router picks the one each agreement names. AS4 and the ePhyto Hub
    # (zeep) are imported and built only when a partner's agreement names them: the partners are fixed at start.
    transports: dict[str, WireTransport] = {"swgw-grpc": GrpcPartnerTransport(
        tls_key_pem=tls_key, tls_certificate_pem=tls_certificate, trustbook=trustbook, clock=clock,
        max_message_bytes=settings.max_payload_bytes + 64 * 1024, blobs=blobs,
    )}
    # Checked at start whatever the transports (a wrong AS4 encryption certificate is refused as before).
    encryption = encryption_certificates(settings, lambda name: partner_identities.get(name) or identity)
    kinds = {p.transport for p in settings.partners}
    if "as4" in kinds:
        from ..adapters.partners.as4 import As4PartnerTransport

        transports["as4"] = As4PartnerTransport(
            identity=identity_for, trustbook=trustbook, clock=clock, encryption=encryption,
            tls_key_file=settings.partner_listener.tls_key or "",
            tls_certificate_file=settings.partner_listener.tls_certificate or "",
            # Base64 in the SOAP Body makes a message about 4/3 of its payload.
            max_response_bytes=settings.max_payload_bytes * 2 + 64 * 1024,
        )
    hub_puller: HubPuller | None = None
    if "ephyto-hub" in kinds:
        from ..adapters.partners.ephyto_hub import EphytoHubTransport, HubConnections, HubPuller

        hub_connections = HubConnections(settings.partners, trustbook=trustbook, clock=clock)
        transports["ephyto-hub"] = EphytoHubTransport(hub_connections, clock=clock)
    transport = RoutingPartnerTransport(transports)
    dispatcher = Dispatcher(
        settings=settings, messages=repository, transport=transport, trustbook=trustbook, clock=clock,
        signals=signals, observer=observer,
        # Host and process id name the replica in messages.claimed_by (an object id alone may repeat across
        # processes); the object id tells apart gateways sharing a process (tests).
        claimer=f"{socket.gethostname()}:{os.getpid()}:{id(signals):x}",
    )
    long_term, tsa_trust = long_term_signatures(settings)
    pipeline = Pipeline(
        settings=settings, messages=repository, trustbook=trustbook, identity=identity_for, clock=clock,
        ids=UuidIds(), signals=signals, render_pdf=_render_certificate_pdf, observer=observer, handoff=dispatcher,
        long_term=long_term, tsa_trust=tsa_trust, blobs=blobs,
    )
    operations = Operations(
        partners=settings.partners, trustbook=trustbook, messages=repository, audit=repository, clock=clock,
        identity=identity, tls_certificate_pem=tls_certificate, signals=signals, keyring=keyring,
        party=str(settings.party),
        ledgers=CertificateLedgers(settings=settings, messages=repository, trustbook=trustbook, identity=identity_for,
                                   clock=clock, inquirer=transport, archived=repository),
        alert_settings=settings.alerts, **_retention(settings, repository),
    )
    webhook = settings.alerts.webhook_url
    monitor = AlertMonitor(evaluate=operations.alerts, clock=clock, settings=settings.alerts, party=str(settings.party),
                           sender=WebhookSender(webhook, timeout=settings.alerts.webhook_timeout) if webhook else None)
    as4_inbound = None
    if settings.as4_listener is not None:
        from ..transports.as4.inbound import As4Inbound

        as4_inbound = As4Inbound(
            pipeline=pipeline, partners=settings.partners, trustbook=trustbook, clock=clock, identity=identity_for,
            max_bytes=settings.max_payload_bytes * 2 + 64 * 1024, me=settings.party,
        )
    if "ephyto-hub" in kinds:
        hub_puller = HubPuller(hub_connections, receive=pipeline.receive_relayed, me=settings.party, clock=clock)
    return App(
        settings=settings, clock=clock, repository=repository, engine=engine, trustbook=trustbook, pipeline=pipeline,
        dispatcher=dispatcher, operations=operations, identity=identity, tls_key=tls_key,
        tls_certificate=tls_certificate, signals=signals, transport=transport, blobs=blobs, metrics=metrics,
        as4_inbound=as4_inbound, hub_puller=hub_puller, alerts=monitor,
        console_accounts=console_accounts(settings, repository, clock) if settings.console.enabled else None,
    )


def console_accounts(settings: Settings, repository: SqlMessageRepository | None = None,
                     clock: Clock | None = None) -> ConsoleAccounts:
    """The console's accounts on the gateway's database (opened and migrated here unless ``repository`` is
    given), with the lockout of ``[console]``."""
    from ..pipeline.accounts import ConsoleAccounts  # argon2: only with [console]

    if repository is None:
        engine = create_engine_for(settings.database_url)
        migrate(engine)
        repository = SqlMessageRepository(engine)
    return ConsoleAccounts(accounts=repository, audit=repository, clock=clock or SystemClock(),
                           lockout_failures=settings.console.lockout_failures,
                           lockout=timedelta(minutes=settings.console.lockout_minutes))


def _retention(settings: Settings, repository: SqlMessageRepository) -> dict[str, Any]:
    """Operations' retention arguments: the policy, the folder archive and the book that purges."""
    if settings.retention is None:
        return {}
    return {"retention": settings.retention, "archive": FolderArchive(Path(settings.retention.archive_dir)),
            "retained": repository}


def _render_certificate_pdf(record: Mapping[str, Any], *, created_at: datetime) -> bytes:
    """:func:`gateway.adapters.coo_pdf.render_certificate_pdf`, importing reportlab (~5 MB resident) on the first
    PDF: only agreements with ``attach_pdf`` render one."""
    from ..adapters.coo_pdf import render_certificate_pdf

    return render_certificate_pdf(record, created_at=created_at)


def document_renderer() -> DocumentRenderer:
    """The renderer of the readable PDF a certificate of origin may carry, for tools that prepare envelopes."""
    return _render_certificate_pdf


def blob_store(settings: Settings, *, sweep: bool = True) -> BlobStore:
    """The gateway's store of large attachments (``blob_dir``); ``sweep=False`` leaves transfers under way alone
    (for a reader beside the running gateway, see FileBlobStore)."""
    return FileBlobStore(Path(settings.blob_dir or f"{settings.data_dir}/blobs"), sweep=sweep)


def open_operations(settings: Settings, *, clock: Clock | None = None) -> Operations:
    """Operator actions against a gateway's database without starting it (the offline CLI).

    With SQLite in WAL mode or a shared PostgreSQL this is safe while the gateway runs: the running gateway
    picks up trust changes through the trust version within a second.
    """
    clock = clock or SystemClock()
    engine = create_engine_for(settings.database_url)
    migrate(engine)
    repository = SqlMessageRepository(engine)
    trustbook = StoredTrustBook(repository, repository, clock)
    trustbook.store()  # migrates end-entity certificates stored as anchors by an older release (logged, audited)
    identity = None
    try:
        identity = SigningIdentity.from_pem(
            read_file(settings.signing.key, "signing.key"), read_file(settings.signing.certificate, "signing.certificate"),
            read_file(settings.signing.chain, "signing.chain") if settings.signing.chain else b"",
        )
    except ConfigInvalid:
        identity = None
    tls = b""
    if settings.partner_listener.tls_certificate and Path(settings.partner_listener.tls_certificate).exists():
        tls = Path(settings.partner_listener.tls_certificate).read_bytes()
    keyring = FolderKeyring(identity, Path(settings.signing.keyring) if settings.signing.keyring else None) \
        if identity is not None else None
    # Offline, the ledger is read; answering and asking partners need the running gateway.
    ledgers = CertificateLedgers(settings=settings, messages=repository, trustbook=trustbook, identity=None,
                                 clock=clock, archived=repository)
    return Operations(partners=settings.partners, trustbook=trustbook, messages=repository, audit=repository,
                      clock=clock, identity=identity, tls_certificate_pem=tls, keyring=keyring, party=str(settings.party),
                      ledgers=ledgers, alert_settings=settings.alerts, **_retention(settings, repository))
