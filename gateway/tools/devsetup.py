"""Development set-up: a throwaway PKI and gateway configurations for a few single windows on loopback.

Used by ``swgw init`` (one window) and ``swgw demo`` (three windows). The PKI is for trying swgw only: keys are
written unencrypted and certificates are issued by a local CA per window.
"""

from __future__ import annotations

import random
import socket
from collections import deque
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import tomli_w

from trust import devpki

__all__ = [
    "AS4_SERVICE",
    "DomesticTls",
    "WindowFiles",
    "as4_action",
    "domestic_tls_config",
    "free_port",
    "gateway_config",
    "server_name",
    "write_domestic_tls",
    "write_network",
    "write_window",
]


@dataclass(frozen=True)
class WindowFiles:
    """Where one window's generated files are."""

    party: str
    """The window's party id."""
    folder: Path
    """Its folder."""
    config: Path
    """Its swgw.toml."""
    ca_certificate: Path
    """Its CA certificate (what partners trust, and what xmlsec1 verifies against)."""
    partner_port: int
    """Its partner (mTLS) port."""
    domestic_port: int
    """Its domestic port."""
    as4_port: int = 0
    """Its AS4 endpoint's port (0 when no partner reaches it over AS4)."""


AS4_SERVICE = "urn:swgw:service:trade-documents"
"""The eb:Service of the development AS4 agreements."""


def as4_action(document_type: str) -> str:
    """The eb:Action of a document type in the development AS4 agreements."""
    return f"urn:swgw:action:{document_type}"


#: The ports free_port handed out last, oldest first.
_RECENT_PORTS: deque[int] = deque(maxlen=512)


def free_port() -> int:
    """A port that is free now on 127.0.0.1 (the gateways bind it a moment later).

    Taken below the kernel's ephemeral range where there is room: outgoing connections get their local ports from
    that range, and one opened meanwhile (a gateway calling its partner) could take a port handed out from it
    before the gateway binds it. A port handed out recently is not handed out again: the ports of one network are
    all picked before any gateway binds them, so a bind test alone would not see the repeat.
    """
    low = _ephemeral_low()
    if low > 4096:
        for port in random.sample(range(low - 3072, low), 64):
            if port in _RECENT_PORTS:
                continue
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue
            _RECENT_PORTS.append(port)
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ephemeral_low() -> int:
    """The first port of the kernel's ephemeral range (Linux; 0 where it cannot be read)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def server_name(party: str) -> str:
    """The TLS server name of a development gateway."""
    return f"{party.lower()}.gateway.test"


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def write_window(
    root: Path,
    party: str,
    *,
    at: datetime,
    partner_port: int,
    domestic_port: int,
    key: devpki.KeyKind = "ec",
) -> tuple[Path, devpki.IssuedCertificate]:
    """Create a window's CA, signing and TLS keys under ``root/<party>``; returns (folder, CA)."""
    folder = root / party.lower()
    ca = devpki.create_ca(f"{party} Single Window Development CA", at=at, organization=f"{party} Single Window")
    signing = devpki.issue_certificate(ca, f"{party} Gateway Document Signing", at=at, usage="signing", key=key)
    tls = devpki.issue_certificate(
        ca, server_name(party), at=at, usage="tls", dns_names=(server_name(party), "localhost"),
        ip_addresses=("127.0.0.1",),
    )
    _write(folder / "keys" / "ca.cert.pem", ca.cert_pem())
    # The development CA key stays beside it so that further certificates (rotation, RSA) can be issued.
    _write(folder / "keys" / "ca.key.pem", ca.key_pem())
    _write(folder / "keys" / "signing.key.pem", signing.key_pem())
    _write(folder / "keys" / "signing.cert.pem", signing.cert_pem())
    _write(folder / "keys" / "tls.key.pem", tls.key_pem())
    _write(folder / "keys" / "tls.cert.pem", tls.cert_pem())
    (folder / "keys" / "ca.key.pem").chmod(0o600)
    (folder / "keys" / "signing.key.pem").chmod(0o600)
    (folder / "keys" / "tls.key.pem").chmod(0o600)
    return folder, ca


