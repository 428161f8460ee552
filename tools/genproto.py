"""Regenerate the gRPC Python code from proto/ into an output folder (default gateway/_generated).

protoc writes absolute imports (``from swgw.v1 import envelope_pb2``), which would only work with the output
folder on sys.path; protoletariat rewrites them to relative imports so the code lives inside the gateway package.
The test ``tests/test_generated_up_to_date.py`` runs this into a temporary folder and diffs the result.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "proto"


def generate(out: Path) -> None:
    """Write the generated modules for every proto file under proto/ into ``out``."""
    protos = sorted(str(p.relative_to(PROTO_ROOT)) for p in PROTO_ROOT.rglob("*.proto"))
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    protoc = [sys.executable, "-m", "grpc_tools.protoc", f"--proto_path={PROTO_ROOT}"]
    subprocess.run(
        [*protoc, f"--python_out={out}", f"--pyi_out={out}", f"--grpc_python_out={out}", *protos],
        check=True,
        cwd=PROTO_ROOT,
    )
    protol = Path(sys.executable).with_name("protol")
    subprocess.run(
        [str(protol), "--create-package", "--in-place", "--python-out", str(out),
         "protoc", "--protoc-path", f"{sys.executable} -m grpc_tools.protoc",
         f"--proto-path={PROTO_ROOT}", *protos],
        check=True,
        cwd=PROTO_ROOT,
    )
    (out / "__init__.py").write_text('"""Generated protobuf and gRPC code. Never edit by hand: run `make proto`."""\n')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "gateway" / "_generated")
    generate(parser.parse_args().out)


if __name__ == "__main__":
    main()
