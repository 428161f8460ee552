"""The exported form of a message (``swgw-message/1``): its envelope (payload, attachments and signature) and its
receipt as protobuf JSON, in one file that ``swgw verify`` checks offline. Written by ``swgw messages export`` and
by the retention archive."""

from __future__ import annotations

import json
from typing import Any

from google.protobuf import json_format

from ..core.domain import Envelope, Receipt
from . import codec

__all__ = ["EXPORT_FORMAT", "export_message"]

EXPORT_FORMAT = "swgw-message/1"
"""The ``format`` member of an exported message."""


def export_message(envelope: Envelope, receipt: Receipt | None) -> bytes:
    """An exported message: the envelope (payload and attachments included) and its receipt, as protobuf JSON."""
    bundle: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "envelope": json_format.MessageToDict(codec.envelope_to_proto(envelope)),
    }
    if receipt is not None:
        bundle["receipt"] = json_format.MessageToDict(codec.receipt_to_proto(receipt))
    return json.dumps(bundle, indent=1).encode()
