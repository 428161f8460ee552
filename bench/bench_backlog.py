"""A partner's outage and the backlog after it: how soon it drains once the partner is back.

Two ``swgw serve`` processes (CN and HK) as in ``bench_e2e.py``, with the default retry policy (exponential from
1 s to 600 s). HK stops; the domestic hub submits ``--documents`` distinct 5 KB certificates of origin on one
SubmitStream; CN tries each, gets no answer and sets it to wait for its retry, for ``--outage`` seconds. Then HK
starts again and the hub goes on submitting a trickle of new documents (two a second), as traffic does. The
figures: when the first backlog document was DELIVERED after HK served again, when the last one was, the
documents per second of the drain, and the CPU per document both gateways spent meanwhile (the failed attempts
during the outage are not counted). Run once with unary deliveries and once with agreements that enable
DeliverStream. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import threading
import time
from pathlib import Path

from e2e_harness import Gateways, Sent, Watcher, gateways, items_for, machine_busy_seconds, make_record, submit_request

from gateway._generated.swgw.v1 import envelope_pb2 as pb


def _submit(running: Gateways, items: int, serial: int, documents: int) -> list[Sent]:
    """Submit ``documents`` on one SubmitStream; the accepted ones."""
    requests = [submit_request(make_record(items, serial + i)) for i in range(documents)]
    for i, request in enumerate(requests):
        request.idempotency_key = f"backlog-{serial + i}"
    sent = []
    started = time.time()
    with running.client("CN") as client:
        for answer in client.submit_stream(requests, window=256, timeout=600):
            if answer.HasField("result"):
                sent.append(Sent(answer.result.message_id, started, time.time()))
    return sent


def _trickle(running: Gateways, items: int, stop: threading.Event) -> None:
    """New traffic while the backlog drains: two documents a second."""
    serial = 5_000_000
    with running.client("CN") as client:
        while not stop.wait(0.5):
            serial += 1
            try:
                client.domestic.Submit(submit_request(make_record(items, serial)), timeout=30)
            except Exception:  # noqa: BLE001 - a refused trickle document changes nothing measured here
                pass


def one_pass(label: str, streaming: bool, items: int, documents: int, outage: float) -> None:
    """Play one outage and print what its backlog did."""
    root = Path(tempfile.mkdtemp(prefix="swgw-bench-backlog-"))
    try:
        with gateways(root, None, None, streaming=streaming) as running, running.client("CN") as watch_client:
            watcher = Watcher(watch_client)
            running.stop("HK")
            down = time.monotonic()
            backlog = _submit(running, items, 1, documents)
            time.sleep(max(0.0, down + outage - time.monotonic()))
            spawned = time.time()
            running.start("HK")
            serving = time.time() - spawned
            stop = threading.Event()
            trickle = threading.Thread(target=_trickle, args=(running, items, stop), daemon=True)
            trickle.start()
            # CPU samples while the backlog drains, to count the gateways' CPU between its first and last delivery
            # (not HK's own start-up, nor the failed attempts during the outage).
            samples: list[tuple[float, dict[str, float], float]] = []
            deadline = time.monotonic() + 900
            while time.monotonic() < deadline and not all(s.message_id in watcher.final for s in backlog):
                samples.append((time.time(), running.cpu_by_party(), machine_busy_seconds()))
                time.sleep(0.05)
            samples.append((time.time(), running.cpu_by_party(), machine_busy_seconds()))
            stop.set()
            trickle.join()
            delivered = [watcher.final[s.message_id][1] for s in backlog
                         if watcher.final.get(s.message_id, (0,))[0] == pb.MESSAGE_STATUS_DELIVERED]
            if len(delivered) < 2:
                print(f"  [{label}] the backlog was not delivered within 900 s")
                return
            first, last = min(delivered), max(delivered)
            start = max((x for x in samples if x[0] <= first), key=lambda x: x[0], default=samples[0])
            end = min((x for x in samples if x[0] >= last), key=lambda x: x[0], default=samples[-1])
            by_party = {p: end[1][p] - start[1][p] for p in end[1]}
            other = (end[2] - start[2]) - sum(by_party.values())
            split = ", ".join(f"{p} {c / len(delivered) * 1000:.1f} ms" for p, c in by_party.items())
            print(f"  [{label}] {len(backlog)} documents submitted during a {outage:.0f} s outage of HK; HK served "
                  f"again {serving:.1f} s after its start; the first was DELIVERED {first - spawned:.1f} s and the "
                  f"last {last - spawned:.1f} s after it: {len(delivered) / (last - first):.0f} docs/s once "
                  f"draining{'' if len(delivered) == len(backlog) else f' ({len(backlog) - len(delivered)} not delivered)'}")
            print(f"  [{label}] {sum(by_party.values()) / len(delivered) * 1000:.2f} ms CPU per document over both "
                  f"gateways while draining ({split}; the trickle of new documents included); the rest of the "
                  f"machine {other / max(end[0] - start[0], 1e-9):.0%} of a core")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    """Parse options, run the passes, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=2000, help="documents submitted during the outage")
    parser.add_argument("--outage", type=float, default=30.0, help="seconds the partner is down")
    parser.add_argument("--kb", type=int, default=5, help="document size in KB")
    args = parser.parse_args()
    items, document = items_for(args.kb * 1024)
    print(f"bench_backlog: {os.cpu_count()} cores, Python {platform.python_version()}; {args.documents} certificates "
          f"of origin of {len(document)} B (as mapped) queued during a {args.outage:.0f} s outage of HK, SQLite, "
          f"default retry policy; load average before: {os.getloadavg()[0]:.2f}")
    one_pass("unary Deliver", False, items, args.documents, args.outage)
    one_pass("DeliverStream", True, items, args.documents, args.outage)


if __name__ == "__main__":
    threading.excepthook = lambda hook: None  # the watcher's stream ends when the gateways stop
    main()
