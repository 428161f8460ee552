"""The latency floor at low load: what a hop costs when the threads on both sides were asleep.

Run with ``python bench/bench_wakeup.py [--calls N]``. Prints figures; asserts nothing about timing.

At 50 documents/s a gateway is idle most of the time, so every hop along a document's path (hub -> CN Submit,
CN -> delivery worker, CN -> HK Deliver and back) starts with parked threads: gRPC's completion-queue poller and
its worker, a thread-pool worker, and on a virtual machine an idle vCPU that has to be woken. This measures, in wall
time, with nothing of swgw on the path:

- a gRPC unary round trip with mutual TLS on 127.0.0.1 (client and server in this process, a 1.3 KB request), back
  to back and after idle gaps of 5, 20 (the gap at 50 documents/s) and 100 ms;
- a hand-off to a ``ThreadPoolExecutor`` worker (submit -> the task starts), the same way.

The difference between the back-to-back and the idle figures is what the machine and grpcio's thread model add to
each hop at low load, whatever the gateway does.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

# First: it puts the project root on sys.path for the imports below.
from e2e_harness import ROOT  # noqa: F401  # isort: skip

import grpc
from bench_floor import SERVICE, make_pki

GAPS_MS = (0.0, 5.0, 20.0, 100.0)


def percentiles(label: str, operation: Callable[[], None], calls: int) -> None:
    """Print p50 / p99 / min wall milliseconds of ``operation`` for each idle gap before it."""
    for _ in range(20):
        operation()
    for gap in GAPS_MS:
        samples = []
        for _ in range(calls if gap < 50 else max(calls // 4, 20)):
            if gap:
                time.sleep(gap / 1000)
            began = time.perf_counter()
            operation()
            samples.append((time.perf_counter() - began) * 1000)
        samples.sort()
        p99 = samples[min(int(len(samples) * 0.99), len(samples) - 1)]
        print(f"  {label:<44} idle gap {gap:>5.0f} ms: p50 {statistics.median(samples):6.2f} ms, "
              f"p99 {p99:6.2f} ms, min {samples[0]:5.2f} ms ({len(samples)} calls)", flush=True)


def grpc_round_trip(calls: int) -> None:
    """Mutual-TLS unary round trips, as CN -> HK Deliver."""
    pki = make_pki()
    request, response = b"x" * 1300, b"y" * 700
    handler = grpc.method_handlers_generic_handler(
        SERVICE, {"Deliver": grpc.unary_unary_rpc_method_handler(lambda r, c: response)})
    server = grpc.server(ThreadPoolExecutor(max_workers=16))
    server.add_generic_rpc_handlers((handler,))
    credentials = grpc.ssl_server_credentials([(pki.tls_server.key_pem(), pki.tls_server.cert_pem())],
                                              root_certificates=pki.root.cert_pem(), require_client_auth=True)
    port = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()
    channel = grpc.secure_channel(f"127.0.0.1:{port}", grpc.ssl_channel_credentials(
        pki.root.cert_pem(), pki.tls_client.key_pem(), pki.tls_client.cert_pem()))
    deliver = channel.unary_unary(f"/{SERVICE}/Deliver")
    try:
        def call() -> None:
            if deliver(request, timeout=10) != response:
                raise SystemExit("gRPC round trip returned something else")

        percentiles("gRPC unary round trip, mutual TLS", call, calls)
    finally:
        channel.close()
        server.stop(None)


def thread_handoff(calls: int) -> None:
    """submit() -> the task starts on a pool worker, as a stored message going to a delivery worker."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        def handoff() -> None:
            submitted = time.perf_counter()
            started = pool.submit(time.perf_counter).result()
            if started < submitted:
                raise SystemExit("clock went backwards")

        percentiles("thread-pool hand-off (submit -> result)", handoff, calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--calls", type=int, default=200, help="calls per gap (default 200)")
    args = parser.parse_args()
    print("bench_wakeup: wall time of one hop after the threads on both sides were idle")
    grpc_round_trip(args.calls)
    thread_handoff(args.calls)


if __name__ == "__main__":
    main()
