"""The alert webhook: POST a JSON document, and its in-memory twin."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from datetime import timedelta

from ..core.errors import DeliveryFailed

__all__ = ["MemoryAlertSender", "WebhookSender"]


class WebhookSender:
    """:class:`~gateway.core.ports.AlertSender` over HTTP(S): one POST per batch; any 2xx answer means taken.

    An https URL is verified against the system's CA store: a webhook is an ordinary web service (a chat or paging
    relay), not a partner, so partner trust does not apply. Redirects are not followed, so a batch is never
    re-sent somewhere the configuration does not name.
    """

    def __init__(self, url: str, *, timeout: timedelta = timedelta(seconds=10), user_agent: str = "swgw") -> None:
        self._url = url
        self._timeout = timeout.total_seconds()
        self._user_agent = user_agent
        self._opener = urllib.request.build_opener(_NoRedirect)

    def send(self, body: bytes) -> None:
        """POST ``body`` as application/json; raises DeliveryFailed unless the answer is 2xx."""
        request = urllib.request.Request(self._url, data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", "User-Agent": self._user_agent})
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                status = int(response.status)
                response.read()
        except urllib.error.HTTPError as e:
            raise DeliveryFailed(f"alert webhook answered HTTP {e.code}", retryable=True) from e
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise DeliveryFailed(f"alert webhook unreachable: {reason}", retryable=True) from e
        if not 200 <= status < 300:
            raise DeliveryFailed(f"alert webhook answered HTTP {status}", retryable=True)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class MemoryAlertSender:
    """The twin: records every body it took; :meth:`fail_next` makes the next sends fail."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []
        """Bodies taken, in order."""
        self.attempts = 0
        """Every call, failed ones included."""
        self._failures = 0
        self._lock = threading.Lock()

    def fail_next(self, count: int = 1) -> None:
        """The next ``count`` sends raise DeliveryFailed."""
        with self._lock:
            self._failures = count

    def send(self, body: bytes) -> None:
        """Record ``body``, or fail as told."""
        with self._lock:
            self.attempts += 1
            if self._failures > 0:
                self._failures -= 1
                raise DeliveryFailed("alert webhook twin told to fail", retryable=True)
            self.sent.append(body)
