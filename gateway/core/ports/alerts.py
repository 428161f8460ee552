"""The port through which alerts leave the gateway (the webhook)."""

from __future__ import annotations

from typing import Protocol

__all__ = ["AlertSender"]


class AlertSender(Protocol):
    """Delivers one alert notification (a JSON document) to where operators watch.

    The real one POSTs to the configured webhook (``gateway.adapters.webhook.WebhookSender``); the twin
    (``MemoryAlertSender``) records what it was given and fails when told to.
    """

    def send(self, body: bytes) -> None:
        """Deliver ``body`` (UTF-8 JSON); raises :class:`~gateway.core.errors.DeliveryFailed` when it was not
        taken (no answer, or an answer other than 2xx), so the caller retries."""
        ...
