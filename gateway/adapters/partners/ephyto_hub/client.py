"""The hub's DeliveryService as a SOAP client: zeep, built from the hub's published WSDL, over mutual TLS.

zeep reads the WSDL from a local file (the hub's published one; nothing is fetched), serialises and parses the
envelopes by the WSDL's schema and adds the WS-Addressing headers the WSDL asks for. This module adds what the
hub needs around it: our NPPO's client certificate, the hub's server certificate checked against the partner's
trust only (never the system store), the server certificate of each answer kept as the relay's attestation, and
every failure turned into :class:`HubError` with a stable code.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

import requests
import zeep
import zeep.exceptions
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from ....core.partners import EphytoHubSettings

__all__ = ["HubAnswer", "HubClient", "HubError"]

_BINDING = "{http://ephyto.ippc.int/}DeliveryServiceSoapBinding"
_HTTP_CLIENT_ERRORS = range(400, 500)


class HubError(Exception):
    """A call to the hub failed; ``code`` is stable, ``retryable`` says whether the same call may succeed later."""

    def __init__(self, message: str, *, code: str, retryable: bool) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.retryable = retryable


class HubAnswer:
    """What one operation returned, with the hub's TLS server certificate (DER) that answered it."""

    __slots__ = ("peer_certificate", "value")

    def __init__(self, value: Any, peer_certificate: bytes) -> None:
        self.value = value
        self.peer_certificate = peer_certificate


class _Connection(HTTPSConnection):
    """An HTTPS connection that keeps the server certificate of its handshake (the socket may be gone when the
    answer is read: the server closed the connection after it)."""

    peer_certificate: bytes | None = None

    def connect(self) -> None:
        super().connect()
        sock: Any = self.sock
        self.peer_certificate = sock.getpeercert(binary_form=True)


class _Pool(HTTPSConnectionPool):
    ConnectionCls = _Connection


class _TlsAdapter(HTTPAdapter):
    """requests' adapter with our own SSLContext only: the hub's CA from the partner's trust, our NPPO's client
    certificate, and the answering server's certificate kept on the response."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self._context = context
        super().__init__(max_retries=0)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._context
        super().init_poolmanager(connections, maxsize, block, **kwargs)
        pools: dict[str, type[HTTPConnectionPool]] = {"https": _Pool}
        self.poolmanager.pool_classes_by_scheme = pools  # https only: the hub is never reached in clear

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        # requests would add its CA bundle (the system store) to the context here; the context has the partner's
        # trust already, and verifying is not optional.
        conn.cert_reqs = "CERT_REQUIRED"
        conn.ca_certs = None
        conn.ca_cert_dir = None

    def build_response(self, req: requests.PreparedRequest, resp: Any) -> requests.Response:
        response = super().build_response(req, resp)
        response.peer_certificate = getattr(resp.connection, "peer_certificate", None)  # type: ignore[attr-defined]
        return response


class _Transport(zeep.Transport):
    """zeep's transport, remembering per thread the server certificate of the last answer."""

    def __init__(self, session: requests.Session, timeout: float) -> None:
        super().__init__(session=session, timeout=timeout, operation_timeout=timeout)
        self.last = threading.local()

    def post(self, address: str, message: str, headers: dict[str, str]) -> requests.Response:
        self.last.peer = None
        response: requests.Response = super().post(address, message, headers)
        self.last.peer = getattr(response, "peer_certificate", None)
        return response


class HubClient:
    """The operations of the hub's DeliveryService that an NPPO uses to exchange certificates."""

    def __init__(self, settings: EphytoHubSettings, *, roots: Callable[[datetime], bytes],
                 now: Callable[[], datetime]) -> None:
        self._settings = settings
        self._roots = roots
        self._now = now
        self._lock = threading.Lock()
        self._built: tuple[bytes, _Transport, Any] | None = None

    def _service(self) -> tuple[_Transport, Any]:
        roots = self._roots(self._now())
        if not roots:
            raise HubError("no active trust for the hub (the partner's trust anchors are the hub's CA)",
                           code="CERTIFICATE_UNTRUSTED", retryable=True)
        with self._lock:
            if self._built is not None and self._built[0] == roots:
                return self._built[1], self._built[2]
            context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cadata=roots.decode("ascii"))
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            try:
                context.load_cert_chain(self._settings.client_certificate, self._settings.client_key)
            except (OSError, ssl.SSLError) as e:
                raise HubError(f"cannot load our hub client certificate: {e}", code="CONFIG_INVALID",
                               retryable=False) from e
            session = requests.Session()
            session.trust_env = False  # no proxy or CA bundle from the environment
            session.mount("https://", _TlsAdapter(context))
            transport = _Transport(session, self._settings.timeout.total_seconds())
            try:
                client = zeep.Client(self._settings.wsdl, transport=transport, settings=zeep.Settings(
                    strict=True, forbid_dtd=True, forbid_entities=True, forbid_external=True, xml_huge_tree=False,
                ))
                service = client.create_service(_BINDING, self._settings.url)
            except (OSError, ValueError, zeep.exceptions.Error) as e:
                raise HubError(f"cannot read the hub's WSDL {self._settings.wsdl}: {e}", code="CONFIG_INVALID",
                               retryable=False) from e
            self._built = (roots, transport, service)
            return transport, service

    def call(self, operation: str, **arguments: Any) -> HubAnswer:
        """Call one DeliveryService operation; raises :class:`HubError`."""
        transport, service = self._service()
        try:
            value = getattr(service, operation)(**arguments)
        except zeep.exceptions.Fault as e:
            raise HubError(f"the hub refused {operation}: {_fault_message(e)}", code="HUB_ENVELOPE_REFUSED",
                           retryable=False) from e
        except zeep.exceptions.TransportError as e:
            retryable = e.status_code not in _HTTP_CLIENT_ERRORS
            raise HubError(f"the hub answered {operation} with HTTP {e.status_code}", code="HUB_UNAVAILABLE"
                           if retryable else "HUB_ENVELOPE_REFUSED", retryable=retryable) from e
        except requests.exceptions.SSLError as e:
            # Our certificate refused by the hub, or the hub's not trusted by us: no retry heals that.
            raise HubError(f"TLS with the hub failed: {e}", code="HUB_TLS_REFUSED", retryable=False) from e
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as e:
            raise HubError(f"the hub is not reachable: {e}", code="HUB_UNAVAILABLE", retryable=True) from e
        except (zeep.exceptions.Error, ValueError, TypeError) as e:
            # zeep refuses to send what the WSDL does not allow, or cannot read the answer.
            raise HubError(f"{operation}: not an exchange the hub's WSDL allows: {e}",
                           code="HUB_ENVELOPE_INVALID", retryable=False) from e
        peer = getattr(transport.last, "peer", None)
        if not peer:  # pragma: no cover - every answer over TLS has a server certificate
            raise HubError("the hub's answer came without its TLS certificate", code="HUB_UNAVAILABLE",
                           retryable=True)
        return HubAnswer(value, peer)


def _fault_message(fault: zeep.exceptions.Fault) -> str:
    detail = fault.detail
    if detail is not None:
        # HubWebException/message is the hub's reason.
        texts = [t.strip() for t in detail.itertext() if t.strip()]
        if texts:
            return " ".join(texts)[:500]
    return str(fault.message)[:500]
