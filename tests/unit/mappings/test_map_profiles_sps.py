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
    assert record["items"][0]["hs_code"] == "06029048"
    assert [o["country"] for o in record["items"][0]["origins"]] == ["AR", "US"]
    assert record["items"][0]["packages"][1] == {"level_code": "2", "type_code": "BX", "quantity": "20.0000"}
    # The loss report names what the profile does not carry: a clause number, a scheme and a mode name, and the
    # language of a coded treatment type; everything else of the sample arrives.
    assert back.report.defaulted == ("$.certificate.version",)
    assert sorted(p.rsplit("/", 2)[-2] + "/" + p.rsplit("/", 1)[-1] for p in back.report.dropped) == [
        "ram:Description[2]/@languageID", "ram:ID/@schemeID", "ram:IncludedSPSClause/ram:ID", "ram:ModeCode/@name",
    ]


def test_sample_treatment_and_what_an_importing_nppo_needs_arrive() -> None:
    record = map_reverse(reference(SAMPLE).read_bytes(), PROFILE).record
    item = record["items"][0]
    # The treatment block: type (two levels, domestic codes), chemicals, concentration, temperature, duration with
    # their units (domestic codes), dates, free-text descriptions in two languages, additional information, notes.
    assert item["treatments"] == [{
        "process_code": "ZZZ",
        "descriptions": [
            {"text": "Type : Systems approach , Additional Information : No additional information available",
             "language": "en"},
            {"text": "Type : System fremgang , øvrig info : Ingen info tilgjengelig", "language": "no"},
        ],
        "active_ingredients": ["238", "240"],
        "concentration": "2.5", "concentration_unit": "mL/kg",
        "temperature": "32.0000", "temperature_unit": "℃",
        "type": "T01", "subtype": "T03",
        "additional_info": "No Additional Information available", "additional_info_language": "en",
        "notes": [{"subject": "DMTLIL", "content": "Lot number 8888"}],
        "start_datetime": "2016-04-12", "end_datetime": "2016-04-12",
        "duration": "3.0000", "duration_unit": "h",
    }]
    assert item["commodity_classes"] == [{"name": "Seeds", "language": "en"}]
    assert item["commodity_conditions"] == [{"name": "Fresh", "language": "en"}, {"name": "Rooted", "language": "en"}]
    assert item["origins"][0] == {"country": "AR", "region": "Valles de la RegiónPatagónica", "region_level": "0"}
    assert (item["net_volume"], item["net_volume_unit"], item["gross_volume"], item["gross_volume_unit"]) == (
        "5", "MTQ", "50", "MTQ")
    # Second-language texts: the Norwegian description, the languages of the intended use and the vessel name.
    assert item["description_language"] == "en"
    assert [d["language"] for d in item["other_descriptions"]] == ["nn"]
    assert item["other_descriptions"][0]["text"].startswith("LIVE TREES AND OTHER PLANTS")
    assert item["intended_use_language"] == "en"
    assert record["transport_movements"][1]["means_name_language"] == "en"


def test_treatment_codes_cross_to_ephyto_codes_and_back() -> None:
    record = map_reverse(reference(SAMPLE).read_bytes(), PROFILE).record
    document = etree.fromstring(map_forward(record, PROFILE).document)
    process = document.find(f".//{{{RAM}}}AppliedSPSProcess")
    assert process is not None
    characteristics = process.iter(f"{{{RAM}}}ApplicableSPSProcessCharacteristic")
    coded = {c[0].text: (c[1].text, c[1].get("unitCode")) for c in characteristics}
    assert coded["TTL1"] == ("CHT", None) and coded["TTL2"] == ("OP", None)
    assert coded["TTCO"] == ("2.5", "KX") and coded["TTTM"] == ("32.0000", "CEL")
    duration = process.find(f"{{{RAM}}}CompletionSPSPeriod/{{{RAM}}}DurationMeasure")
    assert duration is not None and (duration.text, duration.get("unitCode")) == ("3.0000", "HUR")


def test_a_treatment_type_without_an_ephyto_code_is_refused_with_its_path() -> None:
    record = map_reverse(reference(SAMPLE).read_bytes(), PROFILE).record
    record["items"][0]["treatments"][0]["type"] = "T04"  # heat treatment: no ePhyto code known to swgw
    with pytest.raises(MappingError) as info:
        map_forward(record, PROFILE)
    assert info.value.code == "CODE_UNMAPPED" and info.value.path == "$.items[0].treatments[0].type"


def test_cold_treatment_temperatures_may_be_negative() -> None:
    record = map_reverse(reference(SAMPLE).read_bytes(), PROFILE).record
    record["items"][0]["treatments"][0]["temperature"] = "-1.5"
    assert validate_record("sps-certificate", record).ok
    back = map_reverse(map_forward(record, PROFILE).document, PROFILE).record
    assert back["items"][0]["treatments"][0]["temperature"] == "-1.5"
    record["items"][0]["treatments"][0]["temperature"] = "-x"
    assert not validate_record("sps-certificate", record).ok


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
