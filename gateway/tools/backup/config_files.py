"""The files a gateway's configuration names, and the configuration rewritten to the archive's layout."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from .common import BackupError

__all__ = ["ConfigFiles", "rewrite_config"]


# Configuration keys holding file names: (table path, key). Partner entries are handled per partner.
_FILE_KEYS = (("signing", "key"), ("signing", "certificate"), ("signing", "chain"),
              ("partner_listener", "tls_key"), ("partner_listener", "tls_certificate"),
              ("partner_listener", "client_ca"), ("domestic_listener", "tls_key"),
              ("domestic_listener", "tls_certificate"), ("domestic_listener", "client_ca"), ("operators", "ca"))


class ConfigFiles:
    """The files a configuration names, each given one archive name; the configuration is rewritten to them."""

    def __init__(self, base_dir: Path) -> None:
        self._base = base_dir
        self.names: dict[Path, str] = {}
        self.folders: dict[Path, str] = {}

    def _member(self, source: Path) -> str:
        try:
            relative = source.relative_to(self._base).as_posix()
        except ValueError:
            # Outside the configuration's folder: kept apart, numbered so that equal names do not collide.
            relative = f"external/{len(self.names) + len(self.folders)}-{source.name}"
        return f"files/{relative}"

    def file(self, value: Any, field: str) -> str:
        if not isinstance(value, str):
            raise BackupError("BACKUP_CONFIG_INVALID", "must be a file name", field)
        source = (self._base / value).resolve()
        if not source.is_file():
            raise BackupError("BACKUP_FILE_MISSING", f"{source} is not a readable file", field)
        return self.names.setdefault(source, self._member(source))

    def folder(self, value: Any, field: str) -> str:
        if not isinstance(value, str):
            raise BackupError("BACKUP_CONFIG_INVALID", "must be a folder name", field)
        source = (self._base / value).resolve()
        if not source.is_dir():
            raise BackupError("BACKUP_FILE_MISSING", f"{source} is not a folder", field)
        return self.folders.setdefault(source, self._member(source))


def rewrite_config(data: dict[str, Any], files: ConfigFiles, *, sqlite: bool) -> dict[str, Any]:
    out: dict[str, Any] = copy.deepcopy(data)
    gateway = out.setdefault("gateway", {})
    gateway["data_dir"] = "data"
    # The blobs go to the restored data_dir's default blob_dir ("data/blobs"), like the SQLite database.
    gateway.pop("blob_dir", None)
    if sqlite:
        gateway.pop("database_url", None)
    for table, key in _FILE_KEYS:
        section = out.get(table)
        if isinstance(section, dict) and key in section:
            section[key] = files.file(section[key], f"{table}.{key}")
    signing = out.get("signing")
    if isinstance(signing, dict) and "keyring" in signing:
        signing["keyring"] = files.folder(signing["keyring"], "signing.keyring")
    for i, partner in enumerate(out.get("partners", [])):
        for key in ("trust_anchors", "trust_pinned"):
            if key in partner:
                partner[key] = [files.file(v, f"partners[{i}].{key}[{j}]") for j, v in enumerate(partner[key])]
        own = partner.get("signing")
        if isinstance(own, dict):
            for key in ("key", "certificate", "chain"):
                if key in own:
                    own[key] = files.file(own[key], f"partners[{i}].signing.{key}")
    return out
