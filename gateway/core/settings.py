"""Gateway configuration: frozen dataclasses parsed strictly from a mapping (the TOML file's content).

``parse_settings`` is pure: it reads no file and no environment. Relative paths are resolved against the
``base_dir`` it is given (the configuration file's folder), and an unknown key is refused naming the exact key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from .alerts import AlertSettings, parse_alert_settings
from .as4_pmode import parse_as4
from .config_tables import Table, choice, resolve_path, seconds, strings
from .console_settings import ConsoleSettings, parse_console
from .domain import DocumentType, PartyId
from .errors import ConfigInvalid
from .partners import EdifactSettings, PartnerProfile
from .retention import RetentionPolicy, parse_retention
from .retry import RetryPolicy
from .routing import DomesticClient
from .timestamping import REQUIRED_LEVELS, TimestampingSettings, parse_timestamping
from .settings_hub import parse_ephyto_hub

__all__ = [
    "DeliverySettings",
    "ListenerSettings",
    "MetricsSettings",
    "Settings",
    "SigningSettings",
    "parse_settings",
    "parse_settings_toml",
]


@dataclass(frozen=True)
class SigningSettings:
    """This gateway's document signing identity (files)."""

    key: str
    """PEM private key."""
    certificate: str
    """PEM certificate of the key."""
    chain: str | None = None
    """PEM intermediates (and root) to include in signatures."""
    keyring: str | None = None
    """A folder of further signing keys for rotation without restart (see gateway/adapters/trustbook/keyring.py)."""


@dataclass(frozen=True)
class ListenerSettings:
    """A listening address and its TLS material."""

    address: str
    """host:port; port 0 picks a free port."""
    tls_key: str | None = None
    """PEM private key of the TLS server certificate."""
    tls_certificate: str | None = None
    """PEM TLS server certificate (with chain)."""
    client_ca: str | None = None
    """PEM CA certificates that domestic or operator clients' certificates must chain to (mutual TLS)."""


@dataclass(frozen=True)
class DeliverySettings:
    """Dispatcher tuning."""

    tick_seconds: float = 1.0
    """How often the scheduler looks for due retries (new messages wake the dispatcher at once)."""
    claim_timeout_seconds: float = 60.0
    """After this long, a SENDING message claimed by a replica that died may be claimed again."""
    batch_size: int = 32
    """Messages claimed per dispatcher pass."""
    workers: int = 4
    """Parallel deliveries."""


@dataclass(frozen=True)
class MetricsSettings:
    """The Prometheus scrape endpoint (plain HTTP, so keep it on loopback or a management network)."""

    address: str
    """host:port to serve ``/metrics`` on; port 0 picks a free port."""


@dataclass(frozen=True)
class Settings:
    """Everything one gateway needs to run."""

    party: PartyId
    """This gateway's own party id."""
    data_dir: str
    """Folder for the embedded database and runtime files."""
    database_url: str
    """SQLAlchemy URL; SQLite in data_dir by default, PostgreSQL for several replicas."""
    signing: SigningSettings
    """Document and envelope signing identity."""
    partner_listener: ListenerSettings
    """The mutual-TLS listener for partner single windows (its certificate is also our TLS client identity)."""
    domestic_listener: ListenerSettings
    """The listener for the domestic hub and operators."""
    partners: tuple[PartnerProfile, ...]
    """The exchange agreements."""
    delivery: DeliverySettings = DeliverySettings()
    """Dispatcher tuning."""
    max_payload_bytes: int = 8 * 1024 * 1024
    """Upper bound of any message the gateway accepts (the gRPC receive limit is set from it)."""
    blob_dir: str = ""
    """Folder of the large attachments (content-addressed files); ``<data_dir>/blobs`` by default. Replicas
    sharing a database must share it too."""
    metrics: MetricsSettings | None = None
    """The metrics endpoint; None (the default) serves none."""
    domestic_clients: tuple[DomesticClient, ...] = ()
    """The domestic platforms allowed to call, each seeing only its own traffic; when empty, one hub on the
    domestic port sees everything."""
    timestamping: TimestampingSettings | None = None
    """Long-term signatures: the time-stamping authority used and trusted; None keeps baseline signatures."""
    as4_listener: ListenerSettings | None = None
    """The HTTPS (mutual TLS) endpoint AS4 partners POST to; its TLS material is the partner listener's. Required
    when a partner's transport is AS4."""
    alerts: AlertSettings = AlertSettings()
    """The ``[alerts]`` table: thresholds and the optional webhook."""
    operators_ca: str | None = None
    """PEM CA certificate(s) that issue operator client certificates. The Operator service accepts only callers
    whose TLS certificate chains to it; without it the Operator service refuses every call (use the offline CLI)."""
    retention: RetentionPolicy | None = None
    """How long messages are kept before they are archived and purged; None (no ``[retention]``) keeps all."""
    console: ConsoleSettings = ConsoleSettings()
    """The operators' web console (off by default)."""

    def partner(self, name: str) -> PartnerProfile:
        """The profile of partner ``name``; raises :class:`~gateway.core.errors.PartnerUnknown`."""
        from .errors import PartnerUnknown

        for profile in self.partners:
            if profile.name == name:
                return profile
        raise PartnerUnknown(f"no agreement with partner {name!r}", partner=name)


