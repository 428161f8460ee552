"""The IPPC ePhyto Hub connector: a :class:`~gateway.core.ports.PartnerTransport` that delivers SPS certificates
through the hub's published DeliveryService (SOAP, zeep, mutual TLS) and follows its tracking, and a puller that
fetches what waits for us, hands it to the inbound pipeline and acknowledges it."""

from .client import HubClient, HubError
from .puller import HubPuller, RelayedReceiver
from .transport import EphytoHubTransport, HubConnections

__all__ = ["EphytoHubTransport", "HubClient", "HubConnections", "HubError", "HubPuller", "RelayedReceiver"]
