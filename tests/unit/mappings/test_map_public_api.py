"""The public surface is small and sorted, and every module follows the house style (purity is
``tests/test_architecture.py``'s, with the other floors)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mappings

PACKAGE = Path(mappings.__file__).resolve().parent
SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_all_is_sorted_and_complete() -> None:
    assert mappings.__all__ == sorted(mappings.__all__)
    for name in mappings.__all__:
        assert hasattr(mappings, name), name


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_module_style(source: Path) -> None:
    text = source.read_text(encoding="utf-8")
    assert "from __future__ import annotations" in text
    assert len(text.splitlines()) <= 400, f"{source.name} is over 400 lines"
    tree = ast.parse(text)
    assert ast.get_docstring(tree), f"{source.name} has no module docstring"
    # Public module-level functions and classes, and the public methods of public classes, need docstrings.
    public = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and not n.name.startswith("_")]
    for cls in [n for n in public if isinstance(n, ast.ClassDef)]:
        public += [m for m in cls.body if isinstance(m, ast.FunctionDef) and not m.name.startswith("_")]
    for node in public:
        assert ast.get_docstring(node), f"{source.name}: {node.name} lacks a docstring"


def test_prepare_profile_loads_every_shipped_profile_and_refuses_an_unknown_one() -> None:
    for profile in mappings.list_profiles():
        assert mappings.prepare_profile(profile.id) == profile
    with pytest.raises(mappings.ProfileUnknown) as caught:
        mappings.prepare_profile("coo-ubl24-nowhere")
    assert caught.value.code == "PROFILE_UNKNOWN"
