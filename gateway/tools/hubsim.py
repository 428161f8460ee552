"""A local IPPC ePhyto Hub simulator: the hub's published WSDL served over HTTPS on loopback, with the hub's rules.

A development tool for the tests and ``swgw demo`` (never part of a gateway), written independently of the
connector in ``gateway/adapters/partners/ephyto_hub``: it parses requests with lxml, validates
every request body (and its own answers) against the XML schema embedded in the WSDL with lxml's XMLSchema, and
keeps per-envelope delivery status. Rules enforced:

* clients authenticate with a TLS certificate issued by the hub's CA (anything else fails the handshake) and
  registered for an NPPO country (a certificate of the CA that is not registered gets a ``HubWebException``);
* ``DeliverEnvelope``: ``From`` must be the caller's country and ``To`` a registered NPPO; the envelope waits
  (``PendingDelivery``) with a new hub delivery number;
* ``GetImportEnvelopeHeaders`` / ``PULLSingleImportEnvelope`` / ``PULLImportEnvelope``: only envelopes addressed
  to the caller and still pending;
* ``AcknowledgeEnvelopeReceipt`` (``Delivered``), ``AdvancedAcknowledgeEnvelopeReceipt``
  (``DeliveredWithWarnings``) and ``AcknowledgeFailedEnvelopeReceipt`` (``FailedDelivery`` with the reason): by
  the addressee only, once;
* ``GetEnvelopeTrackingInfo``: by the sender only; an unknown number is ``EnvelopeNotExists``.

The hub's push mode (the hub calling an NPPO's own endpoint) is not simulated.
"""

from __future__ import annotations

import hashlib
import itertools
import ssl
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from trust import devpki

__all__ = ["HubPki", "HubSimulator", "RunningHub", "running_hub", "write_hub_pki", "wsdl_schema"]

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
XS = "http://www.w3.org/2001/XMLSchema"
TNS = "http://ephyto.ippc.int/"
ENT = "http://ephyto.ippc.int/HUB.Entities"
_HEADER_FIELDS = ("From", "To", "CertificateType", "CertificateStatus", "NPPOCertificateNumber")


def wsdl_schema(wsdl: Path) -> etree.XMLSchema:
    """The XML schema embedded in the WSDL (seven inline schemas importing each other by namespace)."""
    schemas = etree.parse(str(wsdl)).getroot().findall(f".//{{{XS}}}schema")
    folder = Path(tempfile.mkdtemp(prefix="ephyto-wsdl-"))
    names = {s.get("targetNamespace"): f"s{i}.xsd" for i, s in enumerate(schemas)}
    for i, schema in enumerate(schemas):
        copy = etree.fromstring(etree.tostring(schema))
        for imported in copy.findall(f"{{{XS}}}import"):
            imported.set("schemaLocation", names[imported.get("namespace")])
        (folder / f"s{i}.xsd").write_bytes(etree.tostring(copy))
    imports = "".join(f'<xs:import namespace="{ns}" schemaLocation="{name}"/>' for ns, name in names.items())
    (folder / "all.xsd").write_text(f'<xs:schema xmlns:xs="{XS}">{imports}</xs:schema>')
    return etree.XMLSchema(etree.parse(str(folder / "all.xsd")))


@dataclass
class HubEnvelope:
    """One envelope the hub holds."""

    number: str
    """The hub delivery number."""
    header: dict[str, str]
    """From, To, CertificateType, CertificateStatus and NPPOCertificateNumber as delivered."""
    content: str | None
    """The certificate as delivered."""
    status: str = "PendingDelivery"
    """Its HUBTrackingInfo."""
    error: str | None = None
    """The importer's reason or warning, once acknowledged as failed or with warnings."""


class HubFault(Exception):
    """A HubWebException answer."""


