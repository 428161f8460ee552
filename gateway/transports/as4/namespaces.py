"""The XML namespaces of SOAP 1.2, ebMS 3.0, WS-Security and the ebBP signals an AS4 message uses."""

from __future__ import annotations

__all__ = ["DS", "EB", "EBBP", "SOAP", "SWGW", "WSSE", "WSU", "q"]

from trust.wssec import DS, EB, SOAP, WSSE, WSU, q

EBBP = "http://docs.oasis-open.org/ebxml-bp/ebbp-signals-2.0"
SWGW = "urn:swgw:as4:1"
"""swgw's own elements: the payload carrier in the Body and the signed swgw receipt inside eb:Receipt."""