def _listener(table: Table, base_dir: PurePath) -> ListenerSettings:
    listener = ListenerSettings(
        address=table.get("address", str, required=True),
        tls_key=resolve_path(base_dir, table.get("tls_key", str, None)),
        tls_certificate=resolve_path(base_dir, table.get("tls_certificate", str, None)),
        client_ca=resolve_path(base_dir, table.get("client_ca", str, None)),
    )
    table.done()
    return listener


def _metrics(table: Table) -> MetricsSettings | None:
    if table.empty():
        table.done()
        return None
    address = table.get("address", str, required=True)
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit() or int(port) > 65535:
        raise ConfigInvalid(f"{table.key('address')} must be host:port", field_path=table.key("address"))
    table.done()
    return MetricsSettings(address=address)


def _client(table: Table) -> DomesticClient:
    try:
        document_types = frozenset(DocumentType(t) for t in strings(table, "document_types"))
    except ValueError:
        raise ConfigInvalid("unknown document type", field_path=table.key("document_types")) from None
    client = DomesticClient(
        name=table.get("name", str, required=True),
        partners=frozenset(strings(table, "partners")),
        document_types=document_types,
        default=table.get("default", bool, False),
    )
    table.done()
    return client


def _retry(table: Table) -> RetryPolicy:
    try:
        policy = RetryPolicy(
            strategy=table.get("strategy", str, "exponential"),
            initial_delay=seconds(table, "initial_delay_seconds", 1.0),
            multiplier=float(table.get("multiplier", (int, float), 2.0)),
            max_delay=seconds(table, "max_delay_seconds", 600.0),
            jitter=float(table.get("jitter", (int, float), 0.2)),
            max_attempts=table.get("max_attempts", int, 10),
            max_age=seconds(table, "max_age_seconds", 86400.0),
        )
    except ValueError as e:
        raise ConfigInvalid(str(e), field_path=table.path) from e
    table.done()
    return policy


def _edifact(table: Table) -> EdifactSettings:
    accept = table.get("accept", list, None)
    if accept is not None and not (accept and all(isinstance(a, str) for a in accept)):
        raise ConfigInvalid(f"{table.key('accept')} must be a non-empty list of syntax identifiers",
                            field_path=table.key("accept"))
    settings = EdifactSettings(
        syntax_identifier=table.get("syntax_identifier", str, "UNOC"),
        syntax_version=table.get("syntax_version", int, 4),
        accept=tuple(accept) if accept is not None else EdifactSettings.accept,
        sender_id=table.get("sender_id", str, None),
        sender_qualifier=table.get("sender_qualifier", str, None),
        recipient_id=table.get("recipient_id", str, None),
        recipient_qualifier=table.get("recipient_qualifier", str, None),
    )
    table.done()
    return settings