@dataclass
class HubSimulator:
    """The hub's state and rules; :func:`running_hub` serves it."""

    wsdl: Path
    nppos: Mapping[str, str]
    """SHA-256 fingerprint (hex) of a registered NPPO client certificate -> its country code."""
    schema: etree.XMLSchema = field(init=False)
    envelopes: dict[str, HubEnvelope] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    """Why requests were refused, in order."""
    lose_acknowledgements: int = 0
    """Answer this many acknowledgements with HTTP 503 without applying them (a lost acknowledgement)."""
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.schema = wsdl_schema(self.wsdl)

    def status(self, number: str) -> str:
        """An envelope's delivery status."""
        return self.envelopes[number].status

    def handle(self, body: bytes, client_der: bytes | None) -> tuple[int, bytes]:
        """One SOAP request: (HTTP status, SOAP response)."""
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
        try:
            request = etree.fromstring(body, parser=parser)
        except etree.XMLSyntaxError as e:
            return self._fault(f"request is not XML: {e}")
        operation = request.find(f"{{{SOAP}}}Body/*")
        if request.tag != f"{{{SOAP}}}Envelope" or operation is None:
            return self._fault("not a SOAP 1.1 envelope with a body")
        if not self.schema.validate(operation):
            return self._fault(f"envelope invalid: {self.schema.error_log.last_error}")
        country = self.nppos.get(hashlib.sha256(client_der or b"").hexdigest())
        if country is None:
            return self._fault("client certificate is not registered for an NPPO")
        name = etree.QName(operation).localname
        handler = getattr(self, f"_op_{name}", None)
        if handler is None:
            return self._fault(f"{name} is not simulated")
        if "Acknowledge" in name and self.lose_acknowledgements > 0:
            self.lose_acknowledgements -= 1
            return 503, b""
        try:
            with self._lock:
                answer = handler(operation, country)
        except HubFault as e:
            return self._fault(str(e))
        if not self.schema.validate(answer):  # the simulator's own answers follow the WSDL too
            raise AssertionError(f"simulator answer invalid: {self.schema.error_log.last_error}")
        return 200, _soap(answer)

    def _fault(self, message: str) -> tuple[int, bytes]:
        self.refused.append(message)
        fault = etree.Element(f"{{{SOAP}}}Fault")
        etree.SubElement(fault, "faultcode").text = "soap:Server"
        etree.SubElement(fault, "faultstring").text = message
        detail = etree.SubElement(etree.SubElement(fault, "detail"), f"{{{TNS}}}HubWebException")
        etree.SubElement(detail, f"{{{TNS}}}message").text = message
        return 500, _soap(fault)

    # Operations ---------------------------------------------------------------------------------------------

    def _op_DeliverEnvelope(self, operation: etree._Element, country: str) -> etree._Element:
        env = operation.find(f"{{{TNS}}}env")
        if env is None:  # pragma: no cover - the schema requires it
            raise HubFault("DeliverEnvelope without env")
        header = {f: _text(env, f) for f in _HEADER_FIELDS}
        if header["From"] != country:
            raise HubFault(f"From {header['From']} is not the caller's NPPO {country}")
        if header["To"] not in set(self.nppos.values()):
            raise HubFault(f"To {header['To']} is not an NPPO connected to the hub")
        number = f"{country}{header['To']}-{next(self._numbers):06d}"
        content = env.find(f"{{{ENT}}}Content")
        self.envelopes[number] = HubEnvelope(number, header, content.text if content is not None else None)
        return self._answer("DeliverEnvelopeResponse", "DeliverEnvelopeResult", self.envelopes[number])

    def _op_GetEnvelopeTrackingInfo(self, operation: etree._Element, country: str) -> etree._Element:
        envelope = self.envelopes.get(_text(operation, "hubTrackingNumber", TNS))
        if envelope is None or envelope.header["From"] != country:
            missing = HubEnvelope("", {"From": "", "To": "", "CertificateType": "0", "CertificateStatus": "0",
                                       "NPPOCertificateNumber": ""}, None, status="EnvelopeNotExists")
            return self._answer("GetEnvelopeTrackingInfoResponse", "GetEnvelopeTrackingInfoResult", missing)
        return self._answer("GetEnvelopeTrackingInfoResponse", "GetEnvelopeTrackingInfoResult", envelope)

    def _op_GetImportEnvelopeHeaders(self, operation: etree._Element, country: str) -> etree._Element:
        answer = etree.Element(f"{{{TNS}}}GetImportEnvelopeHeadersResponse")
        result = etree.SubElement(answer, f"{{{TNS}}}GetImportEnvelopeHeadersResult")
        for envelope in self._waiting(country):
            _fill(etree.SubElement(result, f"{{{ENT}}}EnvelopeHeader"), envelope, content=False)
        return answer

    def _op_PULLImportEnvelope(self, operation: etree._Element, country: str) -> etree._Element:
        answer = etree.Element(f"{{{TNS}}}PULLImportEnvelopeResponse")
        result = etree.SubElement(answer, f"{{{TNS}}}PULLImportEnvelopesResult")
        for envelope in self._waiting(country):
            _fill(etree.SubElement(result, f"{{{ENT}}}Envelope"), envelope, content=True)
        return answer

    def _op_PULLSingleImportEnvelope(self, operation: etree._Element, country: str) -> etree._Element:
        envelope = self._addressed(operation, country)
        return self._answer("PULLSingleImportEnvelopeResponse", "PULLSingleImportEnvelopeResult", envelope,
                            content=True)

    def _op_AcknowledgeEnvelopeReceipt(self, operation: etree._Element, country: str) -> etree._Element:
        self._settle(self._addressed(operation, country), "Delivered", None)
        return etree.Element(f"{{{TNS}}}AcknowledgeEnvelopeReceiptResponse")

    def _op_AdvancedAcknowledgeEnvelopeReceipt(self, operation: etree._Element, country: str) -> etree._Element:
        self._settle(self._addressed(operation, country), "DeliveredWithWarnings",
                     _text(operation, "warningMessage", TNS))
        return etree.Element(f"{{{TNS}}}AdvancedAcknowledgeEnvelopeReceiptResponse")

    def _op_AcknowledgeFailedEnvelopeReceipt(self, operation: etree._Element, country: str) -> etree._Element:
        self._settle(self._addressed(operation, country), "FailedDelivery", _text(operation, "message", TNS))
        return etree.Element(f"{{{TNS}}}AcknowledgeFailedEnvelopeReceiptResponse")

    # Helpers ------------------------------------------------------------------------------------------------

    def _waiting(self, country: str) -> list[HubEnvelope]:
        return [e for e in self.envelopes.values() if e.header["To"] == country and e.status == "PendingDelivery"]

    def _addressed(self, operation: etree._Element, country: str) -> HubEnvelope:
        number = _text(operation, "hubTrackingNumber", TNS)
        envelope = self.envelopes.get(number)
        if envelope is None or envelope.header["To"] != country:
            raise HubFault(f"no envelope {number} for {country}")
        return envelope

    @staticmethod
    def _settle(envelope: HubEnvelope, status: str, error: str | None) -> None:
        if envelope.status != "PendingDelivery":
            raise HubFault(f"envelope {envelope.number} is {envelope.status} already")
        envelope.status, envelope.error = status, error

    @staticmethod
    def _answer(response: str, result: str, envelope: HubEnvelope, *, content: bool = False) -> etree._Element:
        answer = etree.Element(f"{{{TNS}}}{response}")
        _fill(etree.SubElement(answer, f"{{{TNS}}}{result}"), envelope, content=content)
        return answer


