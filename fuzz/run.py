"""Run one harness under atheris: ``python -m fuzz.run TARGET [CORPUS_DIR] [libFuzzer flags]``.

The seed corpus is written into ``CORPUS_DIR`` (default ``fuzz-out/corpus/TARGET``) at start, from the
repository's examples and vectors; libFuzzer adds what it finds there. Crashes, hangs (``-timeout``) and memory
blow-ups (``-rss_limit_mb``) are written as ``crash-*``, ``timeout-*`` and ``oom-*`` files under
``-artifact_prefix`` (``make fuzz`` passes ``fuzz-out/findings/TARGET/``). ``python -m fuzz.run --list`` names the
harnesses; ``python -m fuzz.run TARGET --replay FILE...`` prints each file's outcome without atheris, and
``python -m fuzz.run TARGET --minimize CRASH OUT`` writes the smallest input found that crashes the same way.

Findings already being fixed elsewhere (``Target.known``) are counted and tolerated, so that one known bug does
not stop every run at its first input; set ``FUZZ_STRICT=1`` to treat them as crashes too.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections import Counter
from pathlib import Path

from fuzz.property import Target, known_open, outcome

__all__ = ["main"]

REPO = Path(__file__).resolve().parent.parent


def _write_corpus(target: Target, corpus: Path) -> int:
    corpus.mkdir(parents=True, exist_ok=True)
    # Seeds are rewritten on every start (certificates and signatures are re-made, under the same keys), so they do
    # not pile up; libFuzzer's own finds (named by their SHA-1, without the prefix) stay and grow the corpus.
    for old in corpus.glob("seed-*"):
        old.unlink()
    seeds = target.seeds()
    for name, data in seeds:
        (corpus / f"seed-{name}-{hashlib.sha256(data).hexdigest()[:12]}").write_bytes(data)
    return len(seeds)


def _write_dictionary(path: Path) -> None:
    from fuzz.mutate import TOKENS

    lines = ['"' + "".join(f"\\x{b:02x}" for b in token) + '"' for token in TOKENS]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(sorted(set(lines))) + "\n")


def _one_input(target: Target, strict: bool, seen: Counter[str]) -> object:
    def test_one_input(data: bytes) -> None:
        try:
            outcome(target, data)
        except Exception as e:
            known = None if strict else known_open(target, e)
            if known is None:
                raise
            if not seen[known.reason]:
                print(f"fuzz: known open finding ({known.item}): {known.reason}; tolerated", file=sys.stderr)
            seen[known.reason] += 1

    return test_one_input


def _replay(target: Target, files: list[str]) -> int:
    for name in files:
        try:
            result = outcome(target, Path(name).read_bytes())
        except Exception as e:  # noqa: BLE001 - printing the finding is the point
            known = known_open(target, e)
            note = f" (known open: {known.item})" if known else ""
            result = f"CRASH {type(e).__name__}: {e}{note}"
        print(f"{name}: {result}")
    return 0


def _signature(target: Target, data: bytes) -> str | None:
    """The exception type and first line a crashing input ends in; None when the property holds."""
    try:
        outcome(target, data)
    except Exception as e:  # noqa: BLE001 - classifying the crash is the point
        return f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
    return None


def minimize(target: Target, data: bytes) -> bytes:
    """The smallest input found by deleting ever smaller chunks that still crashes in the same way (ddmin-like)."""
    crash = _signature(target, data)
    if crash is None:
        raise ValueError("the input does not crash")
    chunk = max(1, len(data) // 2)
    while chunk >= 1:
        i, shrunk = 0, False
        while i < len(data):
            candidate = data[:i] + data[i + chunk :]
            if candidate and _signature(target, candidate) == crash:
                data, shrunk = candidate, True
            else:
                i += chunk
        if not shrunk:
            chunk //= 2
    return data


def _minimize(target: Target, source: str, dest: str) -> int:
    data = minimize(target, Path(source).read_bytes())
    Path(dest).write_bytes(data)
    print(f"{dest}: {len(data)} bytes: {_signature(target, data)}")
    return 0


def main(argv: list[str]) -> int:
    """Entry point; see the module docstring."""
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 2
    rest = argv[2:]
    if argv[1] == "--list" or rest[:1] in (["--replay"], ["--minimize"]):
        from fuzz.targets import TARGETS, target

        if argv[1] == "--list":
            print("\n".join(TARGETS))
            return 0
        if rest[0] == "--minimize":
            return _minimize(target(argv[1]), rest[1], rest[2])
        return _replay(target(argv[1]), rest[1:])
    import atheris

    # Instrument the project's own code and the pure-Python parsers under it, so coverage guides the search.
    with atheris.instrument_imports(include=["mappings", "trust", "xmlguard", "gateway", "fuzz", "pydifact", "signxml",
                                             "tomllib"]):
        from fuzz.targets import target

        harness = target(argv[1])
    if rest and not rest[0].startswith("-"):
        corpus, flags = Path(rest[0]), rest[1:]
    else:
        corpus, flags = REPO / "fuzz-out" / "corpus" / harness.name, rest
    count = _write_corpus(harness, corpus)
    print(f"fuzz: {harness.name}: {count} seeds in {corpus}", file=sys.stderr)
    if not any(flag.startswith("-dict=") for flag in flags):
        dictionary = REPO / "fuzz-out" / "tokens.dict"
        _write_dictionary(dictionary)
        flags = [*flags, f"-dict={dictionary}"]
    seen: Counter[str] = Counter()
    atheris.Setup([argv[0], *flags, str(corpus)], _one_input(harness, os.environ.get("FUZZ_STRICT") == "1", seen))
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