def _partner(table: Table, base_dir: PurePath, me: str) -> PartnerProfile:
    docs = table.table("documents", required=True)
    profiles: dict[DocumentType, str] = {}
    further: dict[DocumentType, tuple[str, ...]] = {}
    for key in docs.keys():
        try:
            document_type = DocumentType(key)
        except ValueError:
            raise ConfigInvalid(f"unknown document type {docs.key(key)}", field_path=docs.key(key)) from None
        value = docs.get(key, (str, list))
        names = [value] if isinstance(value, str) else value
        if not names or not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
            raise ConfigInvalid(f"{docs.key(key)} must be a profile or a list of distinct profiles",
                                field_path=docs.key(key))
        profiles[document_type], further[document_type] = names[0], tuple(names[1:])
    docs.done()
    anchors = table.get("trust_anchors", list, [])
    if not all(isinstance(a, str) for a in anchors):
        raise ConfigInvalid("trust_anchors must be a list of file names", field_path=table.key("trust_anchors"))
    pinned = table.get("trust_pinned", list, [])
    if not all(isinstance(a, str) for a in pinned):
        raise ConfigInvalid("trust_pinned must be a list of file names", field_path=table.key("trust_pinned"))
    signing_table = table.table("signing")
    signing_files: tuple[str, str, str | None] | None = None
    if not signing_table.empty():
        signing_files = (
            str(base_dir / signing_table.get("key", str, required=True)),
            str(base_dir / signing_table.get("certificate", str, required=True)),
            resolve_path(base_dir, signing_table.get("chain", str, None)),
        )
    signing_table.done()
    party = table.get("party", str, required=True)
    transport = choice(table, "transport", ("swgw-grpc", "as4", "ephyto-hub"), "swgw-grpc")
    grpc = transport == "swgw-grpc"  # endpoint and server name are those of the partner's PartnerExchange service
    as4_table = table.table("as4")
    if not as4_table.empty() and transport != "as4":
        raise ConfigInvalid(f"{as4_table.path} is set but transport is {transport!r}", field_path=as4_table.path)
    as4 = parse_as4(table.table("as4", required=True), base_dir, me=me, partner=party, documents=profiles) \
        if transport == "as4" else None
    hub = parse_ephyto_hub(table, base_dir, transport)
    profile = PartnerProfile(
        party=PartyId(party),
        endpoint=table.get("endpoint", str, ... if grpc else ""),
        tls_server_name=table.get("tls_server_name", str, ... if grpc else ""),
        transport=transport,
        as4=as4,
        ephyto_hub=hub,
        mapping_profiles=profiles,
        further_profiles={t: p for t, p in further.items() if p},
        trust_anchor_files=tuple(str(base_dir / a) for a in anchors),
        trust_pinned_files=tuple(str(base_dir / a) for a in pinned),
        retry=_retry(table.table("retry")),
        max_payload_bytes=table.get("max_payload_bytes", int, 8 * 1024 * 1024),
        max_message_age=seconds(table, "max_message_age_seconds", 7 * 86400.0),
        attach_pdf=table.get("attach_pdf", bool, False),
        revocation_unknown=choice(table, "revocation_unknown", ("reject", "warn"), "reject"),
        signature_level=choice(table, "signature_level", REQUIRED_LEVELS, "B-B"),
        signing_key_files=signing_files,
        edifact=_edifact(table.table("edifact")),
        streaming=table.get("streaming", bool, False),
        stream_window=table.get("stream_window", int, 64),
        max_attachment_bytes=table.get("max_attachment_bytes", int, 0),
    )
    if not 1 <= profile.stream_window <= 1024:
        raise ConfigInvalid("stream_window must be between 1 and 1024", field_path=table.key("stream_window"))
    if profile.max_attachment_bytes < 0:
        raise ConfigInvalid("max_attachment_bytes must be 0 (none) or more", field_path=table.key("max_attachment_bytes"))
    for key in ("streaming", "max_attachment_bytes"):
        if not grpc and getattr(profile, key):
            # DeliverStream and DeliverLarge are swgw's partner RPCs; AS4 and the hub have no such exchange.
            raise ConfigInvalid(f"{table.key(key)} needs transport = \"swgw-grpc\"", field_path=table.key(key))
    table.done()
    return profile