def gateway_config(
    party: str,
    *,
    partner_port: int,
    domestic_port: int,
    partners: Sequence[Mapping[str, Any]],
    database_url: str = "",
) -> dict[str, Any]:
    """The configuration mapping of one development gateway (see README, Configuration)."""
    gateway: dict[str, Any] = {"party": party, "data_dir": "data"}
    if database_url:
        gateway["database_url"] = database_url
    return {
        "gateway": gateway,
        "signing": {"key": "keys/signing.key.pem", "certificate": "keys/signing.cert.pem",
                    "chain": "keys/ca.cert.pem"},
        "partner_listener": {"address": f"127.0.0.1:{partner_port}", "tls_key": "keys/tls.key.pem",
                             "tls_certificate": "keys/tls.cert.pem"},
        "domestic_listener": {"address": f"127.0.0.1:{domestic_port}"},
        "delivery": {"tick_seconds": 0.5},
        "partners": list(partners),
    }


def write_network(
    root: Path,
    parties: Sequence[str],
    documents: Mapping[tuple[str, str], Mapping[str, str | list[str]]],
    *,
    at: datetime,
    retry: Mapping[str, Any] | None = None,
    options: Mapping[tuple[str, str], Mapping[str, Any]] | None = None,
    as4: Collection[tuple[str, str]] = (),
    keys: Mapping[str, devpki.KeyKind] | None = None,
) -> dict[str, WindowFiles]:
    """Create windows that trust each other pairwise where ``documents`` has an agreement.

    ``documents[(a, b)]`` maps document type -> mapping profile (or profiles) for the agreement between a and b
    (symmetric);
    ``options[(a, b)]`` adds keys to a's ``[[partners]]`` table for b (e.g. ``attach_pdf``); the pairs in ``as4``
    (either order) are reached over AS4 instead of swgw gRPC; ``keys`` names a window's signing key kind.
    """
    ports = {p: (free_port(), free_port()) for p in parties}
    as4_parties = {p for pair in as4 for p in pair}
    as4_ports = {p: free_port() for p in parties if p in as4_parties}
    cas: dict[str, devpki.IssuedCertificate] = {}
    folders: dict[str, Path] = {}
    for party in parties:
        folders[party], cas[party] = write_window(
            root, party, at=at, partner_port=ports[party][0], domestic_port=ports[party][1],
            key=(keys or {}).get(party, "ec"),
        )
    out: dict[str, WindowFiles] = {}
    for party in parties:
        partners = []
        for other in parties:
            agreed = documents.get((party, other)) or documents.get((other, party))
            if other == party or not agreed:
                continue
            _write(folders[party] / "trust" / f"{other.lower()}-ca.pem", cas[other].cert_pem())
            entry: dict[str, Any] = {
                "party": other,
                "endpoint": f"127.0.0.1:{ports[other][0]}",
                "tls_server_name": server_name(other),
                "trust_anchors": [f"trust/{other.lower()}-ca.pem"],
                "documents": dict(agreed),
            }
            if (party, other) in as4 or (other, party) in as4:
                # The partner's access point: no gRPC endpoint, an AS4 P-Mode instead.
                del entry["endpoint"], entry["tls_server_name"]
                entry["transport"] = "as4"
                entry["as4"] = {"endpoint_url": f"https://127.0.0.1:{as4_ports[other]}/as4",
                                "service": AS4_SERVICE, "agreement_ref": f"urn:swgw:agreement:{_pair(party, other)}",
                                "actions": {t: as4_action(t) for t in agreed}}
            if retry:
                entry["retry"] = dict(retry)
            entry.update((options or {}).get((party, other), {}))
            partners.append(entry)
        config = gateway_config(party, partner_port=ports[party][0], domestic_port=ports[party][1],
                                partners=partners)
        if party in as4_ports:
            config["as4_listener"] = {"address": f"127.0.0.1:{as4_ports[party]}"}
        path = folders[party] / "swgw.toml"
        path.write_text(tomli_w.dumps(config))
        out[party] = WindowFiles(
            party=party, folder=folders[party], config=path, ca_certificate=folders[party] / "keys" / "ca.cert.pem",
            partner_port=ports[party][0], domestic_port=ports[party][1], as4_port=as4_ports.get(party, 0),
        )
    return out


