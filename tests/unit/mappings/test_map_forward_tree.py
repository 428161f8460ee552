"""map_forward's result carries the tree its schema check validated: the tree the hardened parser builds of the
document it returns (a signer takes it over instead of parsing the document again); EDIFACT has none."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree

import mappings
from mappings import Interchange

CASES = [("coo-cn-hk", "coo-ubl24-cepa-hk"), ("coo-cn-vn-rcep", "coo-ubl24-rcep"),
         ("manifest-cn-mo-single", "manifest-efti-consignment")]


@pytest.mark.parametrize(("example", "profile"), CASES)
def test_forward_tree_is_the_tree_of_the_document(example: str, profile: str) -> None:
    at = datetime.now(UTC)
    result = mappings.map_forward(mappings.load_example(example, issued_on=at.date()), profile, at=at)
    assert result.tree is not None and result.tree.getparent() is None
    parsed = mappings.parse_xml(result.document)
    assert etree.tostring(result.tree, method="c14n") == etree.tostring(parsed, method="c14n")


def test_edifact_has_no_tree() -> None:
    at = datetime.now(UTC)
    result = mappings.map_forward(mappings.load_example("manifest-cn-mo", issued_on=at.date()), "manifest-cuscar-d96b",
                                  at=at, interchange=Interchange(sender="CN", recipient="MO", syntax_identifier="UNOW"))
    assert result.tree is None