def _text(parent: etree._Element, name: str, namespace: str = ENT) -> str:
    element = parent.find(f"{{{namespace}}}{name}")
    return (element.text or "") if element is not None else ""


def _fill(target: etree._Element, envelope: HubEnvelope, *, content: bool) -> None:
    for name in _HEADER_FIELDS:
        etree.SubElement(target, f"{{{ENT}}}{name}").text = envelope.header[name]
    if envelope.number:
        etree.SubElement(target, f"{{{ENT}}}hubDeliveryNumber").text = envelope.number
    etree.SubElement(target, f"{{{ENT}}}HUBTrackingInfo").text = envelope.status
    if envelope.error:
        etree.SubElement(target, f"{{{ENT}}}hubDeliveryErrorMessage").text = envelope.error
    if content and envelope.content is not None:
        etree.SubElement(target, f"{{{ENT}}}Content").text = envelope.content


def _soap(payload: etree._Element) -> bytes:
    envelope = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soap": SOAP})
    etree.SubElement(envelope, f"{{{SOAP}}}Body").append(payload)
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")


@dataclass
class RunningHub:
    """A serving simulator."""

    hub: HubSimulator
    """The simulator's state."""
    url: str
    """The DeliveryService address (``https://127.0.0.1:PORT/hub/DeliveryService``)."""
    port: int
    """The bound port."""


