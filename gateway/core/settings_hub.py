"""The ``[partners.ephyto_hub]`` table: how a partner is reached through the IPPC ePhyto Hub.

Read with the same strict table reader as the rest of the configuration (:mod:`gateway.core.settings`), which calls
:func:`parse_ephyto_hub` for every ``[[partners]]`` entry.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import TYPE_CHECKING

from .errors import ConfigInvalid
from .partners import EphytoHubSettings

if TYPE_CHECKING:
    from .config_tables import Table

__all__ = ["parse_ephyto_hub"]


def parse_ephyto_hub(table: Table, base_dir: PurePath, transport: str) -> EphytoHubSettings | None:
    """The partner's ``ephyto_hub`` table, present exactly when its ``transport`` is ``"ephyto-hub"``."""
    hub_table = table.table("ephyto_hub")
    if transport != "ephyto-hub":
        if not hub_table.empty():
            raise ConfigInvalid(f"{table.key('ephyto_hub')} needs transport = \"ephyto-hub\"",
                                field_path=table.key("ephyto_hub"))
        hub_table.done()
        return None
    if hub_table.empty():
        raise ConfigInvalid(f"transport = \"ephyto-hub\" needs a {table.key('ephyto_hub')} table",
                            field_path=table.key("ephyto_hub"))
    return _ephyto_hub(hub_table, base_dir)


def _ephyto_hub(table: Table, base_dir: PurePath) -> EphytoHubSettings:
    from .config_tables import choice, seconds

    url = table.get("url", str, required=True)
    if not url.startswith("https://"):
        # The hub authenticates NPPOs by their TLS client certificate: there is no hub connection without TLS.
        raise ConfigInvalid(f"{table.key('url')} must be an https:// address", field_path=table.key("url"))
    countries = {}
    for key in ("country", "partner_country"):
        value = table.get(key, str, required=True)
        if not (len(value) == 2 and value.isascii() and value.isalpha() and value.isupper()):
            raise ConfigInvalid(f"{table.key(key)} must be an ISO 3166 two-letter code (as the hub knows the NPPO)",
                                field_path=table.key(key))
        countries[key] = value
    if countries["country"] == countries["partner_country"]:
        raise ConfigInvalid(f"{table.key('partner_country')} cannot be our own country",
                            field_path=table.key("partner_country"))
    mode = choice(table, "mode", ("pull",), "pull")
    settings = EphytoHubSettings(
        url=url,
        wsdl=str(base_dir / table.get("wsdl", str, required=True)),
        client_certificate=str(base_dir / table.get("client_certificate", str, required=True)),
        client_key=str(base_dir / table.get("client_key", str, required=True)),
        country=countries["country"],
        partner_country=countries["partner_country"],
        mode=mode,
        poll_interval=seconds(table, "poll_interval_seconds", 30.0),
        timeout=seconds(table, "timeout_seconds", 30.0),
    )
    table.done()
    return settings
