"""Fetch the official reference material into a cache folder and check every file against its sha256.

``make reference`` runs ``python tools/reference.py fetch``: each row of ``tools/reference-files.tsv`` names a file
(its path under the cache), its sha256 and size, and one or more addresses, the publisher's first. A file already
in the cache with the right digest is kept; otherwise each address is tried in turn and the download is kept only
when its size and sha256 match the list, so a changed or tampered file on a server is refused with a message naming
the file, the address and both digests, and never reaches the cache. Only the standard library is used (urllib), so
the tool runs before anything is installed.

The cache (``.reference/`` at the repository root, ignored by git) has the layout of ``../shared/reference``: the
tests look in either (``tests/reference_root.py``), and ``tools/refdata.py`` rebuilds the shipped code-list tables
from it.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import http.client
import os
import sys
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_LIST = ROOT / "tools" / "reference-files.tsv"
DEFAULT_CACHE = ROOT / ".reference"
_CHUNK = 1 << 16
_TIMEOUT = 60.0
_SCHEMES = ("https", "http", "file")
COMPLETE = "COMPLETE"
"""Written into the cache when every listed file is there with its sha256 (tests/reference_root.py looks for it)."""

Opener = Callable[[str], BinaryIO]
"""Opens an address for reading (``urllib.request.urlopen`` unless a test gives another)."""


class ListInvalid(ValueError):
    """A row of the checked-in list is malformed (the message names the line)."""


@dataclass(frozen=True)
class ReferenceFile:
    """One official file: where it goes in the cache, what it must hash to, where to get it."""

    path: str
    """Path under the cache folder (the layout of ``../shared/reference``), always with ``/``."""
    sha256: str
    """Expected SHA-256 of the file's bytes, lower-case hex."""
    size: int
    """Expected size in bytes; a download is cut off as soon as it grows past this."""
    urls: tuple[str, ...]
    """Addresses to try in order, the publisher's first."""


@dataclass(frozen=True)
class Outcome:
    """What happened to one file."""

    file: ReferenceFile
    """The file concerned."""
    status: str
    """``cached`` (already present and correct), ``fetched`` or ``failed``."""
    messages: tuple[str, ...] = ()
    """For ``failed``: one line per address tried, saying why it was refused."""


def parse_list(text: str, where: str = "reference list") -> list[ReferenceFile]:
    """Parse the tab-separated list: ``path  sha256  size  url [url...]``; ``#`` lines are comments."""
    out: list[ReferenceFile] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) < 4:
            raise ListInvalid(f"{where}:{number}: expected path, sha256, size and at least one address")
        path, digest, size, *urls = cols
        parts = path.split("/")
        if not path or path.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise ListInvalid(f"{where}:{number}: path {path!r} must be relative, without '.' or '..'")
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ListInvalid(f"{where}:{number}: {digest!r} is not a lower-case hex sha256")
        if not size.isdigit():
            raise ListInvalid(f"{where}:{number}: size {size!r} is not a number")
        for url in urls:
            if any(c.isspace() or not c.isprintable() for c in url):
                raise ListInvalid(f"{where}:{number}: address {url!r} must be percent-encoded (no blanks)")
            if urllib.parse.urlsplit(url).scheme not in _SCHEMES:
                raise ListInvalid(f"{where}:{number}: address {url!r} is not https, http or file")
        if path in seen:
            raise ListInvalid(f"{where}:{number}: {path} is listed twice")
        seen.add(path)
        out.append(ReferenceFile(path, digest, int(size), tuple(urls)))
    return out


def load_list(path: Path = DEFAULT_LIST) -> list[ReferenceFile]:
    """Read and parse the checked-in list."""
    return parse_list(path.read_text(encoding="utf-8"), str(path))


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _urlopen(url: str) -> BinaryIO:
    # The addresses come from the checked-in list only; the scheme was checked when the list was parsed.
    return urllib.request.urlopen(url, timeout=_TIMEOUT)  # type: ignore[no-any-return]  # noqa: S310