@contextmanager
def running_hub(hub: HubSimulator, *, certificate: Path, key: Path, client_ca: Path) -> Iterator[RunningHub]:
    """Serve ``hub`` over HTTPS on 127.0.0.1 (a free port), requiring client certificates from ``client_ca``."""
    wsdl_bytes = hub.wsdl.read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if not self.path.endswith("?wsdl"):
                self.send_error(404)
                return
            self._send(200, wsdl_bytes, "text/xml")

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            sock: Any = self.connection
            status, body = hub.handle(self.rfile.read(length), sock.getpeercert(binary_form=True))
            self._send(status, body, "text/xml; charset=utf-8")

        def _send(self, status: int, body: bytes, media_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", media_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(certificate), str(key))
    context.load_verify_locations(cafile=str(client_ca))
    context.verify_mode = ssl.CERT_REQUIRED
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, name="ephyto-hub-sim", daemon=True)
    thread.start()
    port = server.server_address[1]
    try:
        yield RunningHub(hub=hub, url=f"https://127.0.0.1:{port}/hub/DeliveryService", port=port)
    finally:
        server.shutdown()
        server.server_close()


@dataclass(frozen=True)
class HubPki:
    """Files of the hub's PKI."""

    ca: Path
    """The hub CA certificate: what NPPOs trust for the hub, and what issues NPPO client certificates."""
    server_certificate: Path
    """The hub's TLS server certificate (for 127.0.0.1 and localhost)."""
    server_key: Path
    """Its private key."""
    clients: dict[str, tuple[Path, Path]]
    """Country -> (client certificate, key), registered at the hub."""
    fingerprints: dict[str, str]
    """SHA-256 fingerprint (hex) of each registered client certificate -> its country."""


def write_hub_pki(folder: Path, countries: tuple[str, ...], *, at: datetime, unregistered: tuple[str, ...] = ()
                  ) -> HubPki:
    """Create the hub CA, the hub's server certificate (127.0.0.1) and one client certificate per country (those
    in ``unregistered`` are issued by the hub's CA but not registered for their NPPO)."""
    folder.mkdir(parents=True, exist_ok=True)
    ca = devpki.create_ca("ePhyto Hub Simulator CA", at=at, organization="IPPC ePhyto Hub (simulated)")
    server = devpki.issue_certificate(ca, "hub.ephyto.test", at=at, usage="tls", dns_names=("localhost",),
                                      ip_addresses=("127.0.0.1",))
    (folder / "hub-ca.pem").write_bytes(ca.cert_pem())
    (folder / "hub-server.pem").write_bytes(server.cert_pem())
    (folder / "hub-server.key").write_bytes(server.key_pem())
    clients: dict[str, tuple[Path, Path]] = {}
    fingerprints: dict[str, str] = {}
    for country in (*countries, *unregistered):
        client = devpki.issue_certificate(ca, f"NPPO {country}", at=at, usage="tls")
        cert, key = folder / f"nppo-{country.lower()}.pem", folder / f"nppo-{country.lower()}.key"
        cert.write_bytes(client.cert_pem())
        key.write_bytes(client.key_pem())
        clients[country] = (cert, key)
        if country in unregistered:
            continue
        fingerprints[hashlib.sha256(client.certificate.public_bytes(Encoding.DER)).hexdigest()] = country
    return HubPki(ca=folder / "hub-ca.pem", server_certificate=folder / "hub-server.pem",
                  server_key=folder / "hub-server.key", clients=clients, fingerprints=fingerprints)
