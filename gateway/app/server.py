"""The running gateway: its gRPC servers (health checking and reflection included), the AS4 endpoint, the
dispatcher and the scheduler, started and stopped together."""

from __future__ import annotations

import logging
from concurrent import futures
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from sqlalchemy import Engine

import trust
from trust import PartnerTrust, SigningIdentity

from .._generated.swgw.v1 import domestic_exchange_pb2, operator_pb2, partner_exchange_pb2
from .._generated.swgw.v1 import domestic_exchange_pb2_grpc as dpb_grpc
from .._generated.swgw.v1 import operator_pb2_grpc as opb_grpc
from .._generated.swgw.v1 import partner_exchange_pb2_grpc as ppb_grpc
from ..adapters.partners.router import RoutingPartnerTransport
from ..adapters.persistence.messages import SqlMessageRepository
from ..adapters.scheduler import build_scheduler
from ..core.console_settings import is_loopback
from ..core.errors import ConfigInvalid
from ..core.ports import Actor, ActorKind, BlobStore, Clock, TrustBook
from ..core.settings import ListenerSettings, Settings
from ..core.signals import Signals
from ..core.trust_export import load_certificates
from ..pipeline.alerts import AlertMonitor
from ..pipeline.dispatcher import Dispatcher
from ..pipeline.operations import Operations
from ..pipeline.runner import Pipeline
from ..transports.domestic_service import DomesticExchangeServicer
from ..transports.interceptors import LoggingInterceptor, RequestDecodingInterceptor
from ..transports.operator_service import OperatorServicer
from ..transports.partner_service import PartnerExchangeServicer
from .configured import read_file
from .workers import WorkerPlace

if TYPE_CHECKING:
    # Optional features (metrics, the ePhyto Hub, the console, AS4): imported where they start, only when configured.
    from ..adapters.metrics import GatewayMetrics
    from ..adapters.partners.ephyto_hub import HubPuller
    from ..pipeline.accounts import ConsoleAccounts
    from ..transports.as4.inbound import As4Inbound
    from ..transports.as4.server import As4Server
    from ..transports.console import ConsoleServer

__all__ = ["App", "create_server", "domestic_credentials"]

log = logging.getLogger(__name__)

#: The scheduled retention run acts on the configuration's ``[retention]`` policy.
_RETENTION_ACTOR = Actor(ActorKind.CONFIGURATION, "retention")


