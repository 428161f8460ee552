"""Strangers' checks of signed documents: the official schema with xmllint, the signature with xmlsec1.

Both run as subprocesses on files, exactly as a receiving officer would run them; see the README for the commands.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import trust
from tests.conftest import REFERENCE, require_tool, tools_required

#: Official schema (relative to the reference folder) by the root element of a document. The ePhyto
#: SPSCertificate has none: no complete UN/CEFACT SPS schema is public, and the hub WSDL's embedded one does not
#: accept even the hub's own sample (see shared/reference/SOURCES.md), so SPS documents are checked for being the
#: unsigned mapping output, unaltered, instead.
OFFICIAL_SCHEMAS = {
    "{urn:oasis:names:specification:ubl:schema:xsd:CertificateOfOrigin-2}CertificateOfOrigin":
        "ubl-2.4/xsd/maindoc/UBL-CertificateOfOrigin-2.4.xsd",
    "{http://efti.eu/v1/consignment/common}consignment": "efti/xsd/consignment-common.xsd",
}


def official_schema(root_tag: str) -> Path:
    """The official XSD for a document root; skipped (locally) or failed (CI) when the reference is absent."""
    path = REFERENCE / OFFICIAL_SCHEMAS[root_tag]
    if not path.is_file():
        message = f"reference schema {path} is absent (CI has ../shared/reference beside the repository)"
        if tools_required():
            pytest.fail(message)
        pytest.skip(message)
    return path


def xmllint_validate(document: Path, schema: Path) -> subprocess.CompletedProcess[str]:
    """``xmllint --noout --nonet --schema <schema> <document>``."""
    xmllint = require_tool("xmllint")
    return subprocess.run([xmllint, "--noout", "--nonet", "--schema", str(schema), str(document)],
                          capture_output=True, text=True, check=False, timeout=120)


def xmlsec1_verify(document: Path, ca_pem: Path, signature: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``xmlsec1 --verify`` with only the sender's CA: the document itself, or its detached ``signature`` with the
    signature's fixed reference URI mapped to the document file."""
    xmlsec1 = require_tool("xmlsec1")
    command = [xmlsec1, "--verify", "--enabled-key-data", "x509", "--trusted-pem", str(ca_pem)]
    if signature is not None:
        command += [f"--url-map:{trust.DETACHED_REFERENCE_URI}", str(document), str(signature)]
    else:
        command.append(str(document))
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
