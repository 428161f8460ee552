"""Composition root: the only module that knows both the adapters and the ports.

``build_app(settings)`` reads the key files, opens the database, imports configured partner anchors and wires
the pipeline, dispatcher, scheduler and gRPC servers. ``App.start()`` binds the listeners and returns the bound
ports; ``App.stop()`` drains and closes everything.
"""

from __future__ import annotations

import logging
import os
import socket
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from cryptography import x509
from sqlalchemy import Engine
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

import mappings
import trust
from trust import CertificateRole, PartnerTrust, SigningIdentity

from ._generated.swgw.v1 import domestic_exchange_pb2, operator_pb2, partner_exchange_pb2
from ._generated.swgw.v1 import domestic_exchange_pb2_grpc as dpb_grpc
from ._generated.swgw.v1 import operator_pb2_grpc as opb_grpc
from ._generated.swgw.v1 import partner_exchange_pb2_grpc as ppb_grpc
from .adapters.clock import SystemClock, UuidIds
from .adapters.coo_pdf import render_certificate_pdf
from .adapters.metrics import GatewayMetrics
from .adapters.partners.grpc_client import GrpcPartnerTransport
from .adapters.persistence.messages import SqlMessageRepository
from .adapters.persistence.session import create_engine_for, migrate
from .adapters.scheduler import build_scheduler
from .adapters.trustbook.book import StoredTrustBook
from .adapters.trustbook.keyring import FolderKeyring
from .adapters.webhook import WebhookSender
from .core.errors import ConfigInvalid
from .core.ports import Actor, ActorKind, Clock, DocumentRenderer, TrustBook
from .core.settings import ListenerSettings, Settings
from .core.signals import Signals
from .core.trust_export import load_certificates
from .pipeline.alerts import AlertMonitor
from .pipeline.dispatcher import Dispatcher
from .pipeline.operations import Operations
from .pipeline.runner import Pipeline
from .transports.domestic_service import DomesticExchangeServicer
from .transports.interceptors import LoggingInterceptor, RequestDecodingInterceptor
from .transports.operator_service import OperatorServicer
from .transports.partner_service import PartnerExchangeServicer

__all__ = ["App", "build_app", "create_server", "document_renderer", "open_operations"]

log = logging.getLogger(__name__)

#: The audit actor of trust imported from the configuration file's ``trust_anchors`` at start-up.
_CONFIGURATION = Actor(ActorKind.CONFIGURATION, "trust_anchors")


def _read(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise ConfigInvalid(f"cannot read {what} {path}: {e.strerror}", field_path=what) from e


def create_server(
    address: str,
    services: list[tuple[object, object, str]],
    *,
    credentials: grpc.ServerCredentials | None,
    max_message_bytes: int,
    workers: int = 16,
) -> tuple[grpc.Server, int]:
    """A started-ready gRPC server with health checking and reflection; returns (server, bound port).

    ``services`` are (add_to_server function, servicer, full service name) triples.
    """
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="swgw-rpc"),
        # Logging is outermost, so that refused undecodable requests are logged too.
        interceptors=[LoggingInterceptor(), RequestDecodingInterceptor()],
        options=[
            ("grpc.max_receive_message_length", max_message_bytes),
            ("grpc.max_send_message_length", max_message_bytes),
            ("grpc.so_reuseport", 0),
        ],
    )
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    names = []
    for add, servicer, name in services:
        add(servicer, server)  # type: ignore[operator]
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
        names.append(name)
    health_servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    reflection.enable_server_reflection([*names, health.SERVICE_NAME, reflection.SERVICE_NAME], server)
    port = server.add_secure_port(address, credentials) if credentials else server.add_insecure_port(address)
    if port == 0:
        raise ConfigInvalid(f"cannot listen on {address}", field_path="address")
    return server, port


