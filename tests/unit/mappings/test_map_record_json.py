"""Record JSON that is not text or nests too deep is refused with RECORD_MALFORMED and the path, never a crash.

Before the check, a lone surrogate in any string reached lxml (ValueError) or ``.encode()`` (UnicodeEncodeError),
and JSON nested 1,000 deep made the decoder raise RecursionError: all three ended as INTERNAL or a traceback.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from mappings import (
    MAX_RECORD_DEPTH,
    RecordMalformed,
    check_record,
    load_example,
    map_forward,
    parse_record,
    validate_record,
)

SURROGATE = "A\ud800B"
EXAMPLES = {"coo-cn-hk": ("certificate-of-origin", "coo-ubl24-cepa-hk"),
            "manifest-cn-mo": ("cargo-manifest", "manifest-efti-consignment")}


def _string_leaves(value: Any, path: str = "$") -> Iterator[tuple[str, list[Any]]]:
    """(JSON path, route of keys and indexes) of every string in a record."""
    if isinstance(value, dict):
        for key, child in value.items():
            for sub, route in _string_leaves(child, f"{path}.{key}"):
                yield sub, [key, *route]
    elif isinstance(value, list):
        for i, child in enumerate(value):
            for sub, route in _string_leaves(child, f"{path}[{i}]"):
                yield sub, [i, *route]
    elif isinstance(value, str):
        yield path, []


def _with_value(record: dict[str, Any], route: list[Any], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(record)
    obj: Any = changed
    for step in route[:-1]:
        obj = obj[step]
    obj[route[-1]] = value
    return changed


def _cases() -> list[tuple[str, str, list[Any]]]:
    return [(name, path, route) for name in EXAMPLES for path, route in _string_leaves(load_example(name))]


@pytest.mark.parametrize(("example", "path", "route"), _cases(), ids=lambda v: v if isinstance(v, str) else "")
def test_lone_surrogate_in_any_string_field_names_its_path(example: str, path: str, route: list[Any]) -> None:
    document_type, profile = EXAMPLES[example]
    record = _with_value(load_example(example), route, SURROGATE)
    text = json.dumps(record)  # ASCII: the surrogate travels as the escape \ud800, as a client would send it
    with pytest.raises(RecordMalformed) as caught:
        parse_record(text.encode())
    assert (caught.value.code, caught.value.path) == ("RECORD_MALFORMED", path)
    # A record built in Python is stopped the same way by the entry points that take one.
    with pytest.raises(RecordMalformed) as caught:
        map_forward(record, profile)
    assert caught.value.path == path
    with pytest.raises(RecordMalformed) as caught:
        validate_record(document_type, record)
    assert caught.value.path == path


def test_lone_surrogate_in_a_key_names_the_object() -> None:
    record = load_example("coo-cn-hk")
    record["goods_items"][0]["X\udc80"] = "value"
    with pytest.raises(RecordMalformed) as caught:
        parse_record(json.dumps(record))
    assert caught.value.path == "$.goods_items[0]"
    assert "X\\udc80" in caught.value.message
    caught.value.message.encode("utf-8")  # the error itself can travel


def test_surrogate_as_raw_utf8_bytes_is_refused() -> None:
    # json.loads decodes bytes with 'surrogatepass', so the UTF-8 form of U+D800 would otherwise get in.
    with pytest.raises(RecordMalformed) as caught:
        parse_record(b'{"certificate": {"number": "\xed\xa0\x80"}}')
    assert caught.value.path == "$.certificate.number"


def _nested(depth: int) -> str:
    """An object whose key ``a`` nests ``depth`` objects in all (the record itself is the first)."""
    return '{"a": ' * (depth - 1) + '{"leaf": 1}' + "}" * (depth - 1)


def test_depth_limit_is_inclusive() -> None:
    assert MAX_RECORD_DEPTH < 200
    parse_record(_nested(MAX_RECORD_DEPTH))
    with pytest.raises(RecordMalformed) as caught:
        parse_record(_nested(MAX_RECORD_DEPTH + 1))
    assert caught.value.path == "$" + ".a" * MAX_RECORD_DEPTH


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_nesting_beyond_the_decoder_names_the_same_path(depth: int) -> None:
    # The decoder runs out of recursion here; the path is then read from the text.
    with pytest.raises(RecordMalformed) as caught:
        parse_record(_nested(depth).encode())
    assert caught.value.path == "$" + ".a" * MAX_RECORD_DEPTH
    assert str(MAX_RECORD_DEPTH) in caught.value.message


def test_deep_arrays_with_brackets_inside_strings() -> None:
    text = '{"goods_items": [{"x": "[[[{{{", "y": ' + "[" * 1_000 + "]" * 1_000 + "}]}"
    with pytest.raises(RecordMalformed) as caught:
        parse_record(text)
    # The record, goods_items, its first item and y are levels 1 to 4; y's nested arrays count on from 5.
    assert caught.value.path == "$.goods_items[0].y" + "[0]" * (MAX_RECORD_DEPTH + 1 - 4)


def test_check_record_is_iterative() -> None:
    record: dict[str, Any] = {}
    inner = record
    for _ in range(5_000):  # deeper than Python's recursion limit: a recursive walk would crash
        inner["a"] = {}
        inner = inner["a"]
    with pytest.raises(RecordMalformed) as caught:
        check_record(record)
    assert caught.value.path == "$" + ".a" * MAX_RECORD_DEPTH


@pytest.mark.parametrize("bad", [b"\xff{}", b'{"a": "\xc3"}'])
def test_not_utf8_is_malformed_at_the_root(bad: bytes) -> None:
    with pytest.raises(RecordMalformed) as caught:
        parse_record(bad)
    assert caught.value.path == "$"
