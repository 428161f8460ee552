"""``swgw init``: a starter configuration and development keys for a new window (see README, 'Running a gateway')."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    """``swgw init``: write the window's keys and configuration, and print what was written and what comes next."""
    from .devsetup import (
        domestic_tls_config,
        free_port,
        gateway_config,
        server_name,
        write_domestic_tls,
        write_window,
    )

    import tomli_w

    root: Path = args.dir
    party: str = args.party
    path = root / party.lower() / "swgw.toml"
    # Refuse before writing anything: new keys under an existing configuration would change the CA partners trust.
    if path.exists() and not args.force:
        print(f"swgw: {path} exists (use --force to replace it and its development keys)", file=sys.stderr)
        return 2
    partner_port = args.partner_port or free_port()
    domestic_port = args.domestic_port or free_port()
    folder, _ = write_window(root, party, at=datetime.now(UTC), partner_port=partner_port,
                             domestic_port=domestic_port)
    config = gateway_config(party, partner_port=partner_port, domestic_port=domestic_port, partners=[])
    tls = write_domestic_tls(folder, party, at=datetime.now(UTC)) if args.domestic_tls else None
    if tls is not None:
        domestic_tls_config(config)
    # No "partners = []": `swgw agreement import` appends [[partners]] tables, which TOML refuses after it.
    del config["partners"]
    # The keyring `swgw keys rotate` puts new signing keys into (README, "Rotating keys without downtime").
    config["signing"]["keyring"] = "keys/keyring"
    (folder / "keys" / "keyring").mkdir(mode=0o750, exist_ok=True)
    path.write_text(tomli_w.dumps(config))
    keys = sorted(p.name for p in (folder / "keys").iterdir())
    if args.json:
        from .output import print_json

        print_json({
            "party": party, "folder": str(folder), "configuration": str(path), "keys": str(folder / "keys"),
            "key_files": keys, "partner_address": f"127.0.0.1:{partner_port}",
            "tls_server_name": server_name(party), "domestic_address": f"127.0.0.1:{domestic_port}",
            "domestic_tls": None if tls is None else {
                "server_ca": str(tls.server_ca), "hub_certificate": str(tls.hub_certificate),
                "hub_key": str(tls.hub_key), "operator_certificate": str(tls.operator_certificate),
                "operator_key": str(tls.operator_key)},
        })
        return 0
    print(f"swgw init: window {party} in {folder}")
    print(f"  configuration   {path}")
    print(f"  keys            {folder / 'keys'}: {', '.join(keys)}")
    print(f"  party           {party}")
    print(f"  partner port    127.0.0.1:{partner_port} (mutual TLS, for partners; TLS server name "
          f"{server_name(party)})")
    print(f"  domestic port   127.0.0.1:{domestic_port} (submit, status; or --config {path})")
    if tls is not None:
        print(f"  domestic TLS    server CA {tls.server_ca}; hub client {tls.hub_certificate} + {tls.hub_key}; "
              f"operator client {tls.operator_certificate} + {tls.operator_key}")
    print("next (README, 'Adding a partner'; `swgw profiles` lists the profiles):")
    print(f"  swgw agreement export --config {path} --out {party.lower()}-offer.json --document TYPE=PROFILE")
    print(f"  swgw agreement import PARTNER-offer.json --config {path}")
    print(f"  swgw serve --config {path}")
    return 0