def create_server(
    address: str,
    services: list[tuple[object, object, str]],
    *,
    credentials: grpc.ServerCredentials | None,
    max_message_bytes: int,
    workers: int = 16,
    reuse_port: bool = False,
) -> tuple[grpc.Server, int]:
    """A started-ready gRPC server with health checking and reflection; returns (server, bound port).

    ``services`` are (add_to_server function, servicer, full service name) triples. ``reuse_port`` lets the
    worker processes of one gateway listen on the same port (the kernel spreads connections over them); without it
    a taken port fails the start.
    """
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="swgw-rpc"),
        # Logging is outermost, so that refused undecodable requests are logged too.
        interceptors=[LoggingInterceptor(), RequestDecodingInterceptor()],
        options=[
            ("grpc.max_receive_message_length", max_message_bytes),
            ("grpc.max_send_message_length", max_message_bytes),
            ("grpc.so_reuseport", 1 if reuse_port else 0),
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
    try:
        port = server.add_secure_port(address, credentials) if credentials else server.add_insecure_port(address)
    except RuntimeError:
        port = 0  # grpcio raises where older releases returned 0
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
    transport: RoutingPartnerTransport
    blobs: BlobStore
    as4_inbound: As4Inbound | None = None
    hub_puller: HubPuller | None = None
    metrics: GatewayMetrics | None = None
    alerts: AlertMonitor | None = None
    console_accounts: ConsoleAccounts | None = None
    partner_port: int = 0
    domestic_port: int = 0
    metrics_port: int = 0
    console_port: int = 0
    _console: ConsoleServer | None = None
    as4_port: int = 0
    _servers: list[grpc.Server] = field(default_factory=list)
    _as4_server: As4Server | None = None
    _scheduler: object | None = None
    worker: WorkerPlace | None = None
    """Set when this process is one of ``swgw serve --workers N``: ports shared, jobs on the first worker only."""

    def start(self) -> tuple[int, int]:
        """Bind both listeners, start delivery; returns (partner port, domestic port)."""
        partner_address, domestic_address = (self.settings.partner_listener.address,
                                             self.settings.domestic_listener.address)
        if self.worker is not None:
            partner_address, domestic_address = self.worker.addresses(partner_address, domestic_address)
            self.worker.relay(self.signals)
        shared = self.worker is not None
        primary = self.worker is None or self.worker.index == 0
        partner_server, self.partner_port = create_server(
            partner_address,
            [(ppb_grpc.add_PartnerExchangeServiceServicer_to_server,
              PartnerExchangeServicer(self.pipeline, self.trustbook, self.clock, self.blobs, self.operations.ledgers),
              partner_exchange_pb2.DESCRIPTOR.services_by_name["PartnerExchangeService"].full_name)],
            credentials=self._partner_credentials(),
            max_message_bytes=self.settings.max_payload_bytes + 64 * 1024,
            reuse_port=shared,
        )
        domestic_server, self.domestic_port = create_server(
            domestic_address,
            [
                (dpb_grpc.add_DomesticExchangeServiceServicer_to_server,
                 DomesticExchangeServicer(
                     self.pipeline, self.repository, self.signals, self.settings.domestic_clients,
                     {p.name: p.transport for p in self.settings.partners}, blobs=self.blobs,
                     max_attachment_bytes=max((p.max_attachment_bytes for p in self.settings.partners), default=0)),
                 domestic_exchange_pb2.DESCRIPTOR.services_by_name["DomesticExchangeService"].full_name),
                (opb_grpc.add_OperatorServiceServicer_to_server,
                 OperatorServicer(self.operations, self._operators_trust(), self.clock),
                 operator_pb2.DESCRIPTOR.services_by_name["OperatorService"].full_name),
            ],
            credentials=domestic_credentials(self.settings.domestic_listener),
            max_message_bytes=self.settings.max_payload_bytes + 64 * 1024,
            reuse_port=shared,
        )
        self._servers = [partner_server, domestic_server]
        if self.worker is not None:
            self.worker.bound(self.settings.partner_listener.address, self.partner_port,
                              self.settings.domestic_listener.address, self.domestic_port)
        if self.settings.console.enabled and self.console_accounts is not None:
            from ..transports.console import ConsoleContext, ConsoleServer  # flask, cheroot: only with [console]

            self._console = ConsoleServer(ConsoleContext(
                operations=self.operations, accounts=self.console_accounts, clock=self.clock,
                settings=self.settings.console))
            # Bound (and serving) first: a taken console port fails the start before anything else listens.
            self.console_port = self._console.start()
            log.info("web console on port %d (%s)", self.console_port,
                     "https" if self.settings.console.tls else "http, loopback")
        if self.metrics is not None and self.settings.metrics is not None:
            # Bound before anything starts, so that a taken metrics port fails the start cleanly.
            try:
                self.metrics_port = self.metrics.serve(self.settings.metrics.address)
            except Exception:
                if self._console is not None:
                    self._console.stop()
                raise
        if self.as4_inbound is not None and self.settings.as4_listener is not None:
            from ..transports.as4.server import start_as4_server

            self._as4_server, self.as4_port = start_as4_server(
                self.settings.as4_listener.address, self.as4_inbound,
                tls_key_file=self.settings.partner_listener.tls_key or "",
                tls_certificate_file=self.settings.partner_listener.tls_certificate or "",
                client_cas=lambda: self.trustbook.anchors_pem(at=self.clock.now()),
                max_bytes=self.settings.max_payload_bytes * 2 + 64 * 1024,
            )
            log.info("gateway %s: AS4 endpoint https://%s:%d/ (mTLS)", self.settings.party,
                     self.settings.as4_listener.address.rpartition(":")[0], self.as4_port)
        for server in self._servers:
            server.start()
        self.dispatcher.start()
        # Jobs that act once for the whole gateway (pulling from a hub, expiry log, retention, alerts) run in the
        # first worker only; every worker claims due deliveries (claims are safe between processes).
        if self.hub_puller is not None and primary:
            self.hub_puller.start()
        scheduler = build_scheduler(
            wake_dispatcher=self.dispatcher.wake,
            tick_seconds=self.settings.delivery.tick_seconds,
            expiry_scan=self.operations.log_expiry if primary else None,
            retention=(self._retention_job if primary and self.settings.retention and self.settings.retention.purges
                       else None),
            alerts_tick=self.alerts.tick if self.alerts is not None and primary else None,
            alerts_seconds=self.settings.alerts.interval.total_seconds(),
        )
        scheduler.start()
        self._scheduler = scheduler
        log.info("gateway %s: partner port %d (mTLS), domestic port %d", self.settings.party, self.partner_port,
                 self.domestic_port)
        return self.partner_port, self.domestic_port

    def _retention_job(self) -> None:
        # The configuration decided what is purged; the audit entry names it as the actor.
        try:
            self.operations.run_retention(actor=_RETENTION_ACTOR)
        except Exception:  # noqa: BLE001 - a failed run is logged and tried again at the next one
            log.exception("retention run failed")

    def _operators_trust(self) -> PartnerTrust | None:
        if not self.settings.operators_ca:
            return None
        anchors = load_certificates(read_file(self.settings.operators_ca, "operators.ca"))
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
        if self._console is not None:
            self._console.stop()
        events = [server.stop(grace) for server in self._servers]
        if self.hub_puller is not None and (self.worker is None or self.worker.index == 0):
            self.hub_puller.stop()
        if self._as4_server is not None:
            self._as4_server.shutdown()
            self._as4_server.server_close()
        self.dispatcher.stop()
        if self.worker is not None:
            self.worker.close()
        for event in events:
            event.wait(grace + 1)
        self.transport.close()
        if self.metrics is not None:
            self.metrics.close()
        self.engine.dispose()


def domestic_credentials(listener: ListenerSettings) -> grpc.ServerCredentials | None:
    if not listener.tls_certificate:
        if not is_loopback(listener.address):
            # A domestic port without TLS is for a hub on the same host only.
            raise ConfigInvalid("domestic_listener without TLS must listen on loopback",
                                field_path="domestic_listener.address")
        return None
    if not listener.tls_key:
        raise ConfigInvalid("domestic_listener.tls_key is required with a certificate",
                            field_path="domestic_listener.tls_key")
    client_ca = read_file(listener.client_ca, "domestic_listener.client_ca") if listener.client_ca else None
    return grpc.ssl_server_credentials(
        [(read_file(listener.tls_key, "domestic_listener.tls_key"),
          read_file(listener.tls_certificate, "domestic_listener.tls_certificate"))],
        root_certificates=client_ca,
        require_client_auth=client_ca is not None,
    )