@dataclass
class App:
    """A wired gateway. Call :meth:`start`, then :meth:`stop`."""

    settings: Settings
    clock: Clock
    repository: SqlMessageRepository
    engine: Engine
    trustbook: TrustBook
    pipeline: Pipeline
    dispatcher: Dispatcher
    operations: Operations
    identity: SigningIdentity
    tls_key: bytes
    tls_certificate: bytes
    signals: Signals
    transport: GrpcPartnerTransport
    metrics: GatewayMetrics | None = None
    alerts: AlertMonitor | None = None
    partner_port: int = 0
    domestic_port: int = 0
    metrics_port: int = 0
    _servers: list[grpc.Server] = field(default_factory=list)
    _scheduler: object | None = None

    def start(self) -> tuple[int, int]:
        """Bind both listeners, start delivery; returns (partner port, domestic port)."""
        partner_server, self.partner_port = create_server(
            self.settings.partner_listener.address,
            [(ppb_grpc.add_PartnerExchangeServiceServicer_to_server,
              PartnerExchangeServicer(self.pipeline, self.trustbook, self.clock),
              partner_exchange_pb2.DESCRIPTOR.services_by_name["PartnerExchangeService"].full_name)],
            credentials=self._partner_credentials(),
            max_message_bytes=self.settings.max_payload_bytes + 64 * 1024,
        )
        domestic_server, self.domestic_port = create_server(
            self.settings.domestic_listener.address,
            [
                (dpb_grpc.add_DomesticExchangeServiceServicer_to_server,
                 DomesticExchangeServicer(self.pipeline, self.repository, self.signals,
                                          self.settings.domestic_clients),
                 domestic_exchange_pb2.DESCRIPTOR.services_by_name["DomesticExchangeService"].full_name),
                (opb_grpc.add_OperatorServiceServicer_to_server,
                 OperatorServicer(self.operations, self._operators_trust(), self.clock),
                 operator_pb2.DESCRIPTOR.services_by_name["OperatorService"].full_name),
            ],
            credentials=_domestic_credentials(self.settings.domestic_listener),
            max_message_bytes=self.settings.max_payload_bytes + 64 * 1024,
        )
        self._servers = [partner_server, domestic_server]
        if self.metrics is not None and self.settings.metrics is not None:
            # Bound before anything starts, so that a taken metrics port fails the start cleanly.
            self.metrics_port = self.metrics.serve(self.settings.metrics.address)
        for server in self._servers:
            server.start()
        self.dispatcher.start()
        scheduler = build_scheduler(
            wake_dispatcher=self.dispatcher.wake,
            tick_seconds=self.settings.delivery.tick_seconds,
            expiry_scan=self.operations.log_expiry,
            alerts_tick=self.alerts.tick if self.alerts is not None else None,
            alerts_seconds=self.settings.alerts.interval.total_seconds(),
        )
        scheduler.start()
        self._scheduler = scheduler
        log.info("gateway %s: partner port %d (mTLS), domestic port %d", self.settings.party, self.partner_port,
                 self.domestic_port)
        return self.partner_port, self.domestic_port

    def _operators_trust(self) -> PartnerTrust | None:
        if not self.settings.operators_ca:
            return None
        anchors = load_certificates(_read(self.settings.operators_ca, "operators.ca"))
        try:
            return PartnerTrust(partner="operators", anchors=tuple(anchors))
        except trust.TrustAnchorNotCa as e:
            raise ConfigInvalid(f"{self.settings.operators_ca}: {e.message}", field_path="operators.ca") from e

    def _partner_credentials(self) -> grpc.ServerCredentials:
        # Client CAs are the union of every partner's receive trust; which partner a certificate belongs to is
        # decided per call (interceptors.peer_partner). The fetcher runs on new handshakes, so trust changes
        # (rotation, revocation) apply without a restart.
        state = {"roots": self.trustbook.anchors_pem(at=self.clock.now())}

        def config(roots: bytes) -> grpc.ServerCertificateConfiguration:
            return grpc.ssl_server_certificate_configuration(
                [(self.tls_key, self.tls_certificate)], root_certificates=roots or None
            )

        def fetch() -> grpc.ServerCertificateConfiguration | None:
            roots = self.trustbook.anchors_pem(at=self.clock.now())
            if roots == state["roots"]:
                return None
            state["roots"] = roots
            return config(roots)

        if not state["roots"]:
            raise ConfigInvalid("no partner trust anchors: partners could not connect", field_path="partners")
        return grpc.dynamic_ssl_server_credentials(config(state["roots"]), fetch, require_client_authentication=True)

    def stop(self, grace: float = 5.0) -> None:
        """Stop accepting calls, finish deliveries under way, close the database."""
        if self._scheduler is not None:
            # Wait for a job under way (an alert evaluation reads the database, a webhook call is bounded by its
            # timeout): the engine is disposed below, and a connection still checked out would be left open.
            self._scheduler.shutdown(wait=True)  # type: ignore[attr-defined]
        events = [server.stop(grace) for server in self._servers]
        self.dispatcher.stop()
        for event in events:
            event.wait(grace + 1)
        self.transport.close()
        if self.metrics is not None:
            self.metrics.close()
        self.engine.dispose()


