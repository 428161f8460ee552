"""Inbound AS4 payloads where the P-Mode says they are (SOAP Body or MIME parts), decompression with a bound, the
SBDH around a document from an access point, the envelope such an access point's message stands for, and the
MIME envelope itself."""

from __future__ import annotations

import gzip
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from lxml import etree

from gateway.core.domain import Action, DocumentType, PartyId
from gateway.core.partners import As4Settings, PartnerProfile
from gateway.transports.as4.ebms import As4Error, PartInfo, UserMessage
from gateway.transports.as4.mime import join, split
from gateway.transports.as4.payloads import SBDH, access_point_envelope, resolve_parts

COO = DocumentType.CERTIFICATE_OF_ORIGIN
SWA = As4Settings(endpoint_url="https://ap.example/msh", our_party_id="CN", partner_party_id="ap",
                  actions={COO: "urn:action"}, peer="access-point", packaging="swa")
DOCUMENT = b"<?xml version='1.0' encoding='UTF-8'?>\n<d:Doc xmlns:d=\"urn:doc\"><d:No>E1</d:No></d:Doc>"


def _message(*infos: PartInfo) -> UserMessage:
    return UserMessage(message_id="m1@ap", timestamp="2026-03-02T09:30:00.000Z", from_party="ap", to_party="CN",
                       service="urn:s", action="urn:action", agreement_ref=None, mpc="urn:mpc", properties={},
                       parts={}, part_infos=infos)


def _body() -> etree._Element:
    return etree.Element("{http://www.w3.org/2003/05/soap-envelope}Body")


def _code(caught: pytest.ExceptionInfo[As4Error]) -> tuple[str, str]:
    return caught.value.ebms_code, caught.value.code


def test_mime_parts_in_partinfo_order_decompressed() -> None:
    message = _message(PartInfo("cid:doc@ap", {"MimeType": "application/xml", "CompressionType": "application/gzip"}),
                       PartInfo("cid:pdf@ap", {"MimeType": "application/pdf", "FileName": "coo.pdf"}))
    mime = {"pdf@ap": ("application/octet-stream", b"%PDF-1.7"),
            "doc@ap": ("application/octet-stream", gzip.compress(DOCUMENT))}
    parts = resolve_parts(message, SWA, _body(), mime, max_bytes=1 << 20).parts
    assert parts == {"payload": ("application/xml", None, DOCUMENT),
                     "attachment-0": ("application/pdf", "coo.pdf", b"%PDF-1.7")}


@pytest.mark.parametrize(("infos", "mime", "expected"), [
    ((PartInfo("cid:doc@ap", {}),), {}, "EBMS:0011"),                             # names no part
    ((PartInfo(None, {}),), {"doc@ap": ("a/b", b"x")}, "EBMS:0011"),             # Body, where the P-Mode says MIME
    ((PartInfo("cid:doc@ap", {}),), {"doc@ap": ("a/b", b"x"), "x@ap": ("a/b", b"y")}, "EBMS:0011"),  # unnamed part
    ((PartInfo("cid:doc@ap", {"CompressionType": "application/gzip"}),), {"doc@ap": ("a/b", b"no gzip")},
     "EBMS:0303"),
    ((PartInfo("cid:doc@ap", {"CompressionType": "application/x-bzip2"}),), {"doc@ap": ("a/b", b"x")}, "EBMS:0303"),
    ((), {}, "EBMS:0011"),                                                        # no payload at all
])
def test_payloads_elsewhere_than_the_pmode_says_are_refused(infos: tuple[PartInfo, ...],
                                                            mime: dict[str, tuple[str, bytes]], expected: str) -> None:
    with pytest.raises(As4Error) as caught:
        resolve_parts(_message(*infos), SWA, _body(), mime, max_bytes=1 << 20)
    assert caught.value.ebms_code == expected


def test_a_decompression_bomb_stops_at_the_limit() -> None:
    bomb = gzip.compress(b"\0" * (4 << 20))
    message = _message(PartInfo("cid:doc@ap", {"CompressionType": "application/gzip"}))
    with pytest.raises(As4Error) as caught:
        resolve_parts(message, SWA, _body(), {"doc@ap": ("a/b", bomb)}, max_bytes=1 << 20)
    assert _code(caught) == ("EBMS:0103", "PAYLOAD_TOO_LARGE")


