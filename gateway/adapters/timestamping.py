"""The RFC 3161 time-stamping authority over HTTP: pyHanko's ``HTTPTimeStamper`` behind trust's ``Timestamper``
port. Its twin for tests and development is :class:`trust.devpki.DevTimestamper` (a TSA of its own, no I/O)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper

__all__ = ["HttpTimestamper"]


class HttpTimestamper:
    """Asks the TSA at ``url`` for tokens (``application/timestamp-query``, nonce checked by pyHanko)."""

    def __init__(self, url: str, *, timeout_seconds: float = 10.0) -> None:
        self.url = url
        self._timeout = timeout_seconds
        # pyHanko's client is asynchronous; the signing code that calls the port may itself run inside pyHanko's
        # event loop (PDF signing), so each request runs its own loop on a thread of its own.
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="tsa")

    def timestamp(self, digest: bytes, algorithm: str) -> bytes:
        """A DER time-stamp token over ``digest``; ``OSError`` when the TSA cannot be reached or refuses."""
        return self._pool.submit(self._request, digest, algorithm).result()

    def _request(self, digest: bytes, algorithm: str) -> bytes:
        stamper = HTTPTimeStamper(self.url, timeout=self._timeout)
        try:
            token = asyncio.run(stamper.async_timestamp(digest, algorithm))
        except OSError:
            raise
        except Exception as e:  # aiohttp's and pyHanko's errors (refusal, bad nonce) share no base class
            raise OSError(f"time-stamping authority {self.url}: {e}") from e
        return bytes(token.dump())
