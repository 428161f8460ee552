"""Strict access to the package's own data files (``mappings/data/...``).

Every data file is parsed strictly: an unknown key is a defect of the shipped data, reported as
:class:`SpecInvalid` naming the key and the file, so that a typo can never silently switch a rule off.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from mappings.errors import SpecInvalid

__all__ = [
    "data_file",
    "list_data",
    "load_json",
    "load_toml",
    "opt_bool",
    "opt_str",
    "req_list",
    "req_str",
    "strict_keys",
]

_PACKAGE = "mappings"


def data_file(relative: str) -> Traversable:
    """Return the traversable for ``data/<relative>`` inside the package."""
    return resources.files(_PACKAGE).joinpath("data").joinpath(*relative.split("/"))


def list_data(folder: str, suffix: str) -> tuple[str, ...]:
    """Return the sorted names (relative to ``data/``) of the files in ``folder`` ending with ``suffix``."""
    base = data_file(folder)
    return tuple(sorted(f"{folder}/{p.name}" for p in base.iterdir() if p.name.endswith(suffix) and p.is_file()))


def load_toml(relative: str) -> dict[str, Any]:
    """Parse ``data/<relative>`` as TOML; a syntax error becomes :class:`SpecInvalid`."""
    try:
        return tomllib.loads(data_file(relative).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise SpecInvalid(f"cannot read TOML data file: {e}", path=f"mappings/data/{relative}") from e


def load_json(relative: str) -> Any:
    """Parse ``data/<relative>`` as JSON; a syntax error becomes :class:`SpecInvalid`."""
    try:
        return json.loads(data_file(relative).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise SpecInvalid(f"cannot read JSON data file: {e}", path=f"mappings/data/{relative}") from e


def strict_keys(
    table: Any, where: str, *, required: Iterable[str] = (), optional: Iterable[str] = ()
) -> Mapping[str, Any]:
    """Check that ``table`` is a mapping with all ``required`` keys and no key outside ``required | optional``.

    ``where`` names the file and the position inside it for the error message.
    """
    if not isinstance(table, Mapping):
        raise SpecInvalid(f"expected a table, got {type(table).__name__}", path=where)
    req = tuple(required)
    allowed = set(req) | set(optional)
    for key in table:
        if key not in allowed:
            raise SpecInvalid(f"unknown key {key!r} (allowed: {', '.join(sorted(allowed))})", path=where)
    for key in req:
        if key not in table:
            raise SpecInvalid(f"missing required key {key!r}", path=where)
    return table


def req_str(table: Mapping[str, Any], key: str, where: str) -> str:
    """Return ``table[key]`` as a non-empty string or raise :class:`SpecInvalid`."""
    value = table.get(key)
    if not isinstance(value, str) or not value:
        raise SpecInvalid(f"key {key!r} must be a non-empty string", path=where)
    return value


def opt_str(table: Mapping[str, Any], key: str, where: str) -> str | None:
    """Return ``table[key]`` as a string, ``None`` when absent, or raise :class:`SpecInvalid`."""
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise SpecInvalid(f"key {key!r} must be a string", path=where)
    return value


def opt_bool(table: Mapping[str, Any], key: str, where: str, default: bool) -> bool:
    """Return ``table[key]`` as a bool, ``default`` when absent, or raise :class:`SpecInvalid`."""
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise SpecInvalid(f"key {key!r} must be true or false", path=where)
    return value


def req_list(table: Mapping[str, Any], key: str, where: str) -> list[Any]:
    """Return ``table[key]`` as a list or raise :class:`SpecInvalid`."""
    value = table.get(key)
    if not isinstance(value, list):
        raise SpecInvalid(f"key {key!r} must be a list", path=where)
    return value
