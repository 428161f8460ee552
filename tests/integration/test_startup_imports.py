"""A gateway holds only what its configuration uses: optional features are imported when configured, not at start.

Each of these libraries costs megabytes of resident memory in every gateway process (issue 16: a gateway's peak
while it streams large attachments must stay under 200 MB). A gateway built and started from a minimal
configuration (swgw gRPC partners only: no console, no ePhyto Hub, no AS4, no PDF, no time-stamping, no metrics)
must not import them. Run in a subprocess: other tests of this session import them all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import tomllib

from gateway.tools.devsetup import write_network

ROOT = Path(__file__).resolve().parents[2]

#: Optional features' libraries (and our modules that carry them), by the configuration that needs them.
OPTIONAL = {
    "flask": "[console]",
    "cheroot": "[console]",
    "argon2": "[console]",
    "zeep": "an ePhyto Hub partner",
    "gateway.adapters.partners.ephyto_hub": "an ePhyto Hub partner",
    "reportlab": "an agreement with attach_pdf",
    "pyhanko": "PAdES signatures or [timestamping]",
    "aiohttp": "[timestamping]",
    "xmlsec": "an AS4 partner",
    "gateway.transports.as4": "an AS4 partner",
    "gateway.adapters.partners.as4": "an AS4 partner",
    "prometheus_client": "[metrics]",
}

_PROBE = """
import json, sys
from pathlib import Path
from gateway.app import build_app
from gateway.tools.cli import load_settings
app = build_app(load_settings(Path(sys.argv[1])))
app.start()
try:
    print(json.dumps(sorted(name for name in sys.argv[2:] if name in sys.modules)))
finally:
    app.stop()
"""


def test_a_minimal_gateway_imports_no_optional_feature(tmp_path: Path) -> None:
    files = write_network(tmp_path, ("CN", "HK"), {("CN", "HK"): {"certificate-of-origin": "coo-ubl24-cepa-hk"}},
                          at=datetime.now(UTC))
    config = files["CN"].config
    data = tomllib.loads(config.read_text())
    # The premise: nothing optional is configured.
    assert not {"console", "timestamping", "metrics", "as4_listener"} & set(data)
    assert all(p.get("transport", "swgw-grpc") == "swgw-grpc" and not p.get("attach_pdf") for p in data["partners"])

    done = subprocess.run([sys.executable, "-c", _PROBE, str(config), *OPTIONAL], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    imported = json.loads(done.stdout.strip().splitlines()[-1])
    assert imported == [], "a minimal gateway imported " + ", ".join(f"{m} (needed only with {OPTIONAL[m]})"
                                                                     for m in imported)
