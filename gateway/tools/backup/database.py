"""The database in a backup: SQLite's online backup API, or pg_dump and pg_restore for PostgreSQL."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from ...core.settings import Settings
from .common import BackupError

__all__ = ["password_env", "postgres_dump_command", "postgres_restore_command", "run_tool", "sqlite_path",
           "sqlite_snapshot"]


def sqlite_path(settings: Settings) -> Path | None:
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        raise BackupError("BACKUP_DATABASE_UNSUPPORTED", "an in-memory database has nothing to back up",
                          "gateway.database_url")
    return Path(url.database)


def _libpq(database_url: str) -> tuple[str, str | None]:
    """The libpq URI (without the password) of a SQLAlchemy PostgreSQL URL and the schema its
    ``-csearch_path=`` option names."""
    from sqlalchemy.engine import URL, make_url

    url = make_url(database_url)
    schema = None
    options = url.query.get("options")
    text = options if isinstance(options, str) else " ".join(options or ())
    for part in text.split():
        if part.startswith("-csearch_path="):
            schema = part.removeprefix("-csearch_path=").split(",")[0].strip('"')
    # URL.set() cannot remove a password (None means "unchanged"), so the URL is built again without it.
    libpq = URL.create("postgresql", username=url.username, host=url.host, port=url.port, database=url.database,
                       query=url.query).render_as_string(hide_password=False)
    return libpq, schema


def password_env(database_url: str) -> dict[str, str]:
    """The environment for pg_dump/pg_restore: the URL's password as PGPASSWORD, never on the command line
    (where any local user sees it in the process list)."""
    from sqlalchemy.engine import make_url

    password = make_url(database_url).password
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = str(password)
    return env


def postgres_dump_command(database_url: str, out: Path) -> list[str]:
    """The ``pg_dump`` command that takes a consistent snapshot (one transaction) of the gateway's database."""
    uri, schema = _libpq(database_url)
    command = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={out}"]
    if schema:
        command.append(f"--schema={schema}")
    return [*command, f"--dbname={uri}"]


def postgres_restore_command(database_url: str, dump: Path) -> list[str]:
    """The ``pg_restore`` command that loads a dump into an empty database (or schema-less target)."""
    uri, _ = _libpq(database_url)
    return ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
            f"--dbname={uri}", str(dump)]


def run_tool(command: list[str], what: str, env: dict[str, str] | None = None) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError("BACKUP_TOOL_MISSING", f"{command[0]} is not installed; install the PostgreSQL client "
                                                 f"of the server's major version", what)
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=env)  # noqa: S603
    if result.returncode != 0:
        raise BackupError("BACKUP_DATABASE_FAILED", f"{command[0]} failed: {result.stderr.strip()}", what)


def sqlite_snapshot(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError("BACKUP_FILE_MISSING", f"{source} does not exist", "gateway.database_url")
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        # The online backup API copies a consistent snapshot while the gateway keeps writing: in one step
        # (pages=-1) it reads every page under one read transaction, which in WAL mode blocks no writer.
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file in the archive, no -wal beside it
    finally:
        dst.close()
        src.close()