def _domestic_credentials(listener: ListenerSettings) -> grpc.ServerCredentials | None:
    if not listener.tls_certificate:
        host = listener.address.rsplit(":", 1)[0].strip("[]")
        if host not in ("127.0.0.1", "localhost", "::1"):
            # A domestic port without TLS is for a hub on the same host only.
            raise ConfigInvalid("domestic_listener without TLS must listen on loopback",
                                field_path="domestic_listener.address")
        return None
    if not listener.tls_key:
        raise ConfigInvalid("domestic_listener.tls_key is required with a certificate",
                            field_path="domestic_listener.tls_key")
    client_ca = _read(listener.client_ca, "domestic_listener.client_ca") if listener.client_ca else None
    return grpc.ssl_server_credentials(
        [(_read(listener.tls_key, "domestic_listener.tls_key"),
          _read(listener.tls_certificate, "domestic_listener.tls_certificate"))],
        root_certificates=client_ca,
        require_client_auth=client_ca is not None,
    )


def _prepare_mappings(settings: Settings) -> None:
    """Load every mapping profile the agreements name, refusing to start on an unknown or broken one, or one that
    maps another document type than the agreement says (the first document would fail otherwise)."""
    for index, partner in enumerate(settings.partners):
        for document_type, profile_id in partner.mapping_profiles.items():
            where = f"partners[{index}].documents.{document_type.value}"
            try:
                profile = mappings.prepare_profile(profile_id)
            except mappings.MappingError as e:
                raise ConfigInvalid(f"mapping profile {profile_id!r}: {e.message}", field_path=where) from e
            if profile.document_type != document_type.value:
                raise ConfigInvalid(f"mapping profile {profile_id!r} maps {profile.document_type}, not "
                                    f"{document_type.value}", field_path=where)


def _configured_trust(settings: Settings) -> list[tuple[str, CertificateRole, list[x509.Certificate]]]:
    """Every partner's configured ``trust_anchors`` files (CA certificates only) and ``trust_pinned`` files
    (end-entity certificates of a partner without a CA), as (partner, role, certificates) to import.

    Read and checked before the database is opened, so nothing is imported from a refused configuration; an
    end-entity certificate among the anchors is refused even when the database knows it already: the
    configuration itself is wrong.
    """
    imports: list[tuple[str, CertificateRole, list[x509.Certificate]]] = []
    for index, partner in enumerate(settings.partners):
        files = [(f"partners[{index}].trust_anchors[{n}]", CertificateRole.ANCHOR, path)
                 for n, path in enumerate(partner.trust_anchor_files)]
        files += [(f"partners[{index}].trust_pinned[{n}]", CertificateRole.PINNED, path)
                  for n, path in enumerate(partner.trust_pinned_files)]
        for key, role, path in files:
            try:
                certificates = load_certificates(_read(path, key))
            except ValueError as e:
                raise ConfigInvalid(f"{path}: not PEM or DER certificates: {e}", field_path=key) from e
            for position, certificate in enumerate(certificates if role is CertificateRole.ANCHOR else ()):
                problem = trust.ca_problem(certificate)
                if problem is not None:
                    raise ConfigInvalid(
                        f"{path}: certificate {position + 1} of {len(certificates)} "
                        f"({certificate.subject.rfc4514_string()}) is not a CA certificate ({problem}) and cannot "
                        f"be a trust anchor [TRUST_ANCHOR_NOT_CA]: list only {partner.name}'s CA here (ca.pem of "
                        f"its `swgw trust export --out`); an end-entity certificate of a partner without a CA "
                        f"goes into trust_pinned",
                        field_path=key,
                    )
            imports.append((partner.name, role, certificates))
    return imports


