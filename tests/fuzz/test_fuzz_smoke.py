"""Fuzz smoke: every harness over its seeds plus a bounded number of generated inputs, on every ``make test``.

The coverage-guided search is ``make fuzz`` (atheris, minutes per harness); this is its cheap guard: a harness that
no longer builds its seeds, no longer reaches its parser, or crashes on a near-seed input fails here.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections import Counter

import pytest

from fuzz.mutate import mutants
from fuzz.property import ACCEPTED, Target, known_open, outcome
from fuzz.targets import TARGETS

from ..conftest import REPO

pytestmark = [
    pytest.mark.fuzz,
    # pydifact warns about empty segments in mutated interchanges; a warning is not a refusal, nor a crash.
    pytest.mark.filterwarnings("ignore::SyntaxWarning:pydifact.*"),
]

GENERATED = 150
"""Generated inputs per harness (deterministic: the same on every machine)."""


def _run(target: Target, data: bytes, label: str, known: Counter[str]) -> str:
    try:
        return outcome(target, data)
    except Exception as e:
        found = known_open(target, e)
        if found is None:
            raise AssertionError(f"{target.name}: {label} ({data[:120]!r}...) crashed: {type(e).__name__}: {e}") from e
        known[found.item] += 1
        return f"KNOWN {found.item}"


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_harness_holds_the_property_near_its_seeds(name: str) -> None:
    target = TARGETS[name]
    seeds = target.seeds()
    known: Counter[str] = Counter()
    seed_outcomes = Counter(_run(target, data, f"seed {label}", known) for label, data in seeds)
    # At least one seed must be accepted, or the harness never gets past the first check of its parser.
    assert seed_outcomes[ACCEPTED] >= 1, f"{name}: no seed is accepted: {dict(seed_outcomes)}"
    for index, data in mutants(name, [d for _, d in seeds], GENERATED):
        _run(target, data, f"generated input {index}", known)


def test_every_parser_facing_strangers_has_a_harness() -> None:
    import mappings

    reverse = {f"reverse-{p.id}" for p in mappings.list_profiles() if p.id != "manifest-cuscar-d96b"}
    expected = {"record-json", "xml-verify", "edifact-cuscar", "codec-envelope", "codec-receipt", "codec-inquiry",
                "codec-inquiry-answer", "crl-import", "settings-toml"} | reverse
    assert set(TARGETS) == expected


@pytest.mark.skipif(importlib.util.find_spec("atheris") is None, reason="atheris is not installed (pip install "
                    "-e '.[fuzz]'); the harnesses above ran without it")
def test_atheris_runner_fuzzes_a_harness(tmp_path: object) -> None:
    # The path `make fuzz` takes, for a few hundred inputs: seeds written, libFuzzer started, exit status 0.
    corpus = os.path.join(str(tmp_path), "corpus")
    done = subprocess.run(
        [sys.executable, "-m", "fuzz.run", "settings-toml", corpus, "-runs=300", "-seed=1",
         f"-artifact_prefix={tmp_path}/"],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "seeds in" in done.stderr and "Done 300 runs" in done.stderr, done.stderr[-3000:]
    assert os.listdir(corpus)
