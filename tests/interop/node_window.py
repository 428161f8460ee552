"""The Node partner window (tests/interop/partner) as the tests drive it: tools, records, documents, its config.

Shared by ``test_node_partner.py`` (against a real CN gateway) and ``test_node_partner_conformance.py`` (test
vectors and the conformance kit).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import tools_required
from tests.integration.network import example, record_bytes
from tests.reference_root import reference_root

INTEROP = Path(__file__).parent
REPO = INTEROP.parent.parent
WINDOW = INTEROP / "partner" / "window.mjs"
PROFILE = "coo-ubl24-acfta-forme"
UBL_SCHEMA = reference_root() / "ubl-2.4" / "xsd" / "maindoc" / "UBL-CertificateOfOrigin-2.4.xsd"
PACKAGES = ("@grpc/grpc-js", "@grpc/proto-loader", "protobufjs", "jose", "canonicalize")
SG_DOMESTIC = "132"  # Singapore in the domestic country code list (mappings/data/codelists/country.toml)
CN_DOMESTIC = "142"


def node_tools() -> str:
    """node, with the npm packages installed, xmlsec1 and xmllint; skip (locally) or fail (CI) otherwise."""
    node = shutil.which("node")
    missing = []
    if node is None:
        missing.append("node (Node 20+)")
    missing += [f"npm package {p} (cd tests/interop && npm ci)" for p in PACKAGES
                if not (INTEROP / "node_modules" / p).is_dir()]
    missing += [f"{tool} (Debian package; .ci/run installs it)" for tool in ("xmlsec1", "xmllint")
                if shutil.which(tool) is None]
    if missing:
        message = "the Node partner window needs " + ", ".join(missing)
        if tools_required():
            pytest.fail(message)
        pytest.skip(message)
    assert node is not None
    return node


def swgw_command(*args: str) -> list[str]:
    """The swgw command line run by this interpreter (the checkout on PYTHONPATH)."""
    return [sys.executable, "-c", "import sys; from gateway.tools.cli import main; sys.exit(main())", *args]


def form_e(number: str, *, sender: str, note: str = "Shipped by rail via Pingxiang.") -> dict[str, Any]:
    """The shipped CN -> VN Form E, redirected between CN and SG (ACFTA parties)."""
    record = example("coo-cn-vn")
    certificate = record["certificate"]
    certificate["number"] = number
    certificate["remarks"] = note
    if sender == "CN":
        certificate["destination_country"] = SG_DOMESTIC
        record["consignee"]["country"] = SG_DOMESTIC
        record["transport"]["discharge_port"] = "SGSIN"
        return record
    certificate.update(issuer_code="SG-CUSTOMS", issuer_name="Singapore Customs", issue_place="Singapore",
                       issuing_country=SG_DOMESTIC, destination_country=CN_DOMESTIC)
    record["exporter"]["country"] = SG_DOMESTIC
    record["consignee"]["country"] = CN_DOMESTIC
    record["transport"].update(loading_port="SGSIN", discharge_port="CNNNG")
    for item in record["goods_items"]:
        item["origin_country"] = SG_DOMESTIC
    return record


def unsigned_document(folder: Path, number: str, note: str = "Shipped by rail via Pingxiang.") -> Path:
    """SG's own system output: ``swgw map`` of a Form E record issued by SG (unsigned UBL)."""
    record = folder / f"{number}.json"
    record.write_bytes(record_bytes(form_e(number, sender="SG", note=note)))
    result = subprocess.run(
        swgw_command("map", str(record), "--type", "certificate-of-origin", "--profile", PROFILE),
        capture_output=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    document = folder / f"{number}.xml"
    document.write_bytes(result.stdout)
    return document


def agreed_document() -> dict[str, Any]:
    """The window's agreement entry for certificates of origin: format and placement from the profile, and SG's
    own rules: the official schema (when the reference material is here) and a Form E names its exporter (the
    schema alone does not require one)."""
    spec = json.loads((REPO / "mappings" / "data" / "specs" / f"{PROFILE}.json").read_text())
    return {
        "format": spec["format"], "signature": spec["signature"],
        **({"schema": str(UBL_SCHEMA)} if UBL_SCHEMA.is_file() else {}),
        "required_elements": ["cac:ExporterParty"],
    }


def window_config(folder: Path, *, port: int, partner: dict[str, Any], name: str = "window") -> Path:
    """Write the Node window SG's configuration into its folder (keys under ``keys/``) with one partner."""
    config = folder / f"{name}.json"
    config.write_text(json.dumps({
        "party": "SG", "listen": f"127.0.0.1:{port}", "store": f"{name}-received.json", "outbox": f"{name}-sent.json",
        "tls": {"key": "keys/tls.key.pem", "certificate": "keys/tls.cert.pem"},
        "signing": {"key": "keys/signing.key.pem", "certificate": "keys/signing.cert.pem", "chain": "keys/ca.cert.pem"},
        "partners": [{**partner, "documents": {"DOCUMENT_TYPE_CERTIFICATE_OF_ORIGIN": agreed_document()}}],
    }))
    return config


def start_window(node: str, config: Path, port: int) -> subprocess.Popen[str]:
    """Start ``window.mjs serve`` and wait until it listens (stderr to a log beside the config)."""
    with (config.parent / f"{config.stem}.log").open("w") as stderr:
        window = subprocess.Popen([node, str(WINDOW), "serve", "--config", str(config)], stdout=subprocess.PIPE,
                                  stderr=stderr, text=True)
    assert window.stdout is not None
    line = window.stdout.readline()
    if json.loads(line or "null") != {"listening": port}:
        window.kill()
        window.communicate()
        raise AssertionError(line + (config.parent / f"{config.stem}.log").read_text())
    return window


def stop_window(window: subprocess.Popen[str]) -> None:
    """Stop a window started by :func:`start_window`."""
    window.terminate()
    try:
        window.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        window.kill()
        window.communicate()
