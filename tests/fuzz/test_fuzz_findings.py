"""Every input the fuzzers found crashing, replayed with its expected outcome (tests/vectors/fuzz/<harness>/).

Each harness folder holds the minimised inputs and an ``outcomes.toml``:

```toml
[[finding]]
file = "nul-in-data.edi"        # the input, byte for byte
expected = "DOCUMENT_MALFORMED" # the stable code it must be refused with, or "ACCEPTED"
found = "what crashed, and where"
open = "issue 10 item 4"        # only while another item is fixing it: replayed as a strict xfail
```
"""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from fuzz.property import outcome
from fuzz.targets import TARGETS

from ..conftest import REPO

pytestmark = [pytest.mark.fuzz, pytest.mark.filterwarnings("ignore::SyntaxWarning:pydifact.*")]

FINDINGS = REPO / "tests" / "vectors" / "fuzz"


def _findings() -> list[Any]:
    params = []
    for table in sorted(FINDINGS.glob("*/outcomes.toml")):
        for finding in tomllib.loads(table.read_text("utf-8"))["finding"]:
            marks = []
            if "open" in finding:
                marks.append(pytest.mark.xfail(strict=True, reason=f"{finding['open']}: {finding['found']}"))
            params.append(pytest.param(table.parent.name, finding, id=f"{table.parent.name}/{finding['file']}",
                                       marks=marks))
    return params


@pytest.mark.parametrize(("harness", "finding"), _findings())
def test_finding_gets_its_expected_outcome(harness: str, finding: dict[str, Any]) -> None:
    data = (FINDINGS / harness / finding["file"]).read_bytes()
    assert outcome(TARGETS[harness], data) == finding["expected"]


def test_every_saved_input_has_an_outcome_and_a_harness() -> None:
    for folder in sorted(p for p in FINDINGS.iterdir() if p.is_dir()):
        assert folder.name in TARGETS, f"{folder.name} names no harness"
        listed = {f["file"] for f in tomllib.loads((folder / "outcomes.toml").read_text("utf-8"))["finding"]}
        saved = {p.name for p in folder.iterdir() if p.name != "outcomes.toml"}
        assert listed == saved, f"{folder.name}: files without outcomes or outcomes without files"
