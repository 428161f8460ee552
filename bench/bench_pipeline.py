"""Where one document's CPU goes: the gateway's own code path, in one process, without gRPC, TLS or threads.

Run with ``python bench/bench_pipeline.py [--items N] [--documents N] [--profile OUT.pstats]``. Two gateways (CN,
HK) are built with ``build_app`` from real configurations (development PKI, SQLite databases) but not started; the
CN dispatcher's transport is the in-memory twin, which hands each envelope, through the protobuf codec, straight to
HK's pipeline, after identifying CN's TLS certificate as the partner service does. Every step runs the production functions. Prints CPU
milliseconds per document for each step, measured with cProfile's cumulative CPU time; asserts nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import json
import pstats
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography import x509  # noqa: E402

from e2e_harness import AGREEMENTS, make_record  # noqa: E402
from gateway.adapters.partners.memory import MemoryPartnerTransport  # noqa: E402
from gateway.app import build_app  # noqa: E402
from gateway.core.domain import Action, DocumentType, Envelope, MessageStatus, Receipt  # noqa: E402
from gateway.pipeline.steps import SubmitCommand  # noqa: E402
from gateway.tools.cli import load_settings  # noqa: E402
from gateway.tools.devsetup import write_network  # noqa: E402

#: (label, module or class path, attribute) for the per-step table, in the order a document meets them. Each is
#: wrapped with a CPU timer where the code looks it up; nested steps are included in their parent's figure.
STEPS = (
    ("CN Submit: pipeline.submit, all of it", "gateway.pipeline.runner.Pipeline", "submit"),
    ("  record validation + mapping + XSD (mappings)", "mappings", "map_forward"),
    ("  enveloped XML-DSig signature (trust)", "trust", "sign_xml"),
    ("  store ACCEPTED + QUEUED", "gateway.adapters.persistence.messages.SqlMessageRepository", "add_outbound"),
    ("CN dispatcher: claim (SENDING)", "gateway.adapters.persistence.messages.SqlMessageRepository", "claim_due"),
    ("codec: envelope to protobuf bytes and back", "gateway.adapters.partners.memory", "_wire_envelope"),
    ("HK: which partner is this TLS certificate", "gateway.adapters.trustbook.book.StoredTrustBook", "identify"),
    ("HK Deliver: pipeline.receive, all of it", "gateway.pipeline.runner.Pipeline", "receive"),
    ("  duplicate check (find)", "gateway.adapters.persistence.messages.SqlMessageRepository", "find"),
    ("  envelope signature verification", "gateway.pipeline.signatures", "verify_envelope_signature"),
    ("  XML-DSig verification (trust)", "trust", "verify_xml"),
    ("  reverse mapping + XSD (mappings)", "mappings", "map_reverse"),
    ("  signed receipt", "gateway.pipeline.steps", "make_receipt"),
    ("  store RECEIVED + receipt", "gateway.adapters.persistence.messages.SqlMessageRepository", "add_inbound"),
    ("CN: receipt verification", "gateway.pipeline.steps", "verify_receipt"),
    ("CN: store DELIVERED", "gateway.adapters.persistence.messages.SqlMessageRepository", "transition_batch"),
    ("CN: WatchStatus read for one watcher", "gateway.adapters.persistence.messages.SqlMessageRepository", "events_after"),
    ("across steps: XSD validation (mappings)", "mappings.specs.profiles", "check_schema"),
    ("across steps: JWS signatures (envelope, receipt)", "trust", "sign_jws"),
    ("across steps: JWS signature verification", "trust", "verify_jws"),
    ("across steps: X.509 path validation (trust.chain)", "trust.chain", "validate_path"),
    ("across steps: trust store lookups", "gateway.adapters.trustbook.book.StoredTrustBook", "for_partner"),
)


class StepTimer:
    """CPU time spent in each wrapped function, in the calling thread."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.missing: list[str] = []

    def wrap(self, label: str, path: str, attribute: str) -> None:
        """Replace ``path.attribute`` with a timed wrapper (everywhere it was imported by name, for functions)."""
        import importlib

        module_name, _, class_name = path, "", ""
        owner: Any
        try:
            owner = sys.modules["__main__"] if path == "__main__" else importlib.import_module(path)
        except ImportError:
            module_name, _, class_name = path.rpartition(".")
            owner = getattr(importlib.import_module(module_name), class_name)
        original = getattr(owner, attribute, None)
        if original is None:
            self.missing.append(label)
            return
        self.seconds[label] = 0.0

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] += time.thread_time() - started

        setattr(owner, attribute, timed)
        if not class_name:
            # Modules that did ``from module import function`` hold their own reference: replace those too.
            for module in list(sys.modules.values()):
                if module is not owner and getattr(module, attribute, None) is original:
                    setattr(module, attribute, timed)


