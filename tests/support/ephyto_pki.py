"""Development PKI of a simulated ePhyto Hub: its CA, its server certificate, and NPPO client certificates."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding

from trust import devpki


@dataclass(frozen=True)
class HubPki:
    """Files of the hub's PKI."""

    ca: Path
    """The hub CA certificate: what NPPOs trust for the hub, and what issues NPPO client certificates."""
    server_certificate: Path
    server_key: Path
    clients: dict[str, tuple[Path, Path]]
    """Country -> (client certificate, key), registered at the hub."""
    fingerprints: dict[str, str]
    """SHA-256 fingerprint (hex) of each registered client certificate -> its country."""


def write_hub_pki(folder: Path, countries: tuple[str, ...], *, at: datetime, unregistered: tuple[str, ...] = ()
                  ) -> HubPki:
    """Create the hub CA, the hub's server certificate (127.0.0.1) and one client certificate per country (those
    in ``unregistered`` are issued by the hub's CA but not registered for their NPPO)."""
    folder.mkdir(parents=True, exist_ok=True)
    ca = devpki.create_ca("ePhyto Hub Simulator CA", at=at, organization="IPPC ePhyto Hub (simulated)")
    server = devpki.issue_certificate(ca, "hub.ephyto.test", at=at, usage="tls", dns_names=("localhost",),
                                      ip_addresses=("127.0.0.1",))
    (folder / "hub-ca.pem").write_bytes(ca.cert_pem())
    (folder / "hub-server.pem").write_bytes(server.cert_pem())
    (folder / "hub-server.key").write_bytes(server.key_pem())
    clients: dict[str, tuple[Path, Path]] = {}
    fingerprints: dict[str, str] = {}
    for country in (*countries, *unregistered):
        client = devpki.issue_certificate(ca, f"NPPO {country}", at=at, usage="tls")
        cert, key = folder / f"nppo-{country.lower()}.pem", folder / f"nppo-{country.lower()}.key"
        cert.write_bytes(client.cert_pem())
        key.write_bytes(client.key_pem())
        clients[country] = (cert, key)
        if country in unregistered:
            continue
        fingerprints[hashlib.sha256(client.certificate.public_bytes(Encoding.DER)).hexdigest()] = country
    return HubPki(ca=folder / "hub-ca.pem", server_certificate=folder / "hub-server.pem",
                  server_key=folder / "hub-server.key", clients=clients, fingerprints=fingerprints)
