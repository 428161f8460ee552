"""The business rules of each agreement, checked the same way on Submit (forward) and on receipt (reverse)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from maptest_support import apply_edits, vector_cases

from mappings import AgreementViolated, SpecInvalid, list_profiles, load_example, map_forward, map_reverse
from mappings.specs.agreements import parse_agreement_rules
from mappings.specs.profiles import _forward_document, _spec


def _record(case: dict[str, Any]) -> dict[str, Any]:
    return apply_edits(load_example(case["example"], issued_on=date.fromisoformat(case["issued"])), case)


def _findings(error: AgreementViolated) -> list[tuple[str, str]]:
    assert error.report is not None
    return sorted((f.code, f.path) for f in error.report.errors)


@pytest.mark.parametrize("case", vector_cases("agreements/cases.toml"))
def test_agreement_rules_on_submit(case: dict[str, Any]) -> None:
    at = datetime.fromisoformat(case["at"])
    if case["outcome"] == "valid":
        map_forward(_record(case), case["profile"], at=at)
        return
    with pytest.raises(AgreementViolated) as caught:
        map_forward(_record(case), case["profile"], at=at)
    assert caught.value.code == "AGREEMENT_VIOLATED"
    assert _findings(caught.value) == sorted(tuple(e) for e in case["expect"])


@pytest.mark.parametrize("case", vector_cases("agreements/cases.toml"))
def test_agreement_rules_on_receipt(case: dict[str, Any]) -> None:
    # A partner's document is built without our checks (as a careless sender would), then read back.
    document, _ = _forward_document(_spec(case["profile"]), _record(case))
    at = datetime.fromisoformat(case["at"])
    if case["outcome"] == "valid":
        map_reverse(document, case["profile"], at=at)
        return
    with pytest.raises(AgreementViolated) as caught:
        map_reverse(document, case["profile"], at=at)
    assert _findings(caught.value) == sorted(tuple(e) for e in case["expect"])


def test_validity_is_not_checked_without_a_time() -> None:
    # The mapping never reads the clock: without `at` only the time-independent rules run.
    map_forward(load_example("coo-cn-hk", issued_on=date(2000, 1, 1)), "coo-ubl24-cepa-hk")


def test_every_certificate_of_origin_profile_states_its_agreement() -> None:
    for profile in list_profiles():
        if profile.document_type == "certificate-of-origin":
            kinds = {rule.kind for rule in _spec(profile.id).agreement_rules}
            assert kinds == {"parties", "one_of", "required", "validity"}, profile.id


@pytest.mark.parametrize(
    "raw",
    [
        {"rules": "not a list"},
        [{"kind": "unknown"}],
        [{"kind": "parties", "from": "a", "to": "b", "members": ["China"]}],
        [{"kind": "one_of", "path": "a", "values": []}],
        [{"kind": "validity", "date": "a", "days": 0}],
        [{"kind": "validity", "date": "a", "days": True}],
        [{"kind": "required", "paths": ["a"], "surplus": 1}],
    ],
)
def test_malformed_rules_are_refused(raw: Any) -> None:
    with pytest.raises(SpecInvalid):
        parse_agreement_rules(raw, "spec.json")
