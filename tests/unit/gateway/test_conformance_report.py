"""The conformance kit's check table and report rendering (no network)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.tools.conformance.checks import CHECKS, GUIDE_SECTIONS, CheckResult, check, checks_for
from gateway.tools.conformance.report import Report, render_html, write_report


def test_every_check_has_a_unique_id_a_role_prefix_and_a_known_section() -> None:
    ids = [c.id for c in CHECKS]
    assert len(ids) == len(set(ids))
    for c in CHECKS:
        assert c.id.startswith(f"{c.role}.")
        assert c.topic in GUIDE_SECTIONS and c.section == GUIDE_SECTIONS[c.topic]
    assert checks_for("sender") and checks_for("receiver")
    with pytest.raises(KeyError):
        check("sender.no-such-check")


def _report(evidence: str) -> Report:
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    results = tuple(
        CheckResult(c, "fail" if c.id == "sender.stale" else "pass", evidence if c.id == "sender.stale" else "ok")
        for c in checks_for("sender")
    )
    return Report(role="sender", partner="HK", kit_party="ZZ", profile="coo-ubl24-cepa-hk", started_at=at,
                  finished_at=at, results=results, context={"endpoint": "127.0.0.1:1"})


def test_report_json_counts_and_lists_every_check(tmp_path: Path) -> None:
    report = _report("got OK")
    json_path, html_path = write_report(report, tmp_path / "r")
    data = json.loads(json_path.read_text())
    assert data["summary"] == {"passed": len(checks_for("sender")) - 1, "failed": 1, "skipped": 0, "result": "fail"}
    assert report.failed_ids() == ["sender.stale"] and not report.passed
    stale = next(c for c in data["checks"] if c["id"] == "sender.stale")
    assert stale == {"id": "sender.stale", "title": check("sender.stale").title,
                     "section": check("sender.stale").section, "status": "fail", "evidence": "got OK"}
    assert html_path.read_text().count("<tr class=") == len(checks_for("sender"))


def test_report_html_escapes_what_the_partner_sent() -> None:
    # Evidence quotes the partner's error messages: a hostile partner must not inject markup into the page.
    page = render_html(_report('<script>alert("x")</script> & more'))
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in page
    assert '<tr class="fail"><td>sender.stale</td>' in page
