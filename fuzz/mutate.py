"""A small deterministic mutator for the pytest smoke run (atheris does the real, coverage-guided search).

Same seeds and index give the same input on every machine, so a smoke failure names an input that reproduces.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence

__all__ = ["TOKENS", "mutants"]

# Bytes and tokens that tend to reach parser edge cases: markup, escapes, EDIFACT separators, JSON and TOML syntax,
# numbers at type limits, non-UTF-8 and NUL bytes.
TOKENS = (
    b"<", b">", b"&", b"&amp;", b"<!DOCTYPE a>", b"<![CDATA[", b"]]>", b"<?xml ", b"xmlns:a=\"urn:x\"", b"\"", b"'",
    b"'", b"+", b":", b"?", b"UNA:+.? '", b"UNH+", b"UNT+", b"UNZ+", b"{", b"}", b"[", b"]", b"\\u0000",
    b"\\ud800", b"[[", b"]]", b"=", b"1e309", b"nan", b"inf", b"-1", b"0", b"99999999999999999999", b"\x00",
    b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\n", b"\r", b"\t", b" ", b"1e300", b"-inf", b"true", b"NaN",
    b"Infinity", b"-0", b"1E+999",
)
"""Tokens spliced into inputs here, and handed to libFuzzer as its dictionary by ``fuzz/run.py``."""


def _mutate(rng: random.Random, data: bytes, seeds: Sequence[bytes]) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(7)
        pos = rng.randint(0, len(out))
        if op == 0 and out:  # flip a bit
            i = rng.randrange(len(out))
            out[i] ^= 1 << rng.randrange(8)
        elif op == 1:  # insert a token
            out[pos:pos] = rng.choice(TOKENS)
        elif op == 2 and out:  # delete a range
            end = min(len(out), pos + rng.randint(1, 64))
            del out[pos:end]
        elif op == 3 and out:  # duplicate a range
            start = rng.randrange(len(out))
            out[pos:pos] = out[start : start + rng.randint(1, 128)]
        elif op == 4 and out:  # truncate
            del out[rng.randrange(len(out)) :]
        elif op == 5:  # splice in part of another seed
            other = rng.choice(seeds)
            start = rng.randint(0, len(other))
            out[pos:pos] = other[start : start + rng.randint(1, 256)]
        elif op == 6 and out:  # overwrite a byte with an arbitrary one
            out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def mutants(name: str, seeds: Sequence[bytes], count: int) -> Iterator[tuple[int, bytes]]:
    """``count`` inputs derived from ``seeds``, numbered, the same for the same ``name`` everywhere."""
    if not seeds:
        return
    for index in range(count):
        rng = random.Random(f"{name}:{index}")
        yield index, _mutate(rng, rng.choice(seeds), seeds)
