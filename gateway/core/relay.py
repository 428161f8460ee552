"""Receipts a relay attests: the IPPC ePhyto Hub reports delivery over its authenticated TLS channel and signs
nothing, so its server certificate chain stands in for the partner's receipt signature."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence

from .domain import Signature

__all__ = ["RELAY_TLS_FORMAT", "relay_attestation", "relay_chain"]

RELAY_TLS_FORMAT = "urn:swgw:relay-tls:1"
"""The format of a receipt that a relay (the IPPC ePhyto Hub) attested instead of the partner signing it.

Its value is the relay's TLS server certificate chain as the connection presented it (base64 DER, leaf first,
comma separated). It is accepted only where the agreement names a relay transport, and only when that chain
validates to the partner's trust (the relay's CA): the hub reports delivery over that authenticated channel and
signs nothing itself.
"""


def relay_attestation(chain: Sequence[bytes]) -> Signature:
    """The :data:`RELAY_TLS_FORMAT` attestation carrying a relay's TLS server chain (DER, leaf first)."""
    return Signature(",".join(base64.b64encode(der).decode("ascii") for der in chain), format=RELAY_TLS_FORMAT)


def relay_chain(signature: Signature) -> list[bytes]:
    """The DER certificates of a :data:`RELAY_TLS_FORMAT` attestation; raises :class:`ValueError` when its value
    is not one."""
    if signature.format != RELAY_TLS_FORMAT:
        raise ValueError(f"not a relay attestation: {signature.format[:64]!r}")
    try:
        return [base64.b64decode(part, validate=True) for part in signature.value.split(",")]
    except binascii.Error as e:
        raise ValueError(f"relay attestation is not base64 DER: {e}") from e