def _download(ref: ReferenceFile, url: str, target: Path, opener: Opener) -> str | None:
    """Download ``url`` next to ``target`` and move it there when it matches; return why not otherwise."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".part-", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        h = hashlib.sha256()
        size = 0
        with os.fdopen(fd, "wb") as out, opener(url) as response:
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                size += len(chunk)
                if size > ref.size:
                    return f"{url}: larger than the listed {ref.size} bytes; refused"
                h.update(chunk)
                out.write(chunk)
        got = h.hexdigest()
        if got != ref.sha256 or size != ref.size:
            return f"{url}: sha256 mismatch (expected {ref.sha256}, got {got}, {size} bytes); refused"
        os.replace(tmp, target)
        return None
    except (OSError, ValueError, http.client.HTTPException) as e:
        # URLError and HTTPError are OSErrors; a malformed address or response is an http.client.HTTPException.
        return f"{url}: {e}"
    finally:
        tmp.unlink(missing_ok=True)


def fetch_one(ref: ReferenceFile, cache: Path, opener: Opener = _urlopen) -> Outcome:
    """Make ``cache/ref.path`` hold the listed bytes: keep a correct copy, else try each address in turn."""
    target = cache.joinpath(*ref.path.split("/"))
    if target.is_file():
        if target.stat().st_size == ref.size and file_sha256(target) == ref.sha256:
            return Outcome(ref, "cached")
        # A differing copy (an older edition, a broken download) must not stay where the tests would read it.
        target.unlink()
    messages: list[str] = []
    for url in ref.urls:
        problem = _download(ref, url, target, opener)
        if problem is None:
            return Outcome(ref, "fetched")
        messages.append(problem)
    return Outcome(ref, "failed", tuple(messages))


def fetch_all(
    refs: Sequence[ReferenceFile], cache: Path, opener: Opener = _urlopen, workers: int = 8
) -> list[Outcome]:
    """Fetch every file (a few at a time); the outcomes come back in list order."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(lambda r: fetch_one(r, cache, opener), refs))


def verify(refs: Iterable[ReferenceFile], folder: Path) -> list[str]:
    """Check the files of ``folder`` against the list; return one line per missing or differing file."""
    problems: list[str] = []
    for ref in refs:
        path = folder.joinpath(*ref.path.split("/"))
        if not path.is_file():
            problems.append(f"{ref.path}: missing")
        elif (got := file_sha256(path)) != ref.sha256:
            problems.append(f"{ref.path}: sha256 {got}, expected {ref.sha256}")
    return problems


# Addresses by source repository of ../shared/reference/MANIFEST.tsv: the publisher's own address first where the
# publisher serves the file itself (OASIS serves the UBL release package unpacked), then the pinned GitHub blob.
_PUBLISHER = {
    "kduvekot/ubl-release-package": "https://docs.oasis-open.org/ubl/os-UBL-2.4/",
}


def rows_from_manifest(manifest: str) -> list[str]:
    """List rows for every file of a ``MANIFEST.tsv`` (repo, commit, original path, local path, size, sha256)."""
    rows: list[str] = []
    for line in manifest.splitlines()[1:]:
        if not line.strip():
            continue
        repo, commit, original, local, size, digest = line.split("\t")
        pinned = f"https://raw.githubusercontent.com/{repo}/{commit}/{urllib.parse.quote(original)}"
        urls = [_PUBLISHER[repo] + urllib.parse.quote(original)] if repo in _PUBLISHER else []
        rows.append("\t".join([local, digest, size, *urls, pinned]))
    return rows


def _select(refs: list[ReferenceFile], prefixes: Sequence[str]) -> list[ReferenceFile]:
    return [r for r in refs if not prefixes or any(r.path.startswith(p) for p in prefixes)]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``fetch`` into the cache, or ``verify`` a folder against the list."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("command", choices=("fetch", "verify", "from-manifest"))
    parser.add_argument("manifest", nargs="?", type=Path, help="for from-manifest: a MANIFEST.tsv to turn into rows")
    parser.add_argument("--list", type=Path, default=DEFAULT_LIST, help="checked-in list (default: %(default)s)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="cache folder (default: %(default)s)")
    parser.add_argument("--only", action="append", default=[], help="only paths starting with this (repeatable)")
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args(argv)
    if args.command == "from-manifest":
        if args.manifest is None:
            parser.error("from-manifest needs the MANIFEST.tsv path")
        print("\n".join(rows_from_manifest(args.manifest.read_text(encoding="utf-8"))))
        return 0
    try:
        refs = _select(load_list(args.list), args.only)
    except (OSError, ListInvalid) as e:
        print(f"reference: {e}", file=sys.stderr)
        return 2
    if args.command == "verify":
        problems = verify(refs, args.cache)
        for line in problems:
            print(line, file=sys.stderr)
        print(f"{len(refs) - len(problems)} of {len(refs)} files match the list in {args.cache}")
        return 1 if problems else 0
    outcomes = fetch_all(refs, args.cache, workers=args.workers)
    failed = [o for o in outcomes if o.status == "failed"]
    for o in failed:
        print(f"FAILED {o.file.path}", file=sys.stderr)
        for m in o.messages:
            print(f"    {m}", file=sys.stderr)
    marker = args.cache / COMPLETE
    if failed or args.only:
        marker.unlink(missing_ok=True)
    else:
        # The tests use the cache only with this marker, so a partial fetch never hides ../shared/reference.
        marker.write_text(f"{len(outcomes)} files of {args.list.name}, sha256 {file_sha256(args.list)}\n")
    counts = {s: sum(1 for o in outcomes if o.status == s) for s in ("cached", "fetched", "failed")}
    print(f"{counts['fetched']} fetched, {counts['cached']} already cached, {counts['failed']} failed -> {args.cache}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
