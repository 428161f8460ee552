"""CUSCAR read by a stranger's parser: node-edifact (npm ``edifact``), which enforces the UN/ECE character levels.

The package is installed under tests/interop by ``npm install`` (``.ci/run`` does it); without node or the package
the tests skip locally and fail in CI (SWGW_REQUIRE_TOOLS=1).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from mappings import Interchange, load_example, map_forward, map_reverse
from tests.conftest import require_tool, tools_required

HERE = Path(__file__).resolve().parent
PROFILE = "manifest-cuscar-d96b"
# node-edifact knows UNOA, UNOB, UNOC and UNOY; UNOW (UTF-8) is read at its UNOY level (ISO 10646 by UTF-8).
AGREEMENTS = [
    (Interchange(sender="CN", recipient="MO"), "UNOC"),
    (Interchange(sender="CN-SW", recipient="MO-SW", recipient_qualifier="ZZZ", syntax_version=3), "UNOC"),
    (Interchange(sender="CN", recipient="MO", syntax_identifier="UNOW"), "UNOY"),
    (Interchange(sender="CN", recipient="MO", syntax_identifier="UNOY"), "UNOY"),
]


def _node_read(document: bytes, level: str, tmp_path: Path) -> list[dict[str, Any]]:
    node = require_tool("node")
    if not (HERE / "node_modules" / "edifact").is_dir():
        message = "npm package edifact is not installed (cd tests/interop && npm ci; .ci/run does it)"
        if tools_required():
            pytest.fail(message)
        pytest.skip(message)
    path = tmp_path / "interchange.edi"
    path.write_bytes(document)
    done = subprocess.run([node, str(HERE / "edifact_read.js"), str(path), level], capture_output=True, text=True,
                          cwd=HERE, check=False)
    assert done.returncode == 0, done.stderr
    result: list[dict[str, Any]] = json.loads(done.stdout)
    return result


def _record() -> dict[str, Any]:
    record = load_example("manifest-cn-mo")
    record["manifest"]["carrier_name"] = "O'Brien? + Sons: 5*3 Ltd"
    return record


@pytest.mark.parametrize("agreement, level", AGREEMENTS, ids=lambda a: getattr(a, "syntax_identifier", a))
def test_node_edifact_reads_what_we_write(agreement: Interchange, level: str, tmp_path: Path) -> None:
    record = _record()
    if agreement.syntax_identifier in ("UNOW", "UNOY"):
        record["consignments"][0]["consignee"]["name"] = "澳门示例超市"
    document = map_forward(record, PROFILE, interchange=agreement).document
    segments = _node_read(document, level, tmp_path)
    tags = [s["name"] for s in segments]
    assert tags[0] == "UNB" and tags[-1] == "UNZ" and tags.count("UNH") == 1
    unb = segments[0]["elements"]
    assert unb[0] == [agreement.syntax_identifier, str(agreement.syntax_version)]
    assert unb[2][0] == agreement.recipient and unb[3][0] == ("20250612" if agreement.syntax_version == 4
                                                               else "250612")
    by_tag: dict[str, list[list[list[str]]]] = {}
    for s in segments:
        by_tag.setdefault(s["name"], []).append(s["elements"])
    assert by_tag["TDT"][0][7] == ["9876543", "146", "11", "EXAMPLE PEARL", "CN"]
    assert [e[2] for e in by_tag["EQD"]] == [["22G1", "102", "5"], ["45G1", "102", "5"]]
    assert by_tag["NAD"][0][3] == [record["manifest"]["carrier_name"]]
    assert by_tag["UNT"][0] == [[str(tags.index("UNT") - tags.index("UNH") + 1)], ["1"]]
    assert by_tag["UNZ"][0] == [["1"], unb[4]]
    names = [nad[3] for nad in by_tag["NAD"] if nad[0] == ["CN"]]
    assert names[0] == [record["consignments"][0]["consignee"]["name"]]
    # And what node-edifact read is what we read back.
    assert map_reverse(document, PROFILE).record["consignments"][0]["consignee"]["name"] == names[0][0]


def test_node_edifact_refuses_level_b_text_under_unoa(tmp_path: Path) -> None:
    # The independent parser enforces the levels: lower case is no UNOA character. swgw refuses to write it (see
    # test_map_cuscar_d96b); this checks the stranger would indeed refuse such an interchange.
    document = map_forward(_record(), PROFILE, interchange=AGREEMENTS[0][0]).document
    node = require_tool("node")
    path = tmp_path / "unoa.edi"
    path.write_bytes(document.replace(b"UNB+UNOC", b"UNB+UNOA", 1))
    if not (HERE / "node_modules" / "edifact").is_dir():
        pytest.skip("npm package edifact is not installed")
    done = subprocess.run([node, str(HERE / "edifact_read.js"), str(path), "UNOA"], capture_output=True, text=True,
                          cwd=HERE, check=False)
    assert done.returncode != 0 and "Invalid character" in done.stderr