def parse_settings(data: Mapping[str, Any], base_dir: PurePath) -> Settings:
    """Parse and validate a configuration mapping; raises :class:`~gateway.core.errors.ConfigInvalid` naming the key."""
    root = Table(data, "")
    gateway = root.table("gateway", required=True)
    party = gateway.get("party", str, required=True)
    data_dir = str(base_dir / gateway.get("data_dir", str, "data"))
    database_url = gateway.get("database_url", str, "") or f"sqlite:///{data_dir}/swgw.db"
    max_payload = gateway.get("max_payload_bytes", int, 8 * 1024 * 1024)
    blob_dir = str(base_dir / gateway.get("blob_dir", str, f"{data_dir}/blobs"))
    gateway.done()

    signing_table = root.table("signing", required=True)
    signing = SigningSettings(
        key=str(base_dir / signing_table.get("key", str, required=True)),
        certificate=str(base_dir / signing_table.get("certificate", str, required=True)),
        chain=resolve_path(base_dir, signing_table.get("chain", str, None)),
        keyring=resolve_path(base_dir, signing_table.get("keyring", str, None)),
    )
    signing_table.done()

    partner_listener = _listener(root.table("partner_listener", required=True), base_dir)
    if not (partner_listener.tls_key and partner_listener.tls_certificate):
        # Partner-facing ports are mutual TLS, always.
        raise ConfigInvalid(
            "partner_listener needs tls_key and tls_certificate", field_path="partner_listener.tls_certificate"
        )
    domestic_listener = _listener(root.table("domestic_listener", required=True), base_dir)

    delivery_table = root.table("delivery")
    delivery = DeliverySettings(
        tick_seconds=seconds(delivery_table, "tick_seconds", 1.0).total_seconds(),
        claim_timeout_seconds=seconds(delivery_table, "claim_timeout_seconds", 60.0).total_seconds(),
        batch_size=delivery_table.get("batch_size", int, 32),
        workers=delivery_table.get("workers", int, 4),
    )
    delivery_table.done()

    operators = root.table("operators")
    operators_ca = resolve_path(base_dir, operators.get("ca", str, None))
    operators.done()
    if operators_ca and not (domestic_listener.tls_certificate and domestic_listener.client_ca):
        raise ConfigInvalid("operators need domestic_listener TLS with client_ca (which must include the operators CA)",
                            field_path="operators.ca")

    metrics = _metrics(root.table("metrics"))
    timestamping = parse_timestamping(root.table("timestamping"), base_dir)
    retention = parse_retention(root.get("retention", Mapping, {}), base_dir, data_dir)
    as4_table = root.table("as4_listener")
    as4_listener = ListenerSettings(address=as4_table.get("address", str, required=True)) if not as4_table.empty() else None
    as4_table.done()
    console = parse_console(root.table("console"), lambda value: resolve_path(base_dir, value))
    alerts = parse_alert_settings(dict(root.get("alerts", Mapping, {})))

    clients = tuple(_client(Table(c, f"domestic_clients[{i}]"))
                    for i, c in enumerate(root.get("domestic_clients", list, [])))
    if clients:
        if not domestic_listener.client_ca:
            raise ConfigInvalid("domestic clients are told apart by their certificates: set domestic_listener "
                                "TLS with client_ca", field_path="domestic_clients")
        if len({c.name for c in clients}) != len(clients):
            raise ConfigInvalid("a domestic client is configured twice", field_path="domestic_clients")
        if sum(c.default for c in clients) != 1:
            # Without exactly one default, some inbound document could be routed to nobody.
            raise ConfigInvalid("exactly one domestic client must be the default", field_path="domestic_clients")

    partners_list = root.get("partners", list, [])
    partners = tuple(
        _partner(Table(p, f"partners[{i}]"), base_dir, party) for i, p in enumerate(partners_list)
    )
    names = [p.name for p in partners]
    if len(set(names)) != len(names):
        raise ConfigInvalid("a partner is configured twice", field_path="partners")
    if party in names:
        raise ConfigInvalid("a gateway cannot be its own partner", field_path="partners")
    for i, profile in enumerate(partners):
        if profile.transport == "as4" and as4_listener is None:
            raise ConfigInvalid(f"partners[{i}] is reached over AS4: set [as4_listener] so it can send to us",
                                field_path="as4_listener.address")
        try:
            profile.interchange(PartyId(party))
        except ValueError as e:
            # The interchange checks the combination (ids, qualifiers, character set for the syntax version); its
            # message starts with the field it refused.
            field = str(e).split()[0]
            key = {"sender": "sender_id", "recipient": "recipient_id"}.get(field, field)
            raise ConfigInvalid(f"partners[{i}].edifact.{key}: {e}", field_path=f"partners[{i}].edifact.{key}") from e
    root.done()
    return Settings(
        party=PartyId(party),
        data_dir=data_dir,
        blob_dir=blob_dir,
        database_url=database_url,
        signing=signing,
        partner_listener=partner_listener,
        domestic_listener=domestic_listener,
        partners=partners,
        delivery=delivery,
        max_payload_bytes=max_payload,
        metrics=metrics,
        timestamping=timestamping,
        alerts=alerts,
        operators_ca=operators_ca,
        domestic_clients=clients,
        retention=retention,
        as4_listener=as4_listener,
        console=console,
    )


def parse_settings_toml(data: bytes, base_dir: PurePath) -> Settings:
    """Parse a configuration file's bytes (UTF-8 TOML); every refusal is :class:`~gateway.core.errors.ConfigInvalid`.

    Undecodable bytes and TOML syntax errors are refused at ``$`` like any other configuration error, so that the
    CLI reports them with the same code instead of a traceback (found by the ``settings-toml`` fuzz harness).
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigInvalid(f"configuration is not UTF-8: byte {e.start} cannot be decoded", field_path="$") from e
    try:
        content = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigInvalid(f"configuration is not valid TOML: {e}", field_path="$") from e
    return parse_settings(content, base_dir)