def run(items: int, documents: int, profile_out: Path | None) -> None:
    """Build two gateways, push ``documents`` through, print the step table."""
    root = Path(tempfile.mkdtemp(prefix="swgw-bench-pipeline-"))
    try:
        windows = write_network(root, ("CN", "HK"), AGREEMENTS, at=datetime.now(UTC) - timedelta(hours=1))
        cn = build_app(load_settings(windows["CN"].config))
        hk = build_app(load_settings(windows["HK"].config))
        cn_tls = x509.load_pem_x509_certificate((windows["CN"].folder / "keys" / "tls.cert.pem").read_bytes())

        def hk_deliver(envelope: Envelope) -> Receipt:
            # What PartnerExchangeServicer.Deliver does, minus gRPC and TLS.
            peer = hk.trustbook.identify(cn_tls, [], at=hk.clock.now())
            assert peer == "CN"
            return hk.pipeline.receive(envelope, peer=peer)

        cn.dispatcher._transport = MemoryPartnerTransport({"HK": hk_deliver})  # the only substitution
        cursor = 0

        def one(serial: int) -> None:
            nonlocal cursor
            record = json.dumps(make_record(items, serial), ensure_ascii=False).encode()
            cn.pipeline.submit(SubmitCommand(receiver="HK", document_type=DocumentType.CERTIFICATE_OF_ORIGIN,
                                             action=Action.ISSUE, record_json=record))
            now = cn.clock.now()
            claimer = cn.dispatcher._claimer  # the dispatcher records outcomes under its own claim
            for message in cn.repository.claim_due(now=now, limit=1, claimer=claimer,
                                                   claim_timeout=timedelta(seconds=60)):
                cn.dispatcher.deliver_now(message)
            # One domestic hub following WatchStatus, as in the end-to-end bench.
            events = cn.repository.events_after(cursor)
            assert events[-1].status is MessageStatus.DELIVERED, events[-1]
            cursor = events[-1].sequence

        serials = iter(range(1, 1_000_000))
        for _ in range(10):  # warm-up: caches, first imports
            one(next(serials))

        def timed_pass() -> float:
            started = time.process_time()
            for _ in range(documents):
                one(next(serials))
            return (time.process_time() - started) / documents

        plain = timed_pass()
        timer = StepTimer()
        for label, path, attribute in STEPS:
            timer.wrap(label, path, attribute)
        wrapped = timed_pass()
        print(f"bench_pipeline: {documents} documents, certificate of origin with {items} goods items, CN -> HK "
              f"in one process (no gRPC, no TLS, SQLite): {plain * 1000:.2f} ms CPU per document")
        print(f"  {'step (CPU time, nested steps included in their parent)':<58} {'ms/doc':>7} {'share':>6}")
        for label, seconds in timer.seconds.items():
            print(f"  {label:<58} {seconds / documents * 1000:>7.2f} {seconds / documents / wrapped:>6.0%}")
        for label in timer.missing:
            print(f"  {label:<58} (not found in this version of the code)")
        if profile_out is not None:
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            for _ in range(documents):
                one(next(serials))
            profiler.disable()
            stats = pstats.Stats(profiler)
            stats.dump_stats(str(profile_out))
            print(f"  top 15 functions by own CPU time under cProfile (all in {profile_out}):")
            raw = stats.stats  # type: ignore[attr-defined]
            for (path, line, name), (_, nc, tt, _, _) in sorted(raw.items(), key=lambda kv: -kv[1][2])[:15]:
                print(f"    {tt / documents * 1000:6.2f} ms/doc {nc / documents:8.1f} calls/doc  "
                      f"{Path(path).name}:{line}({name})")
        cn.engine.dispose()
        hk.engine.dispose()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    """Parse options and run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=1, help="goods items per certificate (1: about 5 KB)")
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--profile", type=Path, help="also write the pstats file here")
    args = parser.parse_args()
    run(args.items, args.documents, args.profile)


if __name__ == "__main__":
    main()
