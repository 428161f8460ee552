"""Dependencies point one way: transports -> pipeline -> (mappings, trust); the core stays pure.

The test walks every module's imports (with ast, so nothing is executed) and fails on a wrong arrow.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Libraries that do I/O or read the clock's environment; the pure packages import none of them.
IO_LIBRARIES = ("grpc", "grpc_status", "grpc_health", "grpc_reflection", "sqlalchemy", "alembic", "apscheduler",
                "socket", "http", "urllib", "requests", "httpx", "psycopg", "subprocess", "asyncio", "prometheus_client")

#: Modules that must stay pure (no ports, no adapters, no I/O library), besides mappings/ and trust/.
PURE_GATEWAY_MODULES = ("gateway/domain.py", "gateway/pipeline/steps.py", "gateway/pipeline/signatures.py",
                        "gateway/delivery/retry.py", "gateway/settings.py", "gateway/partners.py", "gateway/errors.py")


def _modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "_generated" not in p.parts)


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
                found.add(".".join([*base, node.module] if node.module else base))
            elif node.module:
                found.add(node.module)
    return found


def _top(name: str) -> str:
    return name.split(".")[0]


def _clock_reads(path: Path) -> list[int]:
    """Lines that read the wall clock (datetime.now, date.today, time.time)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute) and node.attr in ("now", "today", "utcnow", "time") \
                and isinstance(node.value, ast.Name) and node.value.id in ("datetime", "date", "time"):
            lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("package", ["mappings", "trust"])
def test_pure_packages_import_no_gateway_and_no_io(package: str) -> None:
    other = {"mappings": "trust", "trust": "mappings"}[package]
    for path in _modules(package):
        for name in _imports(path):
            assert _top(name) not in ("gateway", other), f"{path.relative_to(ROOT)} imports {name}"
            assert _top(name) not in IO_LIBRARIES, f"{path.relative_to(ROOT)} imports {name}"
        assert not _clock_reads(path), f"{path.relative_to(ROOT)} reads the clock at lines {_clock_reads(path)}"


@pytest.mark.parametrize("module", PURE_GATEWAY_MODULES)
def test_pure_gateway_modules(module: str) -> None:
    path = ROOT / module
    for name in _imports(path):
        assert _top(name) not in IO_LIBRARIES, f"{module} imports {name}"
        assert not name.startswith(("gateway.transports", "gateway.persistence", "gateway.app",
                                    "gateway.delivery.dispatcher", "gateway.delivery.scheduler")), \
            f"{module} imports {name}"
    assert not _clock_reads(path), f"{module} reads the clock at lines {_clock_reads(path)}"


def test_pipeline_and_delivery_do_not_reach_transports_or_persistence() -> None:
    for package in ("gateway/pipeline", "gateway/delivery"):
        for path in _modules(package):
            for name in _imports(path):
                assert not name.startswith(("gateway.transports", "gateway.persistence", "gateway.app")), \
                    f"{path.relative_to(ROOT)} imports {name}"
                assert _top(name) not in ("grpc", "sqlalchemy"), f"{path.relative_to(ROOT)} imports {name}"


def test_only_codec_and_transports_know_the_generated_code() -> None:
    # Transports, the composition root and the client-side modules (client, CLI backends, demo, the conformance
    # kit, which plays a partner's window on the wire) speak the wire.
    allowed = ("gateway/transports/", "gateway/app.py", "gateway/client.py", "gateway/admin_backends.py",
               "gateway/verify_offline.py", "gateway/demo.py", "gateway/conformance/")
    for path in _modules("gateway"):
        rel = str(path.relative_to(ROOT))
        if rel.startswith(allowed):
            continue
        for name in _imports(path):
            assert "_generated" not in name, f"{rel} imports generated code {name}"


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
