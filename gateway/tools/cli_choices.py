"""The allowed values of ``swgw`` options, as literals.

The parser is built on every ``swgw`` start, ``--help`` included, and must not import the stack (cryptography,
trust, mappings, grpc) to read them off the enums. ``tests/unit/gateway/test_cli_parser.py`` checks each tuple
against its enum, so a new member cannot be forgotten here.
"""

from __future__ import annotations

__all__ = ["ACTIONS", "CERTIFICATE_ROLES", "DOCUMENT_TYPES", "MESSAGE_STATUSES"]

#: :class:`gateway.core.domain.DocumentType`
DOCUMENT_TYPES = ("certificate-of-origin", "cargo-manifest", "sps-certificate")
#: :class:`gateway.core.domain.Action`
ACTIONS = ("issue", "replace", "withdraw")
#: :class:`gateway.core.domain.MessageStatus`
MESSAGE_STATUSES = ("ACCEPTED", "QUEUED", "SENDING", "RETRY_WAIT", "DELIVERED", "REJECTED", "FAILED", "RECEIVED",
                    "HANDED_OVER")
#: :class:`trust.CertificateRole`
CERTIFICATE_ROLES = ("anchor", "intermediate", "pinned")
