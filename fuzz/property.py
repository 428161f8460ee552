"""The property every harness checks: an input is accepted, or refused with a stable code; nothing else.

"Refused" means one of the error types the target's parser documents (a subclass of ``MappingError``,
``TrustError`` or ``GatewayError``, each carrying a class-level ``code``). Any other exception escaping the parser
is a finding: in the gateway it would become INTERNAL, in the CLI a traceback. Hangs and memory blow-ups are
findings too; libFuzzer catches those (``-timeout``, ``-rss_limit_mb``), see ``fuzz/run.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["ACCEPTED", "KnownOpen", "PropertyViolation", "Target", "is_stable_code", "known_open", "outcome"]

ACCEPTED = "ACCEPTED"
"""The outcome of an input the parser accepted."""

# A stable code is an upper-case identifier. The roots' codes and the build-defect codes are never a legitimate
# answer to a stranger's input: a root code means an error was raised without its specific class, and
# MAPPING_SPEC_INVALID says the shipped data is broken, which no input can cause.
_CODE = re.compile(r"[A-Z][A-Z0-9_]*")
_NOT_A_REFUSAL = frozenset({"INTERNAL", "MAPPING_ERROR", "TRUST_ERROR", "DOCUMENT_REJECTED", "MAPPING_SPEC_INVALID"})


def is_stable_code(code: object) -> bool:
    """Whether ``code`` is a stable refusal code (an upper-case identifier, not a root or build-defect code)."""
    return isinstance(code, str) and _CODE.fullmatch(code) is not None and code not in _NOT_A_REFUSAL


class PropertyViolation(AssertionError):
    """A project error escaped with a code that is not a stable refusal code, or from the wrong family."""


@dataclass(frozen=True)
class KnownOpen:
    """A finding already reported and being fixed elsewhere; tolerated while fuzzing so the search goes on.

    Its saved vector under ``tests/vectors/fuzz`` replays strictly (``xfail(strict=True)``), so the entry must be
    removed here once the fix lands: the replay then passes and the strict xfail fails until it is.
    """

    item: str
    """The issue item that fixes it, e.g. ``issue 10 item 4``."""

    reason: str
    """What goes wrong, in a few words."""

    matches: Callable[[BaseException], bool]
    """Whether an exception escaping the harness is this finding."""


@dataclass(frozen=True)
class Target:
    """One fuzz harness: a parser facing strangers, the errors it may refuse with, and its seed inputs."""

    name: str
    """Harness name; also the folder of its findings under ``tests/vectors/fuzz``."""

    call: Callable[[bytes], object]
    """Feeds one input to the parser (and to what the gateway does with the result next)."""

    refusals: tuple[type[Exception], ...]
    """The error types a refusal may have; each carries a stable ``code``."""

    seeds: Callable[[], list[tuple[str, bytes]]]
    """Named seed inputs, built at run time from the repository's examples and vectors."""

    known: tuple[KnownOpen, ...] = ()
    """Findings already being fixed elsewhere (tolerated while fuzzing, replayed as strict xfails)."""


def outcome(target: Target, data: bytes) -> str:
    """Run ``target`` on ``data``; return :data:`ACCEPTED` or the refusal's stable code.

    Raises :class:`PropertyViolation` for a project error without a stable code, and lets every other exception
    propagate unchanged: that is the crash a fuzzer reports.
    """
    try:
        target.call(data)
    except target.refusals as e:
        code = getattr(e, "code", None)
        if not is_stable_code(code):
            raise PropertyViolation(f"{target.name}: refusal without a stable code: {code!r}: {e}") from e
        assert isinstance(code, str)
        return code
    return ACCEPTED


def known_open(target: Target, error: BaseException) -> KnownOpen | None:
    """The known open finding ``error`` is, if any."""
    for known in target.known:
        if known.matches(error):
            return known
    return None
