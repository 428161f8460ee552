"""The AS4 partner transport: ebMS 3.0 User Messages to a partner's access point (eDelivery AS4 profile)."""

from __future__ import annotations

from .client import As4PartnerTransport

__all__ = ["As4PartnerTransport"]