def test_a_body_payload_from_an_access_point_is_the_bodys_element() -> None:
    body = _body()
    body.append(etree.fromstring(DOCUMENT))
    pmode = replace(SWA, packaging="body")
    parts = resolve_parts(_message(PartInfo(None, {})), pmode, body, {}, max_bytes=1 << 20).parts
    assert etree.fromstring(parts["payload"][2]).findtext("{urn:doc}No") == "E1"
    body.append(etree.Element("second"))
    with pytest.raises(As4Error) as caught:
        resolve_parts(_message(PartInfo(None, {})), pmode, body, {}, max_bytes=1 << 20)
    assert caught.value.ebms_code == "EBMS:0011"


def _partner(**pmode: object) -> PartnerProfile:
    return PartnerProfile(party=PartyId("EU"), endpoint="", tls_server_name="", mapping_profiles={}, transport="as4",
                          as4=replace(SWA, **pmode))  # type: ignore[arg-type]


def _sbd(document: bytes) -> bytes:
    return (f"<sh:StandardBusinessDocument xmlns:sh='{SBDH}'><sh:StandardBusinessDocumentHeader>"
            "<sh:HeaderVersion>1.0</sh:HeaderVersion></sh:StandardBusinessDocumentHeader>").encode() + \
        document.split(b"?>", 1)[1] + b"</sh:StandardBusinessDocument>"


def test_the_access_point_envelope_unwraps_the_sbdh_when_the_pmode_says_so() -> None:
    message = replace(_message(), parts={"payload": ("application/xml", None, _sbd(DOCUMENT)),
                                         "attachment-0": ("application/pdf", "coo.pdf", b"%PDF")})
    envelope = access_point_envelope(message, partner=_partner(sbdh=True), me=PartyId("CN"), document_type=COO,
                                     max_bytes=1 << 20)
    # The document as its author wrote it, without the wrapper's namespace.
    assert envelope.payload == DOCUMENT
    assert (envelope.message_id, envelope.sender.value, envelope.receiver.value) == ("m1@ap", "EU", "CN")
    assert envelope.action is Action.ISSUE and envelope.created_at == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert [a.name for a in envelope.attachments] == ["coo.pdf"]
    # Without an SBDH where the P-Mode says there is one: refused, never guessed.
    plain = replace(message, parts={"payload": ("application/xml", None, DOCUMENT)})
    with pytest.raises(As4Error) as caught:
        access_point_envelope(plain, partner=_partner(sbdh=True), me=PartyId("CN"), document_type=COO,
                              max_bytes=1 << 20)
    assert caught.value.ebms_code == "EBMS:0011"
    kept = access_point_envelope(plain, partner=_partner(), me=PartyId("CN"), document_type=COO, max_bytes=1 << 20)
    assert kept.payload == DOCUMENT


def test_binary_parts_as_cxf_based_access_points_send_them() -> None:
    # Domibus and phase4 send parts with Content-Transfer-Encoding: binary and name the root part by `start`.
    octets = bytes(range(256)) * 8 + b"\r\n--\r\n\r\r\n\n"  # line ends of every kind, kept as they are
    body = (b"--B\r\nContent-Type: application/soap+xml; charset=UTF-8\r\nContent-Transfer-Encoding: binary\r\n"
            b"Content-ID: <root@ap>\r\n\r\n<env/>\r\n--B\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Transfer-Encoding: binary\r\nContent-ID: <doc@ap>\r\n\r\n" + octets + b"\r\n--B--\r\n")
    content_type = 'multipart/related; type="application/soap+xml"; boundary="B"; start="<root@ap>"'
    assert split(content_type, body) == (b"<env/>", {"doc@ap": ("application/octet-stream", octets)})


def test_mime_round_trip_and_refusals() -> None:
    content_type, body = join(b"<env/>", {"p@x": ("application/octet-stream", bytes(range(256)) * 4)})
    assert content_type.startswith("multipart/related") and 'type="application/soap+xml"' in content_type
    assert split(content_type, body) == (b"<env/>", {"p@x": ("application/octet-stream", bytes(range(256)) * 4)})
    assert split("application/soap+xml", b"<env/>") == (b"<env/>", {})
    with pytest.raises(As4Error) as caught:
        split("multipart/mixed; boundary=b", b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n")
    assert caught.value.ebms_code == "EBMS:0007"
    with pytest.raises(As4Error) as caught:
        split('multipart/related; boundary="b"', b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n")
    assert caught.value.ebms_code == "EBMS:0007"