def build_app(settings: Settings, *, clock: Clock | None = None) -> App:
    """Wire a gateway from its settings (reads key files, opens and migrates the database)."""
    clock = clock or SystemClock()
    identity = SigningIdentity.from_pem(
        _read(settings.signing.key, "signing.key"),
        _read(settings.signing.certificate, "signing.certificate"),
        _read(settings.signing.chain, "signing.chain") if settings.signing.chain else b"",
    )
    tls_key = _read(settings.partner_listener.tls_key or "", "partner_listener.tls_key")
    tls_certificate = _read(settings.partner_listener.tls_certificate or "", "partner_listener.tls_certificate")
    _prepare_mappings(settings)
    configured_trust = _configured_trust(settings)
    engine = create_engine_for(settings.database_url)
    migrate(engine)
    repository = SqlMessageRepository(engine)
    trustbook = StoredTrustBook(repository, repository, clock)
    # Building the store migrates end-entity certificates an older release stored as anchors (logged, audited).
    trustbook.store()
    for name, role, certificates in configured_trust:
        for certificate in certificates:
            trustbook.ensure(name, certificate, role=role, actor=_CONFIGURATION)
    # Per-partner signing identities (e.g. RSA where an agreement asks for it); the gateway's own otherwise.
    partner_identities = {
        p.name: SigningIdentity.from_pem(
            _read(p.signing_key_files[0], f"partners.{p.name}.signing.key"),
            _read(p.signing_key_files[1], f"partners.{p.name}.signing.certificate"),
            _read(p.signing_key_files[2], f"partners.{p.name}.signing.chain") if p.signing_key_files[2] else b"",
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
        metrics = GatewayMetrics(messages=repository, trustbook=trustbook, clock=clock,
                                 partners=[p.name for p in settings.partners], alerts=lambda: monitor.current())
    observer = metrics.observe if metrics is not None else None
    transport = GrpcPartnerTransport(
        tls_key_pem=tls_key, tls_certificate_pem=tls_certificate, trustbook=trustbook, clock=clock,
        max_message_bytes=settings.max_payload_bytes + 64 * 1024,
    )
    dispatcher = Dispatcher(
        settings=settings, messages=repository, transport=transport, trustbook=trustbook, clock=clock,
        signals=signals, observer=observer,
        # Host and process id name the replica in messages.claimed_by (an object id alone may repeat across
        # processes); the object id tells apart gateways sharing a process (tests).
        claimer=f"{socket.gethostname()}:{os.getpid()}:{id(signals):x}",
    )
    pipeline = Pipeline(
        settings=settings, messages=repository, trustbook=trustbook, identity=identity_for, clock=clock,
        ids=UuidIds(), signals=signals, render_pdf=render_certificate_pdf, observer=observer, handoff=dispatcher,
    )
    operations = Operations(
        partners=settings.partners, trustbook=trustbook, messages=repository, audit=repository, clock=clock,
        identity=identity, tls_certificate_pem=tls_certificate, signals=signals, keyring=keyring,
        party=str(settings.party), alert_settings=settings.alerts,
    )
    webhook = settings.alerts.webhook_url
    monitor = AlertMonitor(evaluate=operations.alerts, clock=clock, settings=settings.alerts, party=str(settings.party),
                           sender=WebhookSender(webhook, timeout=settings.alerts.webhook_timeout) if webhook else None)
    return App(
        settings=settings, clock=clock, repository=repository, engine=engine, trustbook=trustbook, pipeline=pipeline,
        dispatcher=dispatcher, operations=operations, identity=identity, tls_key=tls_key,
        tls_certificate=tls_certificate, signals=signals, transport=transport, metrics=metrics, alerts=monitor,
    )


def document_renderer() -> DocumentRenderer:
    """The renderer of the readable PDF a certificate of origin may carry, for tools that prepare envelopes."""
    return render_certificate_pdf


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
            _read(settings.signing.key, "signing.key"), _read(settings.signing.certificate, "signing.certificate"),
            _read(settings.signing.chain, "signing.chain") if settings.signing.chain else b"",
        )
    except ConfigInvalid:
        identity = None
    tls = b""
    if settings.partner_listener.tls_certificate and Path(settings.partner_listener.tls_certificate).exists():
        tls = Path(settings.partner_listener.tls_certificate).read_bytes()
    keyring = FolderKeyring(identity, Path(settings.signing.keyring) if settings.signing.keyring else None) \
        if identity is not None else None
    return Operations(partners=settings.partners, trustbook=trustbook, messages=repository, audit=repository,
                      clock=clock, identity=identity, tls_certificate_pem=tls, keyring=keyring, party=str(settings.party),
                      alert_settings=settings.alerts)
