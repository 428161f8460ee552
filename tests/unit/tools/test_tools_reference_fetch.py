"""tools/reference.py: the checksum logic of ``make reference``, with local files and a loopback HTTP server only."""

from __future__ import annotations

import functools
import hashlib
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import reference as ref

GOOD = b"<xsd:schema/>\n"
EVIL = b"<xsd:schemX/>\n"  # same size, other bytes: only the digest tells them apart


def _row(path: str, content: bytes, *urls: str) -> str:
    return "\t".join([path, hashlib.sha256(content).hexdigest(), str(len(content)), *urls])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A plain HTTP server on 127.0.0.1 (port 0) serving ``tmp_path / "www"``."""
    www = tmp_path / "www"
    www.mkdir()
    handler = functools.partial(QuietHandler, directory=str(www))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", www
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


def test_fetch_over_http_checks_the_digest_and_writes_the_marker(served: tuple[str, Path], tmp_path: Path) -> None:
    base, www = served
    (www / "a.xsd").write_bytes(GOOD)
    (www / "b.gc").write_bytes(GOOD + b"b")
    listing = tmp_path / "list.tsv"
    listing.write_text("# comment\n" + _row("ubl/a.xsd", GOOD, f"{base}/a.xsd") + "\n"
                       + _row("cl/b.gc", GOOD + b"b", f"{base}/b.gc") + "\n")
    cache = tmp_path / "cache"
    assert ref.main(["fetch", "--list", str(listing), "--cache", str(cache)]) == 0
    assert (cache / "ubl" / "a.xsd").read_bytes() == GOOD
    assert (cache / "cl" / "b.gc").read_bytes() == GOOD + b"b"
    assert (cache / ref.COMPLETE).is_file()
    assert ref.main(["verify", "--list", str(listing), "--cache", str(cache)]) == 0
    # A second run keeps the correct copies without downloading: the server no longer has them.
    (www / "a.xsd").unlink()
    outcomes = ref.fetch_all(ref.load_list(listing), cache)
    assert [o.status for o in outcomes] == ["cached", "cached"]


def test_mismatch_is_refused_and_never_reaches_the_cache(
    served: tuple[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, www = served
    (www / "a.xsd").write_bytes(EVIL)
    listing = tmp_path / "list.tsv"
    listing.write_text(_row("ubl/a.xsd", GOOD, f"{base}/a.xsd") + "\n")
    cache = tmp_path / "cache"
    assert ref.main(["fetch", "--list", str(listing), "--cache", str(cache)]) == 1
    err = capsys.readouterr().err
    assert "FAILED ubl/a.xsd" in err
    assert f"{base}/a.xsd: sha256 mismatch (expected {hashlib.sha256(GOOD).hexdigest()}" in err
    assert hashlib.sha256(EVIL).hexdigest() in err
    assert not (cache / "ubl" / "a.xsd").exists()
    assert not (cache / ref.COMPLETE).exists()
    assert list((cache / "ubl").iterdir()) == []  # no partial download left behind


def test_next_address_is_tried_after_a_mismatch_or_a_missing_file(served: tuple[str, Path], tmp_path: Path) -> None:
    base, www = served
    (www / "changed.xsd").write_bytes(EVIL)
    mirror = tmp_path / "mirror.xsd"
    mirror.write_bytes(GOOD)
    r = ref.parse_list(_row("a.xsd", GOOD, f"{base}/missing.xsd", f"{base}/changed.xsd", mirror.as_uri()))[0]
    outcome = ref.fetch_one(r, tmp_path / "cache")
    assert outcome.status == "fetched"
    assert (tmp_path / "cache" / "a.xsd").read_bytes() == GOOD


def test_an_unusable_address_is_a_failure_not_a_crash(tmp_path: Path) -> None:
    # http.client refuses control characters (InvalidURL); the fetch reports it like any other failure.
    r = ref.ReferenceFile("a.xsd", hashlib.sha256(GOOD).hexdigest(), len(GOOD), ("http://127.0.0.1:9/a\x01b",))
    outcome = ref.fetch_one(r, tmp_path / "cache")
    assert outcome.status == "failed"
    assert "control characters" in outcome.messages[0]


def test_larger_download_is_cut_off(tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.write_bytes(GOOD * 1000)
    r = ref.ReferenceFile("a.xsd", hashlib.sha256(GOOD).hexdigest(), len(GOOD), (big.as_uri(),))
    outcome = ref.fetch_one(r, tmp_path / "cache")
    assert outcome.status == "failed"
    assert "larger than the listed" in outcome.messages[0]


def test_a_wrong_cached_copy_is_replaced_or_removed(tmp_path: Path) -> None:
    source = tmp_path / "source.xsd"
    source.write_bytes(GOOD)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "a.xsd").write_bytes(EVIL)
    r = ref.parse_list(_row("a.xsd", GOOD, source.as_uri()))[0]
    assert ref.fetch_one(r, cache).status == "fetched"
    assert (cache / "a.xsd").read_bytes() == GOOD
    (cache / "a.xsd").write_bytes(EVIL)
    source.unlink()
    assert ref.fetch_one(r, cache).status == "failed"
    assert not (cache / "a.xsd").exists()
    assert ref.verify([r], cache) == ["a.xsd: missing"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("../etc/passwd\t" + "0" * 64 + "\t1\thttps://x/y", "must be relative"),
        ("a.xsd\t" + "0" * 63 + "\t1\thttps://x/y", "not a lower-case hex sha256"),
        ("a.xsd\t" + "0" * 64 + "\tten\thttps://x/y", "is not a number"),
        ("a.xsd\t" + "0" * 64 + "\t1\tftp://x/y", "not https, http or file"),
        ("a.xsd\t" + "0" * 64 + "\t1", "at least one address"),
        ("a.xsd\t" + "0" * 64 + "\t1\thttps://x/a b.xsd", "must be percent-encoded"),
    ],
)
def test_bad_list_rows_are_refused_with_the_line(line: str, message: str) -> None:
    with pytest.raises(ref.ListInvalid, match=message) as info:
        ref.parse_list("# head\n" + line, "list.tsv")
    assert "list.tsv:2:" in str(info.value)


def test_checked_in_list_parses_and_covers_the_code_lists() -> None:
    refs = ref.load_list()
    paths = {r.path for r in refs}
    assert {"ubl-2.4/cl/gc/CountryIdentificationCode-2.4.gc", "ubl-2.4/cl/gc/CurrencyCode-2.4.gc",
            "efti/xsd/consignment-common.xsd", "codelists/un-locode/HK.csv"} <= paths
    ubl = next(r for r in refs if r.path == "ubl-2.4/xsd/maindoc/UBL-CertificateOfOrigin-2.4.xsd")
    assert ubl.urls[0].startswith("https://docs.oasis-open.org/ubl/os-UBL-2.4/")


def test_checked_in_list_matches_the_shared_reference_manifest() -> None:
    from tests.reference_root import REFERENCE, SHARED

    # MANIFEST.tsv is the shared folder's own index (the cache does not hold it).
    manifest = next((f for f in (REFERENCE / "MANIFEST.tsv", SHARED / "MANIFEST.tsv") if f.is_file()), None)
    if manifest is None:
        pytest.skip(f"no MANIFEST.tsv at {REFERENCE} or {SHARED}")
    listed = {r.path: r.sha256 for r in ref.load_list()}
    for line in manifest.read_text(encoding="utf-8").splitlines()[1:]:
        cols = line.split("\t")
        assert listed[cols[3]] == cols[5], cols[3]
