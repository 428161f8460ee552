"""Record validation for one profile: the catalog, then the profile's limits, then the agreement's rules.

Both directions run it: :func:`mappings.map_forward` before writing a document, :func:`mappings.map_reverse` on
the record read from one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from mappings.specs.agreements import check_agreement
from mappings.catalog.elements import load_catalog
from mappings.codelists.tables import get_codelist
from mappings.errors import AgreementViolated, MappingError, RecordInvalid
from mappings.records.paths import find_entries, get_path
from mappings.report import Finding, Severity, ValidationReport
from mappings.specs.language import Spec
from mappings.specs.transforms import TransformContext

__all__ = ["validated"]


def _limits(spec: Spec, record: Mapping[str, Any]) -> list[Finding]:
    """Values longer than the target element holds (after their transform), e.g. EDIFACT's an..10."""
    out: list[Finding] = []
    for path, node in spec.limits:
        assert node.max_length is not None
        for at, value in find_entries(record, path):
            try:
                text = node.transform.forward(value, at, TransformContext())
            except MappingError:
                continue  # the forward run reports it with its own code
            if len(text) > node.max_length:
                out.append(Finding(
                    Severity.ERROR, "PROFILE_MISMATCH", at,
                    f"profile {spec.profile.id} carries at most {node.max_length} characters here, got {len(text)}",
                ))
    return out


def _requirements(spec: Spec, record: Mapping[str, Any]) -> list[Finding]:
    out: list[Finding] = _limits(spec, record)
    for path in spec.single_lists:
        value = get_path(record, record, path)
        if isinstance(value, list) and len(value) > 1:
            out.append(
                Finding(
                    Severity.ERROR,
                    "PROFILE_MISMATCH",
                    f"$.{path}",
                    f"profile {spec.profile.id} carries one entry here, got {len(value)}; split the record",
                )
            )
    for path, allowed in spec.require.items():
        value = get_path(record, record, path)
        if value is not None and value not in allowed:
            out.append(
                Finding(
                    Severity.ERROR,
                    "PROFILE_MISMATCH",
                    f"$.{path}",
                    f"profile {spec.profile.id} requires one of {', '.join(allowed)}, got {value!r}",
                )
            )
    return out


def validated(spec: Spec, record: Mapping[str, Any], at: datetime | None) -> ValidationReport:
    """Check ``record`` against the catalog, the profile's own limits and its agreement's rules, in that order.

    Raises :class:`RecordInvalid` (catalog and profile findings) or :class:`AgreementViolated`, each with the
    full report; returns the report (warnings and information) otherwise.
    """
    report = load_catalog().validate(spec.profile.document_type, record)
    findings = report.findings + tuple(_requirements(spec, record))
    full = ValidationReport(findings)
    if not full.ok:
        first = full.errors[0]
        raise RecordInvalid(f"record breaks the catalog: {first.message}", path=first.path, report=full)
    # The agreement's rules read catalog-valid values only, so they run once the catalog is satisfied.
    broken = check_agreement(spec.agreement_rules, record, agreement=spec.profile.agreement,
                             country_to_iso=get_codelist("country").to_international, at=at)
    if broken:
        full = ValidationReport(full.findings + tuple(broken))
        raise AgreementViolated(f"record breaks the {spec.profile.agreement} rules: {broken[0].message}",
                                path=broken[0].path, report=full)
    return full


