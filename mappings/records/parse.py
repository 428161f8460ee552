"""Record JSON: the one parser and the one well-formedness check every entry point uses.

A record is refused with :class:`~mappings.errors.RecordMalformed` and the JSON path of the offending value when it
is not JSON, not an object, nested deeper than :data:`MAX_RECORD_DEPTH`, or holds text that is not Unicode (a lone
surrogate, which JSON's ``\\ud800`` escapes and Python's bytes decoding let through). Such text crashes lxml and
every ``.encode()`` later, and deep nesting exhausts the recursion of the validators and serializers, so both are
stopped here, before anything else reads the record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from mappings.errors import RecordMalformed

__all__ = ["MAX_RECORD_DEPTH", "check_record", "parse_record"]

MAX_RECORD_DEPTH = 64
"""The deepest nesting of objects and arrays a record may have (the record object itself is level 1). Catalog
records need fewer than ten; the limit stays far below Python's recursion limit of about 1,000."""

# Tokens that matter for nesting: strings (skipped whole, so brackets inside them do not count) and punctuation.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},:]', re.DOTALL)


def parse_record(data: bytes | str) -> dict[str, Any]:
    """Parse JSON text into a record; raise :class:`RecordMalformed` unless it is one well-formed JSON object.

    The error's ``path`` is the JSON path of the offending value (``$`` for the text as a whole).
    """
    try:
        value = json.loads(data)
    except RecursionError:
        # Nested deeper than the decoder's recursion allows: name where the limit is crossed.
        raise RecordMalformed(f"record nests deeper than {MAX_RECORD_DEPTH} levels",
                              path=_too_deep_in_text(data)) from None
    except UnicodeDecodeError as e:
        raise RecordMalformed(f"record is not valid UTF-8 (byte {e.start})", path="$") from None
    except (ValueError, TypeError) as e:
        raise RecordMalformed(f"record is not valid JSON: {e}", path="$") from None
    if not isinstance(value, dict):
        raise RecordMalformed(f"record must be a JSON object, not {type(value).__name__}", path="$")
    check_record(value)
    return value


def check_record(record: Mapping[str, Any]) -> None:
    """Raise :class:`RecordMalformed` naming the first value nested deeper than :data:`MAX_RECORD_DEPTH`, or the
    first key or string that is not Unicode text (a lone surrogate).

    Iterative, so that it works on any depth; for records built in Python as well as parsed ones.
    """
    if not _is_clean(record):
        _find_fault(record)


def _is_clean(record: Mapping[str, Any]) -> bool:
    """Whether :func:`_find_fault` finds nothing: the same walk without building paths (almost every record is
    clean, so paths are built only for the one that is not)."""
    stack: list[tuple[Any, int]] = [(record, 1)]
    while stack:
        container, depth = stack.pop()
        if depth > MAX_RECORD_DEPTH:
            return False
        mapping = type(container) is dict or isinstance(container, Mapping)
        for key in container if mapping else ():
            if isinstance(key, str) and not key.isascii() and not _is_text(key):
                return False
        for value in container.values() if mapping else container:
            kind = type(value)
            if kind is str:
                if not value.isascii() and not _is_text(value):
                    return False
            elif kind is dict or kind is list:
                stack.append((value, depth + 1))
            elif kind in _SCALARS:
                continue
            elif isinstance(value, str):
                if not _is_text(value):
                    return False
            elif isinstance(value, (Mapping, list, tuple)):
                stack.append((value, depth + 1))
    return True


_SCALARS = frozenset({int, float, bool, type(None)})
"""Value types that are neither text nor containers (skipped without an isinstance check against Mapping)."""


def _find_fault(record: Mapping[str, Any]) -> None:
    """Raise :class:`RecordMalformed` for the first fault :func:`check_record` describes, with its path."""
    stack: list[tuple[Any, str, int]] = [(record, "$", 1)]
    while stack:
        container, path, depth = stack.pop()
        if depth > MAX_RECORD_DEPTH:
            raise RecordMalformed(f"record nests deeper than {MAX_RECORD_DEPTH} levels", path=path)
        if isinstance(container, Mapping):
            for key, value in container.items():
                if isinstance(key, str) and not _is_text(key):
                    raise RecordMalformed(f"key '{_printable(key)}' is not valid Unicode (a lone surrogate)",
                                          path=path)
                child = f"{path}.{key}"
                if isinstance(value, str):
                    if not _is_text(value):
                        raise RecordMalformed("value is not valid Unicode (a lone surrogate)", path=child)
                elif isinstance(value, (Mapping, list, tuple)):
                    stack.append((value, child, depth + 1))
        else:
            for i, value in enumerate(container):
                if isinstance(value, str):
                    if not _is_text(value):
                        raise RecordMalformed("value is not valid Unicode (a lone surrogate)", path=f"{path}[{i}]")
                elif isinstance(value, (Mapping, list, tuple)):
                    stack.append((value, f"{path}[{i}]", depth + 1))


def _is_text(value: str) -> bool:
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _printable(value: str) -> str:
    # The key itself cannot travel (it is not encodable); its escaped form can.
    return value.encode("utf-8", "backslashreplace").decode("ascii", "replace")


def _too_deep_in_text(data: bytes | str) -> str:
    """The JSON path of the first container nested deeper than the limit, read from the text without building
    it (only reached when the decoder itself ran out of recursion)."""
    text = data if isinstance(data, str) else data.decode(json.detect_encoding(data), "surrogatepass")
    # Each frame: [is_object, current key or index, expecting a key].
    frames: list[list[Any]] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        top = frames[-1] if frames else None
        if token in "{[":
            if len(frames) + 1 > MAX_RECORD_DEPTH:
                return _frames_path(frames)
            frames.append([token == "{", None if token == "{" else 0, token == "{"])
        elif token in "}]":
            if frames:
                frames.pop()
        elif token == ",":
            if top is not None:
                if top[0]:
                    top[2] = True
                else:
                    top[1] += 1
        elif token == ":":
            if top is not None:
                top[2] = False
        elif top is not None and top[0] and top[2]:
            try:
                top[1] = _printable(json.loads(token))
            except ValueError:
                top[1] = "?"
    return "$"


def _frames_path(frames: list[list[Any]]) -> str:
    # The path of a container is its parents' keys and indexes: each frame contributes the position of its child.
    path = "$"
    for is_object, where, _ in frames:
        path += f".{where}" if is_object else f"[{where}]"
    return path
