"""SPS ePhyto profile: the hub's real-world sample read in (unusual prefixes, base64 attachments) and written back."""

from __future__ import annotations

import base64
import copy

import pytest
from lxml import etree
from maptest_support import reference

from mappings import MappingError, business_key, map_forward, map_reverse, validate_record

PROFILE = "sps-ephyto-17"
SAMPLE = "sps-ephyto/SPSCertificateContent.xml"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:21"


def test_sample_reads_in_with_its_ns0_prefixes() -> None:
    back = map_reverse(reference(SAMPLE).read_bytes(), PROFILE)
    record = back.record
    assert validate_record("sps-certificate", record).ok
    assert business_key("sps-certificate", record) == (
        "Servicio Nacional de Sanidad y Calida Agroalimentaria", "123ABC", 1,
    )
    assert record["certificate"]["type_code"] == "851" and len(record["notes"]) == 12
    assert record["consignment"]["export_country"] == "AR" and record["consignment"]["transit_countries"] == ["US"]
    assert [i["sequence"] for i in record["items"]] == [0, 1]
    assert record["items"][0]["hs_code"] == "06029048" and record["items"][0]["origin_countries"] == ["AR", "US"]
    assert record["items"][0]["packages"][1] == {"level_code": "2", "type_code": "BX", "quantity": "20.0000"}
    # The loss report names what the profile does not carry: treatments, second descriptions, other classifications.
    assert back.report.defaulted == ("$.certificate.version",)
    assert any("AppliedSPSProcess" in p for p in back.report.dropped)
    assert any(p.endswith("ram:Description[2]") for p in back.report.dropped)
    assert not any("AttachmentBinaryObject" in p for p in back.report.dropped)


def test_attachments_survive_byte_for_byte() -> None:
    original = etree.parse(str(reference(SAMPLE)))
    texts = ["".join((e.text or "").split()) for e in original.iter(f"{{{RAM}}}AttachmentBinaryObject")]
    sent = [base64.b64decode(t + "=" * (-len(t) % 4)) for t in texts]
    record = map_reverse(reference(SAMPLE).read_bytes(), PROFILE).record
    received = [base64.b64decode(d["attachment"]) for d in record["referenced_documents"]]
    # The last sample attachment lacks its padding; the profile restores it, the bytes stay the same.
    assert received == sent
    assert len(received) == 6 and sum(len(r) for r in received) > 140_000


def test_sample_round_trips_through_the_profile() -> None:
    record = map_reverse(reference(SAMPLE).read_bytes(), PROFILE).record
    forward = map_forward(record, PROFILE)
    assert forward.report.dropped == ("$.certificate.version",)  # ePhyto has no version element
    doc = etree.fromstring(forward.document)
    assert doc.prefix == "rsm" and doc.nsmap["ram"] == RAM
    again = map_reverse(forward.document, PROFILE)
    assert again.record == record and again.report.dropped == ()


def test_invalid_attachment_is_rejected() -> None:
    record = map_reverse(reference(SAMPLE).read_bytes(), PROFILE).record
    broken = copy.deepcopy(record)
    broken["referenced_documents"][0]["attachment"] = "not base64!"
    with pytest.raises(MappingError) as info:
        map_forward(broken, PROFILE)
    assert info.value.code == "RECORD_INVALID"
    assert info.value.report is not None
    assert [f.path for f in info.value.report.errors] == ["$.referenced_documents[0].attachment"]


def test_missing_mandatory_values_are_caught_by_the_catalog() -> None:
    data = reference(SAMPLE).read_bytes().replace(b"<ns1:ID>123ABC</ns1:ID>", b"<ns1:ID/>", 1)
    with pytest.raises(MappingError) as info:
        map_reverse(data, PROFILE)
    assert info.value.code == "RECORD_INVALID" and info.value.path == "$.certificate.id"
