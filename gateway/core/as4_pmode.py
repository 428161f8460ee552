"""Parsing of an agreement's AS4 P-Mode (``[partners.as4]``), strictly like the rest of the configuration.

Kept apart from :mod:`gateway.core.settings` so that each partner transport's table reads in its own module; the
settings parser hands over its strict table reader (unknown keys are refused by name there too).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath
from typing import TYPE_CHECKING

from .domain import DocumentType
from .config_tables import choice
from .errors import ConfigInvalid
from .partners import As4Settings

if TYPE_CHECKING:
    from .config_tables import Table

__all__ = ["parse_as4"]


def parse_as4(table: Table, base_dir: PurePath, *, me: str, partner: str,
              documents: Mapping[DocumentType, str]) -> As4Settings:
    """The P-Mode of the AS4 agreement between ``me`` and ``partner`` covering ``documents``.

    Refused (:class:`~gateway.core.errors.ConfigInvalid`, naming the key): an endpoint that is not an https URL,
    an action missing for an agreed document type or given for one the agreement does not cover, and two document
    types sharing an action (inbound, the action tells which document a User Message carries).
    """
    url = table.get("endpoint_url", str, required=True)
    # The core imports no URL library (urllib is an I/O package); the scheme and a host are all that is checked.
    if not url.startswith("https://") or not url[len("https://"):].split("/")[0].split(":")[0].strip("[]"):
        # Partner-facing traffic is TLS, always; a Domibus peer is reached over HTTPS.
        raise ConfigInvalid(f"{table.key('endpoint_url')} must be an https:// URL",
                            field_path=table.key("endpoint_url"))
    actions_table = table.table("actions", required=True)
    actions: dict[DocumentType, str] = {}
    for key in actions_table.keys():
        try:
            document_type = DocumentType(key)
        except ValueError:
            raise ConfigInvalid(f"unknown document type {actions_table.key(key)}",
                                field_path=actions_table.key(key)) from None
        if document_type not in documents:
            raise ConfigInvalid(f"{actions_table.key(key)}: the agreement does not cover {key}",
                                field_path=actions_table.key(key))
        actions[document_type] = actions_table.get(key, str)
    actions_table.done()
    for document_type in documents:
        if document_type not in actions:
            raise ConfigInvalid(f"missing required key {actions_table.key(document_type.value)}: every agreed "
                                f"document type needs its eb:Action", field_path=actions_table.key(document_type.value))
    if len(set(actions.values())) != len(actions):
        raise ConfigInvalid("two document types share one eb:Action", field_path=actions_table.path)
    timeout = table.get("timeout_seconds", (int, float), 30.0)
    if timeout <= 0:
        raise ConfigInvalid(f"{table.key('timeout_seconds')} must be positive", field_path=table.key("timeout_seconds"))
    signers = table.get("signing_certificates", list, [])
    if not all(isinstance(s, str) for s in signers):
        raise ConfigInvalid("signing_certificates must be a list of file names",
                            field_path=table.key("signing_certificates"))
    encryption = table.get("encryption_certificate", str, None)
    peer = choice(table, "peer", ("swgw", "access-point"), "swgw")
    packaging = choice(table, "packaging", ("body", "swa"), "body")
    compress = table.get("compress", bool, False)
    sbdh = table.get("sbdh", bool, False)
    if compress and packaging != "swa":
        # The CompressionType property belongs to a MIME part; ebMS does not compress the SOAP Body.
        raise ConfigInvalid(f"{table.key('compress')} needs packaging = \"swa\"", field_path=table.key("compress"))
    if sbdh and peer != "access-point":
        raise ConfigInvalid(f"{table.key('sbdh')} needs peer = \"access-point\" (swgw peers send the document itself)",
                            field_path=table.key("sbdh"))
    defaults = As4Settings(endpoint_url=url, our_party_id=me, partner_party_id=partner)
    settings = As4Settings(
        endpoint_url=url,
        our_party_id=table.get("our_party_id", str, me),
        partner_party_id=table.get("partner_party_id", str, partner),
        party_id_type=table.get("party_id_type", str, defaults.party_id_type),
        initiator_role=table.get("initiator_role", str, defaults.initiator_role),
        responder_role=table.get("responder_role", str, defaults.responder_role),
        service=table.get("service", str, defaults.service),
        service_type=table.get("service_type", str, None),
        actions=actions,
        agreement_ref=table.get("agreement_ref", str, None),
        mpc=table.get("mpc", str, defaults.mpc),
        signing_certificate_files=tuple(str(base_dir / s) for s in signers),
        encryption_certificate_file=str(base_dir / encryption) if encryption else None,
        timeout_seconds=float(timeout),
        peer=peer,
        packaging=packaging,
        compress=compress,
        sbdh=sbdh,
    )
    table.done()
    return settings
