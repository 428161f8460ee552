"""Gateway configuration: frozen dataclasses parsed strictly from a mapping (the TOML file's content).

``parse_settings`` is pure: it reads no file and no environment. Relative paths are resolved against the
``base_dir`` it is given (the configuration file's folder), and an unknown key is refused naming the exact key.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePath
from typing import Any

from .domain import DocumentType, PartyId
from .errors import ConfigInvalid
from .partners import EdifactSettings, PartnerProfile
from .retry import RetryPolicy
from .routing import DomesticClient

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
    operators_ca: str | None = None
    """PEM CA certificate(s) that issue operator client certificates. The Operator service accepts only callers
    whose TLS certificate chains to it; without it the Operator service refuses every call (use the offline CLI)."""

    def partner(self, name: str) -> PartnerProfile:
        """The profile of partner ``name``; raises :class:`~gateway.core.errors.PartnerUnknown`."""
        from .errors import PartnerUnknown

        for profile in self.partners:
            if profile.name == name:
                return profile
        raise PartnerUnknown(f"no agreement with partner {name!r}", partner=name)


class _Table:
    """A config table read strictly: every key must be taken, unknown keys are refused by name."""

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, Mapping):
            raise ConfigInvalid(f"{path or 'configuration'} must be a table", field_path=path or "$")
        self._data = dict(data)
        self._path = path
        self._seen: set[str] = set()

    def _key(self, key: str) -> str:
        return f"{self._path}.{key}" if self._path else key

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ..., *, required: bool = False) -> Any:
        self._seen.add(key)
        if key not in self._data:
            if required or default is ...:
                raise ConfigInvalid(f"missing required key {self._key(key)}", field_path=self._key(key))
            return default
        value = self._data[key]
        # bool is an int in Python; refuse it where a number is expected.
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
            raise ConfigInvalid(f"{self._key(key)} has the wrong type", field_path=self._key(key))
        # TOML has nan and inf; no setting means either, and both slip through range checks (nan < 0 is false).
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigInvalid(f"{self._key(key)} must be a finite number", field_path=self._key(key))
        return value

    def table(self, key: str, *, required: bool = False) -> _Table:
        return _Table(self.get(key, Mapping, {} if not required else ..., required=required), self._key(key))

    def done(self) -> None:
        unknown = sorted(set(self._data) - self._seen)
        if unknown:
            raise ConfigInvalid(f"unknown key {self._key(unknown[0])}", field_path=self._key(unknown[0]))


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _path(base_dir: PurePath, value: str | None) -> str | None:
    if value is None:
        return None
    return str(base_dir / value)


def _seconds(table: _Table, key: str, default: float) -> timedelta:
    value = table.get(key, (int, float), default)
    if value <= 0:
        raise ConfigInvalid(f"{table._key(key)} must be positive", field_path=table._key(key))
    try:
        return timedelta(seconds=value)
    except OverflowError:
        raise ConfigInvalid(f"{table._key(key)} is too large", field_path=table._key(key)) from None


def _choice(table: _Table, key: str, allowed: tuple[str, ...], default: str) -> Any:
    value = table.get(key, str, default)
    if value not in allowed:
        raise ConfigInvalid(f"{table._key(key)} must be one of {', '.join(allowed)}", field_path=table._key(key))
    return value


def _listener(table: _Table, base_dir: PurePath) -> ListenerSettings:
    listener = ListenerSettings(
        address=table.get("address", str, required=True),
        tls_key=_path(base_dir, table.get("tls_key", str, None)),
        tls_certificate=_path(base_dir, table.get("tls_certificate", str, None)),
        client_ca=_path(base_dir, table.get("client_ca", str, None)),
    )
    table.done()
    return listener


def _metrics(table: _Table) -> MetricsSettings | None:
    if not table._data:
        table.done()
        return None
    address = table.get("address", str, required=True)
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit() or int(port) > 65535:
        raise ConfigInvalid(f"{table._key('address')} must be host:port", field_path=table._key("address"))
    table.done()
    return MetricsSettings(address=address)


def _strings(table: _Table, key: str) -> list[str]:
    values: list[str] = table.get(key, list, [])
    if not all(isinstance(v, str) for v in values):
        raise ConfigInvalid(f"{table._key(key)} must be a list of strings", field_path=table._key(key))
    return values


def _client(table: _Table) -> DomesticClient:
    try:
        document_types = frozenset(DocumentType(t) for t in _strings(table, "document_types"))
    except ValueError:
        raise ConfigInvalid("unknown document type", field_path=table._key("document_types")) from None
    client = DomesticClient(
        name=table.get("name", str, required=True),
        partners=frozenset(_strings(table, "partners")),
        document_types=document_types,
        default=table.get("default", bool, False),
    )
    table.done()
    return client


def _retry(table: _Table) -> RetryPolicy:
    try:
        policy = RetryPolicy(
            strategy=table.get("strategy", str, "exponential"),
            initial_delay=_seconds(table, "initial_delay_seconds", 1.0),
            multiplier=float(table.get("multiplier", (int, float), 2.0)),
            max_delay=_seconds(table, "max_delay_seconds", 600.0),
            jitter=float(table.get("jitter", (int, float), 0.2)),
            max_attempts=table.get("max_attempts", int, 10),
            max_age=_seconds(table, "max_age_seconds", 86400.0),
        )
    except ValueError as e:
        raise ConfigInvalid(str(e), field_path=table._path) from e
    table.done()
    return policy


def _edifact(table: _Table) -> EdifactSettings:
    accept = table.get("accept", list, None)
    if accept is not None and not (accept and all(isinstance(a, str) for a in accept)):
        raise ConfigInvalid(f"{table._key('accept')} must be a non-empty list of syntax identifiers",
                            field_path=table._key("accept"))
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


def _partner(table: _Table, base_dir: PurePath) -> PartnerProfile:
    docs = table.table("documents", required=True)
    profiles: dict[DocumentType, str] = {}
    for key in list(docs._data):
        try:
            document_type = DocumentType(key)
        except ValueError:
            raise ConfigInvalid(f"unknown document type {docs._key(key)}", field_path=docs._key(key)) from None
        profiles[document_type] = docs.get(key, str)
    docs.done()
    anchors = table.get("trust_anchors", list, [])
    if not all(isinstance(a, str) for a in anchors):
        raise ConfigInvalid("trust_anchors must be a list of file names", field_path=table._key("trust_anchors"))
    pinned = table.get("trust_pinned", list, [])
    if not all(isinstance(a, str) for a in pinned):
        raise ConfigInvalid("trust_pinned must be a list of file names", field_path=table._key("trust_pinned"))
    signing_table = table.table("signing")
    signing_files: tuple[str, str, str | None] | None = None
    if signing_table._data:
        signing_files = (
            str(base_dir / signing_table.get("key", str, required=True)),
            str(base_dir / signing_table.get("certificate", str, required=True)),
            _path(base_dir, signing_table.get("chain", str, None)),
        )
    signing_table.done()
    profile = PartnerProfile(
        party=PartyId(table.get("party", str, required=True)),
        endpoint=table.get("endpoint", str, required=True),
        tls_server_name=table.get("tls_server_name", str, required=True),
        mapping_profiles=profiles,
        trust_anchor_files=tuple(str(base_dir / a) for a in anchors),
        trust_pinned_files=tuple(str(base_dir / a) for a in pinned),
        retry=_retry(table.table("retry")),
        max_payload_bytes=table.get("max_payload_bytes", int, 8 * 1024 * 1024),
        max_message_age=_seconds(table, "max_message_age_seconds", 7 * 86400.0),
        attach_pdf=table.get("attach_pdf", bool, False),
        revocation_unknown=_choice(table, "revocation_unknown", ("reject", "warn"), "reject"),
        signing_key_files=signing_files,
        edifact=_edifact(table.table("edifact")),
        streaming=table.get("streaming", bool, False),
        stream_window=table.get("stream_window", int, 64),
        max_attachment_bytes=table.get("max_attachment_bytes", int, 0),
    )
    if not 1 <= profile.stream_window <= 1024:
        raise ConfigInvalid("stream_window must be between 1 and 1024", field_path=table._key("stream_window"))
    if profile.max_attachment_bytes < 0:
        raise ConfigInvalid("max_attachment_bytes must be 0 (none) or more", field_path=table._key("max_attachment_bytes"))
    table.done()
    return profile


def parse_settings(data: Mapping[str, Any], base_dir: PurePath) -> Settings:
    """Parse and validate a configuration mapping; raises :class:`~gateway.core.errors.ConfigInvalid` naming the key."""
    root = _Table(data, "")
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
        chain=_path(base_dir, signing_table.get("chain", str, None)),
        keyring=_path(base_dir, signing_table.get("keyring", str, None)),
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
        tick_seconds=_seconds(delivery_table, "tick_seconds", 1.0).total_seconds(),
        claim_timeout_seconds=_seconds(delivery_table, "claim_timeout_seconds", 60.0).total_seconds(),
        batch_size=delivery_table.get("batch_size", int, 32),
        workers=delivery_table.get("workers", int, 4),
    )
    delivery_table.done()

    operators = root.table("operators")
    operators_ca = _path(base_dir, operators.get("ca", str, None))
    operators.done()
    if operators_ca and not (domestic_listener.tls_certificate and domestic_listener.client_ca):
        raise ConfigInvalid("operators need domestic_listener TLS with client_ca (which must include the operators CA)",
                            field_path="operators.ca")

    metrics = _metrics(root.table("metrics"))

    clients = tuple(_client(_Table(c, f"domestic_clients[{i}]"))
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
        _partner(_Table(p, f"partners[{i}]"), base_dir) for i, p in enumerate(partners_list)
    )
    names = [p.name for p in partners]
    if len(set(names)) != len(names):
        raise ConfigInvalid("a partner is configured twice", field_path="partners")
    if party in names:
        raise ConfigInvalid("a gateway cannot be its own partner", field_path="partners")
    for i, profile in enumerate(partners):
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
        operators_ca=operators_ca,
        domestic_clients=clients,
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
