"""Small helpers for dotted record paths (``goods_items``, ``$.certificate.number``, ``.``)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

__all__ = ["Getter", "Setter", "compile_getter", "compile_setter", "find_entries", "flatten", "get_path", "join_path",
           "path_steps", "set_path", "unlisted_leaves"]

Getter = Callable[[Any, Any], Any]
"""A compiled :func:`get_path`: ``getter(root, scope)``."""
Setter = Callable[[dict[str, Any], dict[str, Any], Any], Any]
"""A compiled :func:`set_path`: ``setter(root, scope, value)`` returns the value that was there."""


@functools.lru_cache(maxsize=4096)
def _split(path: str) -> tuple[bool, tuple[str, ...]]:
    # Spec paths are few and reused for every record, so their parsing is cached.
    absolute = path.startswith("$.")
    body = path[2:] if absolute else path
    return absolute, tuple(p for p in body.split(".") if p)


def path_steps(path: str) -> tuple[bool, tuple[str, ...]]:
    """Whether ``path`` is absolute (``$.``) and its keys, for code that walks a path of its own."""
    return _split(path)


def find_entries(record: Any, path: str, prefix: str = "$", *, missing: bool = False) -> list[tuple[str, Any]]:
    """(JSON path, value) of every value at the dotted ``path``, where ``name[]`` steps into each entry of a list.

    A missing value is left out, or with ``missing`` reported as ``None`` at the JSON path where it is absent (for
    rules that require a value).
    """
    steps, keys = _entry_steps(path)
    if keys is None:
        return _find(record, steps, 0, prefix, missing)
    # No list on the way: one value at most, named by the path itself (present or, with ``missing``, absent).
    value = record
    for key in keys:
        # (type(...) is dict first: records are plain dicts, and the Mapping ABC check costs several times more)
        value = value.get(key) if type(value) is dict or isinstance(value, Mapping) else None
    if value is None and not missing:
        return []
    return [(f"{prefix}.{path}", value)]


_Steps = tuple[tuple[str, bool, str, bool], ...]


@functools.lru_cache(maxsize=4096)
def _entry_steps(path: str) -> tuple[_Steps, tuple[str, ...] | None]:
    # Per step: the key, whether it steps into a list, the rest of the path and whether a list step follows; and
    # the keys alone for a path without lists.
    heads = path.split(".")
    steps = []
    for i, head in enumerate(heads):
        rest = ".".join(heads[i + 1:])
        steps.append((head.removesuffix("[]"), head.endswith("[]"), rest, "[]" in rest))
    return tuple(steps), None if "[]" in path else tuple(heads)


def _find(record: Any, steps: _Steps, at: int, prefix: str, missing: bool) -> list[tuple[str, Any]]:
    name, listed, rest, list_follows = steps[at]
    # (type(...) is dict first: records are plain dicts, and the Mapping ABC check costs several times more)
    value = record.get(name) if type(record) is dict or isinstance(record, Mapping) else None
    here = f"{prefix}.{name}"
    if value is None:
        # Under a missing list there are no entries to name; under a missing object, the path itself is absent.
        if not missing or listed or list_follows:
            return []
        return [(f"{here}.{rest}" if rest else here, None)]
    if at + 1 == len(steps):
        if listed and isinstance(value, list):
            return [(f"{here}[{i}]", v) for i, v in enumerate(value)]
        return [(here, value)]
    if listed and isinstance(value, list):
        return [found for i, v in enumerate(value) for found in _find(v, steps, at + 1, f"{here}[{i}]", missing)]
    return _find(value, steps, at + 1, here, missing)


def join_path(scope_path: str, path: str) -> str:
    """Return the absolute JSON path (``$.a[0].b``) of ``path`` read in the scope at ``scope_path``."""
    if path == ".":
        return scope_path
    if path.startswith("$."):
        return path
    return f"{scope_path}.{path}"


def get_path(root: Mapping[str, Any], scope: Any, path: str) -> Any:
    """Read ``path`` relative to ``scope`` (or ``root`` for ``$.`` paths); missing steps give ``None``."""
    if path == ".":
        return scope
    absolute, parts = _split(path)
    obj: Any = root if absolute else scope
    for part in parts:
        # The exact-type check is the fast path: records are plain dicts almost always.
        if type(obj) is dict or isinstance(obj, Mapping):
            obj = obj.get(part)
        else:
            return None
    return obj


def compile_getter(path: str) -> Getter:
    """Return ``lambda root, scope: get_path(root, scope, path)`` specialised for the shape of ``path``."""
    if path == ".":
        return lambda root, scope: scope
    absolute, parts = _split(path)
    if len(parts) == 1:
        key = parts[0]

        def get_one(root: Any, scope: Any) -> Any:
            obj = root if absolute else scope
            return obj.get(key) if type(obj) is dict or isinstance(obj, Mapping) else None

        return get_one
    if len(parts) == 2:
        first, second = parts

        def get_two(root: Any, scope: Any) -> Any:
            obj = root if absolute else scope
            if type(obj) is not dict and not isinstance(obj, Mapping):
                return None
            obj = obj.get(first)
            return obj.get(second) if type(obj) is dict or isinstance(obj, Mapping) else None

        return get_two
    return lambda root, scope: get_path(root, scope, path)


def set_path(root: dict[str, Any], scope: dict[str, Any], path: str, value: Any) -> Any:
    """Set ``path`` relative to ``scope`` (or ``root``), creating objects; return the value that was there."""
    absolute, parts = _split(path)
    obj: dict[str, Any] = root if absolute else scope
    for part in parts[:-1]:
        nxt = obj.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            obj[part] = nxt
        obj = nxt
    previous = obj.get(parts[-1])
    obj[parts[-1]] = value
    return previous


def compile_setter(path: str) -> Setter:
    """Return ``lambda root, scope, value: set_path(root, scope, path, value)`` specialised for the shape of
    ``path`` (the reverse reader sets one per value it reads, so the common one- and two-step paths skip the
    generic loop)."""
    absolute, parts = _split(path)
    if len(parts) == 1:
        key = parts[0]

        def set_one(root: dict[str, Any], scope: dict[str, Any], value: Any) -> Any:
            obj = root if absolute else scope
            previous = obj.get(key)
            obj[key] = value
            return previous

        return set_one
    if len(parts) == 2:
        first, second = parts

        def set_two(root: dict[str, Any], scope: dict[str, Any], value: Any) -> Any:
            obj = root if absolute else scope
            nxt = obj.get(first)
            if not isinstance(nxt, dict):
                nxt = {}
                obj[first] = nxt
            previous = nxt.get(second)
            nxt[second] = value
            return previous

        return set_two
    return lambda root, scope, value: set_path(root, scope, path, value)


def flatten(value: Any, path: str = "$") -> Iterator[str]:
    """Yield the JSON path of every leaf value (not ``None``) in a record."""
    if isinstance(value, Mapping):
        for key, sub in value.items():
            yield from flatten(sub, f"{path}.{key}")
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            yield from flatten(sub, f"{path}[{i}]")
    elif value is not None:
        yield path


def unlisted_leaves(record: Any, listed: set[str]) -> tuple[str, ...]:
    """Return, in :func:`flatten` order, the leaf paths of ``record`` that are not in ``listed``."""
    out: list[str] = []
    _unlisted(record, "$", listed, out)
    return tuple(out)


def _unlisted(value: Any, path: str, listed: set[str], out: list[str]) -> None:
    # flatten() without its generator chain: one call per object or list, plain leaves handled inline.
    children: Iterable[tuple[str, Any]]
    if type(value) is dict or isinstance(value, Mapping):
        children = ((f"{path}.{key}", sub) for key, sub in value.items())
    elif isinstance(value, list):
        children = ((f"{path}[{i}]", sub) for i, sub in enumerate(value))
    else:
        if value is not None and path not in listed:
            out.append(path)
        return
    for here, sub in children:
        if sub is None:
            continue
        kind = type(sub)
        if kind is str or kind is int or kind is float or kind is bool:
            if here not in listed:
                out.append(here)
        else:
            _unlisted(sub, here, listed, out)
