"""The XML namespaces of SOAP 1.2, ebMS 3.0, WS-Security and the ebBP signals an AS4 message uses."""

from __future__ import annotations

__all__ = ["DS", "EB", "EBBP", "SOAP", "SWGW", "WSSE", "WSU", "q"]

SOAP = "http://www.w3.org/2003/05/soap-envelope"
EB = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/"
EBBP = "http://docs.oasis-open.org/ebxml-bp/ebbp-signals-2.0"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DS = "http://www.w3.org/2000/09/xmldsig#"
SWGW = "urn:swgw:as4:1"
"""swgw's own elements: the payload carrier in the Body and the signed swgw receipt inside eb:Receipt."""


def q(namespace: str, name: str) -> str:
    """The Clark notation ``{namespace}name`` lxml uses."""
    return f"{{{namespace}}}{name}"