def _pair(a: str, b: str) -> str:
    return "-".join(sorted((a, b))).lower()


@dataclass(frozen=True)
class DomesticTls:
    """Development TLS material for a window's domestic listener: hub and operator client certificates."""

    server_ca: Path
    """The CA of the gateway's TLS certificate (what clients trust)."""
    hub_key: Path
    """A domestic hub client key (issued by the domestic clients' CA)."""
    hub_certificate: Path
    """Its certificate; its common name is the domestic client name."""
    operator_key: Path
    """An operator client key (issued by the operators' CA)."""
    operator_certificate: Path
    """Its certificate."""
    hubs: Mapping[str, tuple[Path, Path]]
    """Further domestic client (key, certificate) files by client name."""


def write_domestic_tls(
    folder: Path, party: str, *, at: datetime, hub_name: str | None = None, extra_hubs: Sequence[str] = ()
) -> DomesticTls:
    """Create a domestic clients' CA and an operators' CA with one client each, and return where they are.

    The issuer decides the role: certificates of the operators' CA may administer the gateway, those of the
    domestic clients' CA may submit and receive documents.
    """
    keys = folder / "keys"
    clients = devpki.create_ca(f"{party} Domestic Clients CA", at=at, organization=f"{party} Single Window")
    operators = devpki.create_ca(f"{party} Operators CA", at=at, organization=f"{party} Single Window")
    hub = devpki.issue_certificate(clients, hub_name or f"{party}-NATIONAL", at=at, usage="tls")
    operator = devpki.issue_certificate(operators, f"{party.lower()}-operator", at=at, usage="tls")
    _write(keys / "domestic-clients-ca.pem", clients.cert_pem())
    _write(keys / "operators-ca.pem", operators.cert_pem())
    _write(keys / "domestic-client-cas.pem", clients.cert_pem() + operators.cert_pem())
    hubs: dict[str, tuple[Path, Path]] = {}
    for name in extra_hubs:
        issued = devpki.issue_certificate(clients, name, at=at, usage="tls")
        paths = (folder / "clients" / f"{name}.key.pem", folder / "clients" / f"{name}.cert.pem")
        _write(paths[0], issued.key_pem())
        _write(paths[1], issued.cert_pem())
        paths[0].chmod(0o600)
        hubs[name] = paths
    out = DomesticTls(
        server_ca=keys / "ca.cert.pem",
        hub_key=folder / "clients" / "hub.key.pem", hub_certificate=folder / "clients" / "hub.cert.pem",
        operator_key=folder / "clients" / "operator.key.pem",
        operator_certificate=folder / "clients" / "operator.cert.pem",
        hubs=hubs,
    )
    _write(out.hub_key, hub.key_pem())
    _write(out.hub_certificate, hub.cert_pem())
    _write(out.operator_key, operator.key_pem())
    _write(out.operator_certificate, operator.cert_pem())
    for path in (out.hub_key, out.operator_key):
        path.chmod(0o600)
    return out


def domestic_tls_config(config: dict[str, Any]) -> None:
    """Switch a configuration mapping made by :func:`gateway_config` to TLS on the domestic listener."""
    config["domestic_listener"].update({
        "tls_key": "keys/tls.key.pem", "tls_certificate": "keys/tls.cert.pem",
        "client_ca": "keys/domestic-client-cas.pem",
    })
    config["operators"] = {"ca": "keys/operators-ca.pem"}
