"""Large attachments end to end: peak memory of both gateways and throughput for 10 MB, 100 MB and 500 MB.

Two ``swgw serve`` processes (CN and HK, agreements with ``max_attachment_bytes`` of 600 MB) as in
``bench_e2e.py``. For each size the domestic hub uploads the attachment to CN in 1 MiB chunks (generated as they
are sent), submits a certificate of origin naming it, waits until CN reports it DELIVERED (sent on DeliverLarge,
digested and stored by HK), then takes the document over from HK and reads the attachment back in chunks, checking
its digest. The resident set of each gateway process is sampled every 20 ms throughout; the figure is its peak
above what the process held before the transfer, and the peak itself. Target (issue 16): under 200 MB per gateway
at 500 MB. Prints figures and verdicts; asserts nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from e2e_harness import Gateways, gateways, make_record, submit_request

from gateway._generated.swgw.v1 import envelope_pb2 as pb

MB = 1_000_000
MIB = 1 << 20
TARGET_PEAK = 200 * MB
SIZES = (10, 100, 500)


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


class Sampler(threading.Thread):
    """The peak resident set of each gateway process while a transfer runs."""

    def __init__(self, running: Gateways) -> None:
        super().__init__(daemon=True)
        self._pids = {party: p.pid for party, p in running.processes.items()}
        self.before = {party: _rss(pid) for party, pid in self._pids.items()}
        self.peak = dict(self.before)
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.02):
            for party, pid in self._pids.items():
                self.peak[party] = max(self.peak[party], _rss(pid))

    def stop(self) -> None:
        self._done.set()
        self.join()


def chunks(size: int, seed: int) -> Iterator[bytes]:
    """``size`` bytes in 1 MiB chunks, different for every chunk and size, made as they are sent."""
    block = hashlib.sha256(seed.to_bytes(8, "big")).digest() * (MIB // 32)
    sent = counter = 0
    while sent < size:
        counter += 1
        piece = (counter.to_bytes(8, "big") + block[8:])[: min(MIB, size - sent)]
        sent += len(piece)
        yield piece


def transfer(running: Gateways, size: int, serial: int) -> tuple[float, float, float, bool]:
    """Upload, deliver and read back one attachment; (upload s, delivery s, read-back s, digest ok)."""
    expected = hashlib.sha256()
    for piece in chunks(size, serial):
        expected.update(piece)
    with running.client("CN") as cn:
        started = time.monotonic()
        uploaded = cn.upload_attachment(chunks(size, serial), timeout=3600)
        uploaded_at = time.monotonic()
        request = submit_request(make_record(1, serial))
        request.idempotency_key = f"large-{serial}"
        request.attachments.append(pb.Attachment(name="scan.tiff", media_type="image/tiff", sha256=uploaded.sha256,
                                                 size=uploaded.size))
        response = cn.domestic.Submit(request, timeout=60)
        while (status := cn.status(response.message_id).status) not in (
                pb.MESSAGE_STATUS_DELIVERED, pb.MESSAGE_STATUS_REJECTED, pb.MESSAGE_STATUS_FAILED):
            time.sleep(0.05)
        delivered_at = time.monotonic()
        if status != pb.MESSAGE_STATUS_DELIVERED:
            raise SystemExit(f"the {size} B attachment ended {pb.MessageStatus.Name(status)}: "
                             f"{cn.status(response.message_id).last_error}")
    with running.client("HK") as hk:
        documents = hk.receive(max_documents=1, timeout=60)
        read = hashlib.sha256()
        for piece in hk.read_attachment(documents[0].message_id, "scan.tiff", timeout=3600):
            read.update(piece)
        read_at = time.monotonic()
    return uploaded_at - started, delivered_at - uploaded_at, read_at - delivered_at, \
        read.digest() == expected.digest() == uploaded.sha256


def main() -> None:
    """Parse options, run one transfer per size, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES), help="attachment sizes in MB")
    args = parser.parse_args()
    sizes = [int(s) * MB for s in args.sizes.split(",")]
    print(f"bench_large: {os.cpu_count()} cores, Python {platform.python_version()}; load average "
          f"{os.getloadavg()[0]:.2f}; CN -> HK as separate `swgw serve` processes on SQLite, blobs on "
          f"{tempfile.gettempdir()}")
    root = Path(tempfile.mkdtemp(prefix="swgw-bench-large-"))
    try:
        with gateways(root, None, None, max_attachment_bytes=max(sizes) + 100 * MB) as running:
            transfer(running, 2 * MB, 1)  # warm-up: connections, first-call imports
            for serial, size in enumerate(sizes, start=2):
                sampler = Sampler(running)
                sampler.start()
                upload, delivery, read_back, ok = transfer(running, size, serial)
                sampler.stop()
                peaks = ", ".join(
                    f"{party} {sampler.peak[party] / MB:.0f} MB (+{(sampler.peak[party] - sampler.before[party]) / MB:.0f})"
                    for party in ("CN", "HK"))
                worst = max(sampler.peak.values())
                print(f"  {size / MB:5.0f} MB: peak RSS {peaks} | target < {TARGET_PEAK / MB:.0f} MB: "
                      f"{'meets' if worst < TARGET_PEAK else 'BELOW'}; upload {size / MB / upload:.0f} MB/s, "
                      f"CN->HK {size / MB / delivery:.0f} MB/s (submit to DELIVERED), read back at HK "
                      f"{size / MB / read_back:.0f} MB/s; digest {'ok' if ok else 'MISMATCH'}", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
