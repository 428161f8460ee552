"""The conformance report: JSON for machines, one HTML page for people, one line per check in both."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from pathlib import Path
from string import Template
from typing import Any

from gateway.tools.conformance.checks import CheckResult, Role

__all__ = ["Report", "render_html", "write_report"]


@dataclass(frozen=True)
class Report:
    """The results of one conformance run."""

    role: Role
    """The role the kit played."""
    partner: str
    """The partner's party id."""
    kit_party: str
    """The party id the kit played."""
    profile: str
    """The mapping profile used."""
    started_at: datetime
    """When the run started (UTC)."""
    finished_at: datetime
    """When it finished (UTC)."""
    results: tuple[CheckResult, ...]
    """One result per check of the role, in report order."""
    context: dict[str, str] = field(default_factory=dict)
    """Further facts of the run (endpoint, listener, kit CA fingerprint)."""

    @property
    def passed(self) -> bool:
        """True when no check failed (skipped checks do not fail a run)."""
        return all(r.status != "fail" for r in self.results)

    def failed_ids(self) -> list[str]:
        """The ids of the failed checks."""
        return [r.check.id for r in self.results if r.status == "fail"]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        counts = {s: sum(1 for r in self.results if r.status == s) for s in ("pass", "fail", "skipped")}
        return {
            "role": self.role,
            "partner": self.partner,
            "kit_party": self.kit_party,
            "profile": self.profile,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat(),
            "context": dict(self.context),
            "summary": {"passed": counts["pass"], "failed": counts["fail"], "skipped": counts["skipped"],
                        "result": "pass" if self.passed else "fail"},
            "checks": [
                {"id": r.check.id, "title": r.check.title, "section": r.check.section, "status": r.status,
                 "evidence": r.evidence}
                for r in self.results
            ],
        }


_PAGE = Template("""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>swgw conformance: $title</title>
<style>
body { font-family: sans-serif; margin: 2em; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #bbb; padding: 0.3em 0.5em; vertical-align: top; text-align: left; }
td.evidence { font-family: monospace; white-space: pre-wrap; font-size: 0.9em; }
tr.pass td.status { background: #d7f5d7; } tr.fail td.status { background: #f8d0d0; }
tr.skipped td.status { background: #eee; }
</style></head>
<body>
<h1>swgw conformance: $title</h1>
<p>Result: <strong>$result</strong> ($passed passed, $failed failed, $skipped skipped).</p>
<dl>$facts</dl>
<table>
<thead><tr><th>check</th><th>what the partner must do</th><th>guide section</th><th>status</th><th>evidence</th></tr></thead>
<tbody>
$rows
</tbody></table>
</body></html>
""")

_ROW = Template('<tr class="$status"><td>$id</td><td>$title</td><td>$section</td><td class="status">$status</td>'
                '<td class="evidence">$evidence</td></tr>')


def render_html(report: Report) -> str:
    """The readable page: a summary, the run's facts, and a table with one row per check."""
    data = report.to_dict()
    facts = {"partner": report.partner, "kit party": report.kit_party, "profile": report.profile,
             "started": data["started_at"], "finished": data["finished_at"], **report.context}
    rows = "\n".join(
        _ROW.substitute({key: escape(str(check[key])) for key in ("id", "title", "section", "status", "evidence")})
        for check in data["checks"]
    )
    summary = data["summary"]
    return _PAGE.substitute(
        title=escape(f"the kit as {report.role}, partner {report.partner}"),
        result=escape(summary["result"]),
        passed=summary["passed"], failed=summary["failed"], skipped=summary["skipped"],
        facts="".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts.items()),
        rows=rows,
    )


def write_report(report: Report, out: Path) -> tuple[Path, Path]:
    """Write ``<out>.json`` and ``<out>.html``; returns both paths."""
    out.parent.mkdir(parents=True, exist_ok=True)
    json_path = out.with_name(out.name + ".json")
    html_path = out.with_name(out.name + ".html")
    json_path.write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    html_path.write_text(render_html(report), encoding="utf-8")
    return json_path, html_path
