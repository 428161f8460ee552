"""A gateway loads the mapping profiles its agreements name when it is built, and refuses to start on a bad one.

Without this, a misspelt profile id or one for another document type would surface only as the first document's
failure, hours after the deployment.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import tomli_w
import tomllib

from gateway.app import build_app
from gateway.core.errors import ConfigInvalid
from gateway.tools.cli import load_settings
from gateway.tools.devsetup import write_network


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        ("coo-ubl24-cepa-xx", "no mapping profile 'coo-ubl24-cepa-xx'"),
        ("manifest-efti-consignment", "maps cargo-manifest, not certificate-of-origin"),
    ],
    ids=["unknown-profile", "profile-of-another-document-type"],
)
def test_a_gateway_does_not_start_with_a_bad_mapping_profile(tmp_path: Path, profile: str, message: str) -> None:
    files = write_network(tmp_path, ("CN", "HK"), {("CN", "HK"): {"certificate-of-origin": "coo-ubl24-cepa-hk"}},
                          at=datetime.now(UTC))
    config = files["CN"].config
    data = tomllib.loads(config.read_text())
    data["partners"][0]["documents"]["certificate-of-origin"] = profile
    config.write_text(tomli_w.dumps(data))

    with pytest.raises(ConfigInvalid) as caught:
        build_app(load_settings(config))
    assert caught.value.field_path == "partners[0].documents.certificate-of-origin"
    assert message in caught.value.message
