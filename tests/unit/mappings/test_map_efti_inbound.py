"""eFTI inbound: any document valid against the OFFICIAL eFTI schema passes swgw's inbound check, the profile maps
what the catalog holds and names the rest in the loss report; outbound stays valid against the official schema.

The official example (efti/xsd/examples/consignment-common.xml) is the schema's showcase: every element filled with
placeholders ("string", "token", random country codes). It is not a cargo manifest (no transport contract document,
packages or cargo description), so it is also used completed to one: its placeholders at the positions the profile
reads replaced by real values and the four missing consignment elements added, and xmllint checks that the result is
still valid against the official schema.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree
from maptest_support import REPO, reference

from mappings import MappingError, load_example, map_forward, map_reverse
from mappings.syntaxes.xml.schema import validate_schema
from tests.conftest import require_tool

PROFILE = "manifest-efti-consignment"
OFFICIAL = "efti/xsd/consignment-common.xsd"
EXAMPLE = "efti/xsd/examples/consignment-common.xml"
INBOUND = "efti/consignment-inbound.xsd"
NS = "http://efti.eu/v1/consignment/common"


def _q(path: str) -> str:
    """``a/b`` -> the Clark-notation XPath ``{ns}a/{ns}b``."""
    return "/".join(f"{{{NS}}}{step}" for step in path.split("/"))


def _xmllint(schema: Path, document: bytes, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    xmllint = require_tool("xmllint")
    target = tmp_path / "document.xml"
    target.write_bytes(document)
    return subprocess.run([xmllint, "--noout", "--nonet", "--schema", str(schema), str(target)],
                          capture_output=True, text=True, timeout=120)


def _set(root: etree._Element, path: str, text: str, **attrs: str) -> None:
    element = root.find(_q(path))
    assert element is not None, f"the official example has no {path}"
    element.text = text
    for name, value in attrs.items():
        element.set(name, value)


def _add(parent: etree._Element, xml: str) -> None:
    """Insert a child where the official order puts it: the eFTI model orders children by name (code points)."""
    new = etree.fromstring(f'<x xmlns="{NS}">{xml}</x>')[0]
    name = etree.QName(new).localname
    later = [c for c in parent if isinstance(c.tag, str) and etree.QName(c).localname > name]
    if later:
        later[0].addprevious(new)
    else:
        parent.append(new)


def _completed_example() -> bytes:
    root = etree.fromstring(reference(EXAMPLE).read_bytes())
    _set(root, "associatedDocument/formattedIssueDateTime", "202406120930+0800", formatId="205")
    _set(root, "associatedDocument/id", "MF2024EFTI0001")
    _set(root, "associatedDocument/typeCode", "785")
    _set(root, "associatedParty/name", "Example Logistics (Macau) Ltd.")
    _set(root, "associatedParty/postalAddress/countryCode", "MO")
    _set(root, "associatedParty/postalAddress/streetName", "Rua Example 8")
    _set(root, "associatedParty/roleCode", "NI")
    _set(root, "carrier/id", "CARRIER-310001")
    _set(root, "carrier/name", "Example Coastal Shipping")
    for party, country in (("consignee", "MO"), ("consignor", "CN")):
        _set(root, f"{party}/name", f"Example {party}")
        _set(root, f"{party}/postalAddress/countryCode", country)
        _set(root, f"{party}/postalAddress/streetName", f"1 {party} street")
    _set(root, "grossWeight", "18650.000", unitId="KGM")
    _set(root, "includedConsignmentItem/associatedTransportEquipment/id", "EXMU1234565")
    _set(root, "includedConsignmentItem/transportDangerousGoods/hazardClassificationID", "3")
    _set(root, "includedConsignmentItem/transportDangerousGoods/uNDGID", "1266")
    movement = root.find(_q("mainCarriageTransportMovement"))
    assert movement is not None
    arrival = movement.find(_q("arrivalEvent"))
    assert arrival is not None
    # The example's arrival event has neither location nor schedule, and its movement nothing else.
    _add(arrival, "<occurrenceLocation><id>MOMFM</id></occurrenceLocation>")
    _add(arrival, '<scheduledOccurrenceDateTime formatId="205">202406150800+0800</scheduledOccurrenceDateTime>')
    for xml in ('<departureEvent><occurrenceLocation><id>CNYSA</id></occurrenceLocation>'
                '<scheduledOccurrenceDateTime formatId="205">202406121800+0800</scheduledOccurrenceDateTime>'
                '</departureEvent>',
                "<id>025S</id>", "<modeCode>1</modeCode>",
                "<usedTransportMeans><id>IMO9876543</id><name>EXAMPLE PEARL</name>"
                "<registrationCountry><code>CN</code></registrationCountry></usedTransportMeans>"):
        _add(movement, xml)
    _add(root, "<natureIdentificationCargo><identificationText>Perfumes in glass bottles</identificationText>"
               "</natureIdentificationCargo>")
    _add(root, "<numberOfPackages>50</numberOfPackages>")
    _add(root, "<transportContractDocument><id>EXSHA24061201</id><typeCode>705</typeCode></transportContractDocument>")
    _add(root, "<transportPackage><itemQuantity>50</itemQuantity><typeCode>CT</typeCode></transportPackage>")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_inbound_schema_is_generated_from_the_official_schema_and_the_profile(tmp_path: Path) -> None:
    out = tmp_path / "consignment-inbound.xsd"
    subprocess.run([sys.executable, str(REPO / "tools" / "genefti.py"), "--official", str(reference(OFFICIAL)),
                    "--out", str(out)], check=True, cwd=REPO)
    shipped = REPO / "mappings" / "data" / "schemas" / INBOUND
    assert shipped.read_text(encoding="utf-8") == out.read_text(encoding="utf-8"), "run `make efti-schema`"


def test_official_example_is_valid_against_the_official_schema(tmp_path: Path) -> None:
    result = _xmllint(reference(OFFICIAL), reference(EXAMPLE).read_bytes(), tmp_path)
    assert result.returncode == 0, result.stderr


def test_untouched_official_example_passes_the_inbound_check() -> None:
    # It failed with SCHEMA_INVALID before: the project schema knew 43 of the official element names.
    root = etree.fromstring(reference(EXAMPLE).read_bytes())
    report = validate_schema(root, INBOUND)
    assert report.ok, report.errors[:3]
    with pytest.raises(MappingError) as info:
        map_reverse(reference(EXAMPLE).read_bytes(), PROFILE)
    # What stops it is its content, placeholders that are no cargo manifest, never its structure.
    assert info.value.code in ("CODE_UNMAPPED", "RECORD_INVALID")


def test_official_example_completed_to_a_manifest_maps_and_reports_the_rest(tmp_path: Path) -> None:
    document = _completed_example()
    checked = _xmllint(reference(OFFICIAL), document, tmp_path)
    assert checked.returncode == 0, checked.stderr
    result = map_reverse(document, PROFILE)
    record = result.record
    assert record["manifest"]["number"] == "MF2024EFTI0001"
    assert record["manifest"]["issue_datetime"] == "2024-06-12T09:30:00+08:00"
    assert record["manifest"]["transport_mode"] == "2" and record["manifest"]["means_nationality"] == "142"
    consignment = record["consignments"][0]
    assert consignment["consignee"]["country"] == "121" and consignment["notify_party"]["country"] == "121"
    assert consignment["gross_weight"] == "18650.000" and consignment["package_count"] == 50
    assert consignment["goods_items"] == [{
        "sequence": 1, "container_number": "EXMU1234565", "dg_class": "3", "un_number": "1266",
        "description": "Perfumes in glass bottles", "package_count": 50, "package_type": "22",
    }]
    dropped = set(result.report.dropped)
    # Everything the profile does not read is named, by document path: whole branches it never looks at, siblings
    # of what it reads, and attributes on elements it reads.
    for path in ("/consignment/applicableServiceCharge/appliedAmount", "/consignment/applicableServiceCharge/id",
                 "/consignment/cODAmount", "/consignment/grossVolume", "/consignment/carrier/postalAddress/cityName",
                 "/consignment/associatedDocument/issuer/name", "/consignment/carrier/id/@schemeAgencyId",
                 "/consignment/includedConsignmentItem/transportDangerousGoods/technicalName",
                 "/consignment/mainCarriageTransportMovement/arrivalEvent/actualOccurrenceDateTime"):
        assert path in dropped, path
    read = {"/consignment/associatedDocument/id", "/consignment/carrier/id", "/consignment/carrier/name",
            "/consignment/grossWeight", "/consignment/numberOfPackages", "/consignment/associatedParty/roleCode"}
    assert not read & dropped
    texts = [e for e in etree.fromstring(document).iter() if isinstance(e.tag, str) and (e.text or "").strip()]
    assert len(dropped) > len(texts) - 40, "nearly every filled element of the official example is unread"


def test_structure_where_the_profile_reads_is_still_checked() -> None:
    # (Unknown names and official names out of order at the top are vectors in manifest-cases.toml.)
    document = map_forward(load_example("manifest-cn-mo-single"), PROFILE).document
    for old, new in ((b"<carrier>", b"<carrier><nickname>x</nickname>"),
                     (b"<id>025S</id>", b"<id>025S</id><id>026S</id>"),
                     (b"<numberOfPackages>1250", b"<numberOfPackages><n>1250</n>")):
        with pytest.raises(MappingError) as info:
            map_reverse(document.replace(old, new, 1), PROFILE)
        assert info.value.code == "SCHEMA_INVALID", new


def test_outbound_validates_against_the_official_schema_with_xmllint(tmp_path: Path) -> None:
    document = map_forward(load_example("manifest-cn-mo-single"), PROFILE).document
    result = _xmllint(reference(OFFICIAL), document, tmp_path)
    assert result.returncode == 0, result.stderr
