"""swgw: a gateway between trade single windows.

The package is built in floors; each imports only the floors below it (``tests/test_architecture.py`` holds the
table and checks it):

* :mod:`gateway.core` - pure ground floor: domain types, errors, ports, partner agreements and their retry policy,
  routing, settings;
* :mod:`gateway.pipeline` - the life of a message on top of the ports: outbound, inbound, delivery outcomes,
  operator actions; its steps are pure;
* :mod:`gateway.adapters` - the I/O behind the ports (persistence, trust book and keyring, partner transports,
  clock, scheduler, metrics), each with an in-memory twin;
* :mod:`gateway.transports` - the gRPC servicers, the codec between protobuf and the domain, the one translation of
  errors to gRPC status;
* :mod:`gateway.app` - the composition root, the only module that wires adapters to the pipeline;
* :mod:`gateway.tools` - the ``swgw`` command, clients, demo, development PKI and offline verification.

The names below are the public surface for code that embeds or talks to the gateway: the message vocabulary and
the error root. Everything else is reached through its floor.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .core.domain import (
        Action,
        BusinessKey,
        DocumentType,
        Envelope,
        MessageStatus,
        PartyId,
        Receipt,
        ReceiptOutcome,
    )
    from .core.errors import GatewayError

__all__ = [
    "Action",
    "BusinessKey",
    "DocumentType",
    "Envelope",
    "GatewayError",
    "MessageStatus",
    "PartyId",
    "Receipt",
    "ReceiptOutcome",
]

# The names load on first use: ``swgw --help`` imports this package and must not pay for cryptography, trust and
# mappings, which the core's domain types pull in.
_HOMES = {"GatewayError": ".core.errors"} | {name: ".core.domain" for name in __all__ if name != "GatewayError"}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value
