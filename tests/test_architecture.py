"""Floors: the gateway's packages import only the floors below them, and the pure packages stay pure.

One table, :data:`FLOORS`, says which parts of ``gateway`` each floor may import and which libraries it may not;
one test walks every module's imports (with ast, so nothing is executed) and fails on an arrow the table does not
allow. ``mappings`` and ``trust`` import nothing of ``gateway`` or of each other.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Libraries that do I/O (network, database, processes, schedulers, exporters); pure code imports none of them.
IO_LIBRARIES = ("grpc", "grpc_status", "grpc_health", "grpc_reflection", "sqlalchemy", "alembic", "apscheduler",
                "socket", "http", "urllib", "requests", "httpx", "psycopg", "subprocess", "asyncio", "prometheus_client")


@dataclass(frozen=True)
class Floor:
    """What the modules under one prefix may import."""

    imports: tuple[str, ...]
    """The gateway modules (prefixes) they may import; anything else of ``gateway`` is a wrong arrow."""
    forbidden: tuple[str, ...] = ()
    """Top-level libraries they may not import."""
    pure: bool = False
    """No clock reads (``datetime.now``, ``time.time``, ...): time comes in as an argument or through the Clock
    port."""


_PURE = (*IO_LIBRARIES, "reportlab")

#: The one table of allowed arrows; a module follows its longest matching prefix. ``gateway`` itself (its
#: ``__init__``) only names the public surface, which lives in the core. ``gateway.adapters.partners`` speaks the
#: partner protocol as a client, so it shares the wire codec and the status translation with the gRPC servicers.
FLOORS: dict[str, Floor] = {
    "gateway": Floor(imports=("gateway.core",)),
    "mappings": Floor(imports=(), forbidden=(*_PURE, "trust"), pure=True),
    "trust": Floor(imports=(), forbidden=(*_PURE, "mappings"), pure=True),
    "gateway.core": Floor(imports=("gateway.core",), forbidden=_PURE, pure=True),
    "gateway.pipeline": Floor(imports=("gateway.core", "gateway.pipeline"), forbidden=_PURE, pure=True),
    "gateway.adapters": Floor(imports=("gateway.core", "gateway.adapters")),
    "gateway.adapters.partners": Floor(imports=("gateway.core", "gateway.adapters", "gateway._generated",
                                                "gateway.transports.codec", "gateway.transports.status_map",
                                                "gateway.transports.as4")),
    "gateway.transports": Floor(imports=("gateway.core", "gateway.pipeline", "gateway.transports",
                                         "gateway._generated")),
    "gateway.app": Floor(imports=("gateway.core", "gateway.pipeline", "gateway.adapters", "gateway.transports",
                                  "gateway._generated", "gateway.startup")),
    # The composition root's start-up checks of the configuration's files (read before anything is opened).
    "gateway.startup": Floor(imports=("gateway.core",)),
    # Tools reach the adapters only through the composition root (build_app, open_operations).
    "gateway.tools": Floor(imports=("gateway.core", "gateway.pipeline", "gateway.transports", "gateway._generated",
                                    "gateway.app", "gateway.tools")),
    "gateway.__main__": Floor(imports=("gateway.tools",)),
}


def _modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "_generated" not in p.parts)


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            # ``from gateway.transports import codec`` is an arrow to the module gateway.transports.codec.
            folder = ROOT / module.replace(".", "/")
            submodules = {f"{module}.{a.name}" for a in node.names
                          if (folder / f"{a.name}.py").exists() or (folder / a.name / "__init__.py").exists()}
            found.update(submodules if submodules and len(submodules) == len(node.names) else {module, *submodules})
    return found


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _floor(module: str) -> Floor | None:
    matches = [prefix for prefix in FLOORS if _within(module, prefix)]
    return FLOORS[max(matches, key=len)] if matches else None


def _clock_reads(path: Path) -> list[int]:
    """Lines that read the wall clock (datetime.now, date.today, time.time)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute) and node.attr in ("now", "today", "utcnow", "time") \
                and isinstance(node.value, ast.Name) and node.value.id in ("datetime", "date", "time"):
            lines.append(node.lineno)
    return lines


def _arrows(path: Path) -> list[str]:
    module = _name(path)
    floor = _floor(module)
    if floor is None:
        return [f"{module} lies on no floor of FLOORS"]
    wrong = []
    for name in sorted(_imports(path)):
        top = name.split(".")[0]
        if top in floor.forbidden:
            wrong.append(f"{module} imports {name}")
        if top == "gateway" and name != "gateway" and not _within(name, module) \
                and not any(_within(name, allowed) for allowed in floor.imports):
            wrong.append(f"{module} imports {name}")
    if floor.pure and _clock_reads(path):
        wrong.append(f"{module} reads the clock at lines {_clock_reads(path)}")
    return wrong


@pytest.mark.parametrize("package", ["gateway", "mappings", "trust"])
def test_imports_follow_the_floors(package: str) -> None:
    wrong = [arrow for path in _modules(package) for arrow in _arrows(path)]
    assert not wrong, "\n".join(wrong)


def test_the_floor_check_sees_a_wrong_arrow(tmp_path: Path) -> None:
    # The table is only worth something if the walk finds imports: a pipeline step reaching an adapter is refused.
    assert _floor("gateway.pipeline.steps") is FLOORS["gateway.pipeline"]
    assert _floor("gateway.adapters.partners.grpc_client") is FLOORS["gateway.adapters.partners"]
    steps = ROOT / "gateway" / "pipeline" / "steps.py"
    assert any(_within(name, "gateway.core") for name in _imports(steps))
    forbidden = FLOORS["gateway.pipeline"]
    assert not any(_within("gateway.adapters.coo_pdf", allowed) for allowed in forbidden.imports)
    assert "reportlab" in forbidden.forbidden


@pytest.mark.parametrize("package", ["gateway", "mappings", "trust"])
def test_public_surface_is_explicit_and_sorted(package: str) -> None:
    for path in _modules(package):
        tree = ast.parse(path.read_text())
        names = [n for n in tree.body if isinstance(n, ast.Assign)
                 and any(isinstance(t, ast.Name) and t.id == "__all__" for t in n.targets)]
        if path.name.startswith("_") and path.name != "__init__.py":
            continue
        for node in names:
            values = ast.literal_eval(node.value)
            assert list(values) == sorted(values), f"{path.relative_to(ROOT)}: __all__ is not sorted"


def test_modules_stay_small() -> None:
    for package in ("gateway", "mappings", "trust"):
        for path in _modules(package):
            lines = len(path.read_text().splitlines())
            assert lines <= 450, f"{path.relative_to(ROOT)} has {lines} lines; split it by responsibility"


def test_gateway_states_its_public_surface() -> None:
    import gateway

    assert gateway.__all__ == ["Action", "BusinessKey", "DocumentType", "Envelope", "GatewayError", "MessageStatus",
                               "PartyId", "Receipt", "ReceiptOutcome"]
    assert all(getattr(gateway, name).__module__.startswith("gateway.core.") for name in gateway.__all__)
