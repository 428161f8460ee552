"""Real gateways in this process: development PKI, TOML configurations, SQLite or PostgreSQL, gRPC on loopback."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomli_w
import tomllib

import mappings

from gateway.app import App, build_app
from gateway.tools.cli import load_settings
from gateway.tools.client import GatewayClient
from gateway.tools.devsetup import WindowFiles, write_network

COO_AGREEMENTS = {
    ("CN", "HK"): {"certificate-of-origin": "coo-ubl24-cepa-hk"},
    ("CN", "MO"): {"certificate-of-origin": "coo-ubl24-cepa-mo"},
}


@dataclass
class Network:
    """Running gateways by party, with their generated files."""

    apps: dict[str, App]
    files: dict[str, WindowFiles]

    def client(self, party: str) -> GatewayClient:
        """A domestic client of ``party``'s gateway."""
        return GatewayClient(f"127.0.0.1:{self.apps[party].domestic_port}", timeout=20)

    def stop(self, party: str) -> None:
        """Stop one gateway."""
        self.apps[party].stop(grace=1)

    def restart(self, party: str) -> App:
        """Start a stopped gateway again on the same ports and database."""
        app = build_app(load_settings(self.files[party].config))
        app.start()
        self.apps[party] = app
        return app


def wait_for(predicate: Callable[[], Any], timeout: float = 20.0, interval: float = 0.05) -> Any:
    """Poll until ``predicate()`` is truthy; return its value or fail."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


def _patch(config: Path, change: Callable[[dict[str, Any]], None]) -> None:
    data = tomllib.loads(config.read_text())
    change(data)
    config.write_text(tomli_w.dumps(data))


@contextmanager
def running_network(
    root: Path,
    parties: Sequence[str] = ("CN", "HK"),
    agreements: Mapping[tuple[str, str], Mapping[str, str]] = COO_AGREEMENTS,
    *,
    database_urls: Mapping[str, str] | None = None,
    retry: Mapping[str, Any] | None = None,
    configure: Callable[[str, dict[str, Any]], None] | None = None,
    as4: Collection[tuple[str, str]] = (),
    keys: Mapping[str, Any] | None = None,
) -> Iterator[Network]:
    """Start gateways for ``parties`` (the pairs in ``as4`` reach each other over AS4); stop them on exit."""
    files = write_network(root, parties, agreements, at=datetime.now(UTC), as4=as4, keys=keys, retry=retry or {
        "strategy": "constant", "initial_delay_seconds": 0.2, "max_delay_seconds": 0.2, "max_attempts": 50,
        "jitter": 0.0,
    })
    for party, window in files.items():
        def change(data: dict[str, Any], party: str = party) -> None:
            data["delivery"]["tick_seconds"] = 0.2
            if database_urls and party in database_urls:
                data["gateway"]["database_url"] = database_urls[party]
            if configure is not None:
                configure(party, data)
        _patch(window.config, change)
    apps: dict[str, App] = {}
    try:
        for party, window in files.items():
            apps[party] = build_app(load_settings(window.config))
            apps[party].start()
        yield Network(apps=apps, files=files)
    finally:
        for app in apps.values():
            try:
                app.stop(grace=1)
            except Exception:  # noqa: BLE001 - already stopped by the test
                pass


@contextmanager
def postgres_schemas(url: str, parties: Sequence[str] = ("CN", "HK"), prefix: str = "swgw_it") -> Iterator[dict[str, str]]:
    """A schema of its own per gateway in the PostgreSQL database at ``url`` (dropped on exit): database URLs by
    party, with the schema as search path."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    names = {party: f"{prefix}_{party.lower()}_{uuid.uuid4().hex[:10]}" for party in parties}
    admin = create_engine(url)
    with admin.begin() as connection:
        for name in names.values():
            connection.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        yield {party: make_url(url).update_query_dict({"options": f"-csearch_path={name}"})
               .render_as_string(hide_password=False) for party, name in names.items()}
    finally:
        with admin.begin() as connection:
            for name in names.values():
                connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


def example(name: str) -> dict[str, Any]:
    """A shipped sample record, its certificate issued today (agreements refuse expired certificates)."""
    return mappings.load_example(name, issued_on=datetime.now(UTC).date())


def record_bytes(record: Mapping[str, Any]) -> bytes:
    """A catalog record as the domestic hub sends it."""
    return json.dumps(record, ensure_ascii=False).encode()
