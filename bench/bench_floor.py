"""The floor: CPU per document that the libraries the design mandates cost by themselves, before any gateway logic.

Run with ``python bench/bench_floor.py [--seconds S] [--postgres URL]``. Prints figures; asserts nothing about timing.

The target, 400 certificates of origin (5 KB) per second through two gateways and the load generator on two
cores, leaves 5 ms of CPU per document across everything. Is that reachable at all? On a real document (the
``e2e_harness`` record through ``mappings.map_forward``, profile ``coo-ubl24-cepa-hk``; about 5 KB and 50 KB) each
operation is measured alone, no swgw code on the measured path, in CPU time (``time.process_time``, median of five
runs): signxml enveloped sign (ECDSA P-256, SHA-256, exclusive c14n) and pinned verify; ECDSA sign and verify of
the real envelope header; one X.509 path validation (``PolicyBuilder``, leaf and intermediate as DER); lxml XSD
validation against the profile's schema; protobuf serialise and parse of a ``DeliverRequest``; a gRPC unary round
trip on 127.0.0.1 with mutual TLS and without, client and server in this process, one caller and eight (messages
pass as bytes so protobuf is not counted twice; the calling thread's share splits client end from server end); a
committed transaction of a ~6 KB row and a small row, SQLite WAL (synchronous FULL, NORMAL) and, given
``--postgres URL`` or ``SWGW_TEST_DATABASE_URL``, PostgreSQL via psycopg (client and backend CPU). swgw's own
``mappings.map_forward`` / ``map_reverse`` are measured too. It then adds these up along one document's path per
process (CN, HK, load generator) and prints the ceilings next to the target: 2 cores / CPU per document, and 1 core
/ each gateway's share (a gateway is one Python process, held to about one core by the GIL).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import sqlite3
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# First: it puts the project root on sys.path for the imports below.
from e2e_harness import PROFILE, cpu_seconds, items_for, make_record  # isort: skip
from results import record  # isort: skip

import grpc
import mappings
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import verification
from gateway._generated.swgw.v1 import partner_exchange_pb2 as ppb
from gateway.core.domain import Action, BusinessKey, DocumentType, Envelope, PartyId, Receipt, ReceiptOutcome
from gateway.pipeline import signatures
from gateway.transports import codec
from lxml import etree
from signxml.algorithms import CanonicalizationMethod as C14n
from signxml.algorithms import DigestAlgorithm, SignatureConstructionMethod, SignatureMethod
from signxml.signer import XMLSigner
from signxml.verifier import SignatureConfiguration, XMLVerifier
from trust.devpki import IssuedCertificate, create_ca, issue_certificate, issue_intermediate

TARGET_RATE = 400.0
CORES = 2
REPEATS = 5
CONCURRENT_CALLERS = 8
NOW = datetime.now(UTC)
SERVICE = "swgw.v1.PartnerExchangeService"


@dataclass(frozen=True)
class Cost:
    """Seconds per operation, medians over the runs: ``cpu`` of the process (and of the PostgreSQL backend),
    ``wall`` elapsed (with several callers, the inverse of throughput), ``own`` CPU of the calling threads alone
    (for gRPC, the client end)."""

    cpu: float
    wall: float
    own: float


def measure(label: str, operation: Callable[[], object], seconds: float, *, threads: int = 1,
            cpu: Callable[[], float] = time.process_time, note: Callable[[Cost], str] = lambda cost: "") -> Cost:
    """Cost of ``operation`` after a warm-up call (``threads`` callers at once, REPEATS runs); printed."""
    operation()
    samples: list[tuple[float, float, float]] = []
    for _ in range(REPEATS):
        stop = threading.Event()
        counts, own = [0] * threads, [0.0] * threads

        def caller(index: int) -> None:
            began, n = time.thread_time(), 0
            while not stop.is_set():
                operation()
                n += 1
            counts[index], own[index] = n, time.thread_time() - began

        callers = [threading.Thread(target=caller, args=(i,)) for i in range(threads)]
        cpu_start, wall_start = cpu(), time.perf_counter()
        for thread in callers:
            thread.start()
        time.sleep(seconds / REPEATS)
        stop.set()
        for thread in callers:
            thread.join()
        calls = max(sum(counts), 1)
        samples.append(((cpu() - cpu_start) / calls, (time.perf_counter() - wall_start) / calls, sum(own) / calls))
    cost = Cost(*(statistics.median(sample[i] for sample in samples) for i in range(3)))
    print(f"  {label:<60} {cost.cpu * 1e6:>10.1f} {cost.wall * 1e6:>10.1f}  {note(cost)}".rstrip(), flush=True)
    return cost


# -- fixtures ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pki:
    """Development PKI: a signer under an intermediate (as partners publish), TLS certificates under the root."""

    root: IssuedCertificate
    intermediate: IssuedCertificate
    signer: IssuedCertificate
    tls_server: IssuedCertificate
    tls_client: IssuedCertificate


def make_pki() -> Pki:
    """Fresh keys and certificates, valid from a day ago."""
    at = NOW - timedelta(days=1)
    root = create_ca("floor root", at=at)
    intermediate = issue_intermediate(root, "floor CA", at=at)
    return Pki(root, intermediate, issue_certificate(intermediate, "floor signer", at=at, usage="signing"),
               issue_certificate(root, "hk.gateway.test", at=at, usage="tls", dns_names=("hk.gateway.test",),
                                 ip_addresses=("127.0.0.1",)),
               issue_certificate(root, "cn.gateway.test", at=at, usage="tls"))


XML_SIGNER = XMLSigner(method=SignatureConstructionMethod.enveloped, signature_algorithm=SignatureMethod.ECDSA_SHA256,
                       digest_algorithm=DigestAlgorithm.SHA256, c14n_algorithm=C14n.EXCLUSIVE_XML_CANONICALIZATION_1_0)


def xml_sign(document: bytes, pki: Pki) -> bytes:
    """Plain signxml: parse, sign enveloped with the signer's key and chain, serialise."""
    chain = [pki.signer.certificate, pki.intermediate.certificate]
    return bytes(etree.tostring(XML_SIGNER.sign(etree.fromstring(document), key=pki.signer.private_key, cert=chain)))


@dataclass(frozen=True)
class Document:
    """A certificate of origin and what is made of it: the envelope's signed ``header``, the serialised
    DeliverRequest carrying the signed envelope and document, a serialised DeliverResponse with a signed receipt."""

    record: dict[str, Any]
    unsigned: bytes
    signed: bytes
    header: bytes
    request: bytes
    response: bytes


def make_document(items: int, pki: Pki) -> Document:
    """Map, sign (plain signxml) and wrap a record with ``items`` goods items, as CN would send it."""
    record = make_record(items, 1)
    unsigned = mappings.map_forward(record, PROFILE).document
    signed = xml_sign(unsigned, pki)
    issuer, number, version = mappings.business_key(DocumentType.CERTIFICATE_OF_ORIGIN.value, record)
    digest = hashlib.sha256(signed).hexdigest()
    envelope = Envelope(
        message_id=str(uuid.uuid4()), business_key=BusinessKey(issuer, number, version), sender=PartyId("CN"),
        receiver=PartyId("HK"), document_type=DocumentType.CERTIFICATE_OF_ORIGIN,
        document_format=mappings.get_profile(PROFILE).format, action=Action.ISSUE, created_at=NOW,
        payload=signed, payload_sha256=digest)
    identity = pki.signer.identity()
    envelope = signatures.sign_envelope(envelope, identity)
    receipt = Receipt(message_id=envelope.message_id, receipt_id=str(uuid.uuid4()), issuer=PartyId("HK"),
                      outcome=ReceiptOutcome.ACCEPTED, payload_sha256=digest, received_at=NOW)
    receipt = signatures.sign_receipt(receipt, identity)
    request = ppb.DeliverRequest(envelope=codec.envelope_to_proto(envelope)).SerializeToString()
    response = ppb.DeliverResponse(receipt=codec.receipt_to_proto(receipt)).SerializeToString()
    return Document(record, unsigned, signed, envelope.signed_header(), request, response)


def profile_schema() -> etree.XMLSchema:
    """The XSD the mapping profile validates against at run time, loaded by plain lxml from the package data."""
    data = Path(mappings.__file__).resolve().parent / "data"
    relative = json.loads((data / "specs" / f"{PROFILE}.json").read_text())["schema"]
    return etree.XMLSchema(etree.parse(str(data / "schemas" / relative)))


# -- the measurements ----------------------------------------------------------------------------------------


def bench_document(doc: Document, pki: Pki, schema: etree.XMLSchema, seconds: float) -> dict[str, Cost]:
    """Everything whose cost depends on the document."""
    config = SignatureConfiguration(location="./", verification_time=NOW)
    tree, message = etree.fromstring(doc.unsigned), ppb.DeliverRequest.FromString(doc.request)
    return {
        "xml_sign": measure("signxml enveloped sign (parse, sign, serialise)", lambda: xml_sign(doc.unsigned, pki),
                            seconds),
        "xml_verify": measure("signxml verify, signer pinned (x509_cert)", lambda: XMLVerifier().verify(
            doc.signed, x509_cert=pki.signer.certificate, expect_config=config), seconds),
        "xsd": measure("lxml XSD validation of the parsed document", lambda: schema.assertValid(tree), seconds),
        "touch": measure("  (reference: lxml parse + serialise of the document)",
                         lambda: etree.tostring(etree.fromstring(doc.unsigned)), seconds),
        "pb_serialise": measure("protobuf serialise DeliverRequest", message.SerializeToString, seconds),
        "pb_parse": measure("protobuf parse DeliverRequest", lambda: ppb.DeliverRequest.FromString(doc.request),
                            seconds),
        **bench_grpc(doc, pki, seconds),
        "map_forward": measure("mappings.map_forward (swgw: validation, mapping, XSD)",
                               lambda: mappings.map_forward(doc.record, PROFILE), seconds),
        "map_reverse": measure("mappings.map_reverse (swgw: parse, XSD, mapping, validation)",
                               lambda: mappings.map_reverse(doc.unsigned, PROFILE), seconds),
    }


def bench_grpc(doc: Document, pki: Pki, seconds: float) -> dict[str, Cost]:
    """Unary round trips carrying ``doc.request``, with mutual TLS and without, one caller and several."""
    handler = grpc.method_handlers_generic_handler(
        SERVICE, {"Deliver": grpc.unary_unary_rpc_method_handler(lambda request, context: doc.response)})
    result: dict[str, Cost] = {}
    for tls in (True, False):
        server = grpc.server(ThreadPoolExecutor(max_workers=2 * CONCURRENT_CALLERS))
        server.add_generic_rpc_handlers((handler,))
        if tls:
            credentials = grpc.ssl_server_credentials([(pki.tls_server.key_pem(), pki.tls_server.cert_pem())],
                                                      root_certificates=pki.root.cert_pem(), require_client_auth=True)
            port = server.add_secure_port("127.0.0.1:0", credentials)
            channel = grpc.secure_channel(f"127.0.0.1:{port}", grpc.ssl_channel_credentials(
                pki.root.cert_pem(), pki.tls_client.key_pem(), pki.tls_client.cert_pem()))
        else:
            port = server.add_insecure_port("127.0.0.1:0")
            channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        server.start()
        deliver = channel.unary_unary(f"/{SERVICE}/Deliver")
        try:
            if deliver(doc.request, timeout=10) != doc.response:
                raise SystemExit("gRPC round trip returned something else")
            name, label = ("grpc_tls", "gRPC unary, mutual TLS") if tls else ("grpc_plain", "gRPC unary, no TLS")
            tls_cpu = result["grpc_tls"].cpu if not tls else 0.0
            result[name] = measure(
                f"{label}, 1 caller (client + server CPU)", lambda: deliver(doc.request, timeout=10), seconds,
                note=lambda one: f"client end {one.own / one.cpu:.0%}"
                + (f"; TLS share {1 - one.cpu / tls_cpu:.0%} (difference to the TLS figure)" if tls_cpu else ""))
            result[f"{name}_x8"] = measure(f"{label}, {CONCURRENT_CALLERS} callers, one channel",
                                           lambda: deliver(doc.request, timeout=10), seconds,
                                           threads=CONCURRENT_CALLERS)
        finally:
            channel.close()
            server.stop(None)
    return result


def bench_crypto(doc: Document, pki: Pki, seconds: float) -> dict[str, Cost]:
    """Detached ECDSA over the envelope header, and one uncached path validation."""
    key = pki.signer.private_key
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    public = key.public_key()
    signature = key.sign(doc.header, ec.ECDSA(hashes.SHA256()))
    leaf_der = pki.signer.certificate.public_bytes(serialization.Encoding.DER)
    intermediate_der = pki.intermediate.certificate.public_bytes(serialization.Encoding.DER)
    store = verification.Store([pki.root.certificate])

    def validate() -> object:
        # As an envelope arrives: the chain as DER, parsed, then built and checked to the partner's root.
        leaf = x509.load_der_x509_certificate(leaf_der)
        intermediate = x509.load_der_x509_certificate(intermediate_der)
        verifier = (verification.PolicyBuilder().store(store).time(NOW)
                    .extension_policies(ca_policy=verification.ExtensionPolicy.webpki_defaults_ca(),
                                        ee_policy=verification.ExtensionPolicy.permit_all())
                    .build_client_verifier())
        return verifier.verify(leaf, [intermediate])

    return {
        "ecdsa_sign": measure(f"ECDSA P-256 sign of the envelope header ({len(doc.header)} B)",
                              lambda: key.sign(doc.header, ec.ECDSA(hashes.SHA256())), seconds),
        "ecdsa_verify": measure("ECDSA P-256 verify of the envelope header",
                                lambda: public.verify(signature, doc.header, ec.ECDSA(hashes.SHA256())), seconds),
        "path": measure("X.509 path validation (2 DER loads, PolicyBuilder, verify)", validate, seconds),
    }


def bench_sqlite(body: bytes, seconds: float) -> dict[str, Cost]:
    """One transaction (a document row and an event row), committed, in WAL mode, per synchronous setting."""
    result: dict[str, Cost] = {}
    with tempfile.TemporaryDirectory(prefix="swgw-floor-") as folder:
        for synchronous in ("FULL", "NORMAL"):
            db = sqlite3.connect(Path(folder) / f"{synchronous}.db", isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(f"PRAGMA synchronous={synchronous}")
            db.execute("CREATE TABLE message (id TEXT PRIMARY KEY, body BLOB NOT NULL, status TEXT NOT NULL)")
            db.execute("CREATE TABLE event (seq INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT, status TEXT)")
            counter = itertools.count()

            def commit(db: sqlite3.Connection = db, counter: itertools.count[int] = counter) -> None:
                message_id = f"m{next(counter):012d}"
                db.execute("BEGIN IMMEDIATE")
                db.execute("INSERT INTO message VALUES (?, ?, 'ACCEPTED')", (message_id, body))
                db.execute("INSERT INTO event (message_id, status) VALUES (?, 'ACCEPTED')", (message_id,))
                db.execute("COMMIT")

            result[f"sqlite_{synchronous}"] = measure(f"SQLite WAL synchronous={synchronous}: one commit", commit,
                                                      seconds)
            db.close()
    return result


def bench_postgres(url: str, body: bytes, seconds: float) -> dict[str, Cost]:
    """The same transaction with psycopg; CPU includes the backend process's when it runs on this machine."""
    import psycopg
    from psycopg import sql

    # A regular table, dropped afterwards: a transaction that writes only temporary tables writes no WAL, so its
    # commit would not wait for a flush and would understate the cost.
    name = f"swgw_floor_{uuid.uuid4().hex[:8]}"
    message, event = sql.Identifier(f"{name}_message"), sql.Identifier(f"{name}_event")
    result: dict[str, Cost] = {}
    with psycopg.connect("postgresql://" + url.split("://", 1)[1]) as db:
        pid = db.info.backend_pid
        local = Path(f"/proc/{pid}/comm").exists() and "postgres" in Path(f"/proc/{pid}/comm").read_text()
        db.execute(sql.SQL("CREATE TABLE {} (id text PRIMARY KEY, body bytea NOT NULL, status text NOT NULL)")
                   .format(message))
        db.execute(sql.SQL("CREATE TABLE {} (seq bigserial PRIMARY KEY, message_id text, status text)").format(event))
        db.commit()
        insert_message = sql.SQL("INSERT INTO {} VALUES (%s, %s, 'ACCEPTED')").format(message)
        insert_event = sql.SQL("INSERT INTO {} (message_id, status) VALUES (%s, 'ACCEPTED')").format(event)
        counter = itertools.count()

        def commit() -> None:
            message_id = f"m{next(counter):012d}"
            db.execute(insert_message, (message_id, body))
            db.execute(insert_event, (message_id,))
            db.commit()

        try:
            for setting in ("on", "off"):
                db.execute(sql.SQL("SET synchronous_commit = {}").format(sql.Literal(setting)))
                db.commit()
                result[f"postgres_{setting}"] = measure(
                    f"PostgreSQL synchronous_commit={setting}: one commit", commit, seconds,
                    cpu=lambda: time.process_time() + (cpu_seconds(pid) if local else 0.0),
                    note=lambda _: "client + backend CPU" if local else "client CPU only (backend is elsewhere)")
        finally:
            db.rollback()
            db.execute(sql.SQL("DROP TABLE {}, {}").format(message, event))
            db.commit()
    return result


# -- the floor -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One operation in one document's path, and how often each process does it."""

    label: str
    cpu: float
    cn: int = 0
    hk: int = 0
    gen: int = 0  # The load generator: CN's hub calling Submit.


def floor_lines(c: dict[str, Cost], commit: Cost, *, cached: bool, mapped: bool, claim: bool) -> list[Line]:
    """The operations one document needs at the least, in the order it meets them."""
    rtt = min(c["grpc_tls"].cpu, c["grpc_tls_x8"].cpu)
    client = c["grpc_tls"].own / c["grpc_tls"].cpu
    lines = [Line("signxml enveloped sign: document (CN)", c["xml_sign"].cpu, cn=1),
             Line("signxml verify: document (HK)", c["xml_verify"].cpu, hk=1),
             Line("ECDSA sign: envelope (CN), receipt (HK)", c["ecdsa_sign"].cpu, cn=1, hk=1),
             Line("ECDSA verify: receipt (CN), envelope (HK)", c["ecdsa_verify"].cpu, cn=1, hk=1)]
    if not cached:
        lines.append(Line("X.509 path: receipt (CN); envelope, document (HK)", c["path"].cpu, cn=1, hk=2))
    if mapped:
        lines += [Line("mappings.map_forward, XSD included (CN)", c["map_forward"].cpu, cn=1),
                  Line("mappings.map_reverse, XSD included (HK)", c["map_reverse"].cpu, hk=1)]
    else:
        lines.append(Line("XSD validation: after forward (CN), before reverse (HK)", c["xsd"].cpu, cn=1, hk=1))
    return lines + [
        Line("protobuf serialise: Submit (gen), Deliver (CN)", c["pb_serialise"].cpu, cn=1, gen=1),
        Line("protobuf parse: Submit (CN), Deliver (HK)", c["pb_parse"].cpu, cn=1, hk=1),
        Line("gRPC mTLS round trip, client end: Submit (gen), Deliver (CN)", rtt * client, cn=1, gen=1),
        Line("gRPC mTLS round trip, server end: Submit (CN), Deliver (HK)", rtt * (1 - client), cn=1, hk=1),
        Line(f"commit: CN accept{', claim' if claim else ''}, delivered; HK received, handed over", commit.cpu,
             cn=3 if claim else 2, hk=2),
    ]


def print_floor(name: str, c: dict[str, Cost], commits: dict[str, Cost]) -> None:
    """The per-operation table for the bare floor, then every variant's sum and ceilings, per database."""
    first = next(iter(commits))
    print(f"\nfloor for one {name} certificate of origin ({first}; path validation uncached, no mappings, no claim "
          "commit):")
    print(f"  {'operation':<64} {'us/op':>8} {'CN':>3} {'HK':>3} {'gen':>3} {'ms/doc':>7}")
    lines = floor_lines(c, commits[first], cached=False, mapped=False, claim=False)
    for x in lines:
        print(f"  {x.label:<64} {x.cpu * 1e6:>8.1f} {x.cn:>3} {x.hk:>3} {x.gen:>3} "
              f"{x.cpu * (x.cn + x.hk + x.gen) * 1e3:>7.3f}")
    print(f"  {'sum':<64} {'':>20} {sum(x.cpu * (x.cn + x.hk + x.gen) for x in lines) * 1e3:>7.3f}")
    print(f"\n  {'variant':<52} {'ms/doc':>7} {'docs/s':>7} {'CN ms':>7} {'CN /s':>6} {'HK ms':>7} {'HK /s':>6} "
          f"{'gen ms':>6}   target {TARGET_RATE:.0f}/s")
    for db, commit in commits.items():
        for mapped, cached, claim in itertools.product((False, True), (False, True), (False, True)):
            lines = floor_lines(c, commit, cached=cached, mapped=mapped, claim=claim)
            cn, hk, gen = (sum(x.cpu * getattr(x, side) for x in lines) for side in ("cn", "hk", "gen"))
            rate = CORES / (cn + hk + gen)
            label = (f"{db}, {'mappings' if mapped else 'no mappings'}, path {'cached' if cached else 'uncached'}, "
                     f"{5 if claim else 4} commits")
            verdict = "reachable" if min(rate, 1 / cn, 1 / hk) >= TARGET_RATE else "NOT reachable"
            print(f"  {label:<52} {(cn + hk + gen) * 1e3:>7.3f} {rate:>7.0f} {cn * 1e3:>7.3f} {1 / cn:>6.0f} "
                  f"{hk * 1e3:>7.3f} {1 / hk:>6.0f} {gen * 1e3:>6.3f}   {verdict}")


def main() -> None:
    """Measure each operation at about 5 KB and 50 KB, then print the floor tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=1.5, help="measuring time per figure (default 1.5)")
    parser.add_argument("--postgres", default=os.environ.get("SWGW_TEST_DATABASE_URL"),
                        help="PostgreSQL URL (default: $SWGW_TEST_DATABASE_URL); SQLite only when absent")
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"bench_floor on {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
          f"CPU and wall microseconds per operation, medians of {REPEATS} runs of {args.seconds / REPEATS:.2f}s")
    pki, schema = make_pki(), profile_schema()
    costs: dict[str, dict[str, Cost]] = {}
    kbs: dict[str, int] = {}
    crypto: dict[str, Cost] = {}
    body = b""
    for target in (5 * 1024, 50 * 1024):
        items, _ = items_for(target)
        doc = make_document(items, pki)
        name = f"{round(len(doc.unsigned) / 1024)} KB"
        kbs[name] = target // 1024
        print(f"\n{name} certificate of origin ({items} goods items; {len(doc.unsigned)} B as mapped, "
              f"{len(doc.signed)} B signed; DeliverRequest {len(doc.request)} B, DeliverResponse "
              f"{len(doc.response)} B)")
        print(f"  {'operation':<60} {'CPU us':>10} {'wall us':>10}")
        costs[name] = bench_document(doc, pki, schema, args.seconds)
        if not crypto:
            body, crypto = doc.signed, bench_crypto(doc, pki, args.seconds)
        costs[name].update(crypto)
    print(f"\ndatabase: one transaction ({len(body)} B row + a small row), committed")
    print(f"  {'operation':<60} {'CPU us':>10} {'wall us':>10}")
    commits = bench_sqlite(body, args.seconds)
    if args.postgres:
        commits.update(bench_postgres(args.postgres, body, args.seconds))
    chosen = {"SQLite FULL": commits["sqlite_FULL"]}
    if "postgres_on" in commits:
        chosen["PostgreSQL"] = commits["postgres_on"]
    for name, c in costs.items():
        print_floor(name, c, chosen)
        for db, commit in chosen.items():
            # What the gateways' design needs at the least: mappings both ways, partner paths cached (trust keeps
            # validated paths), the outbound message stored already claimed (no claim commit). Gateways only: the
            # end-to-end CPU per document it is compared with counts the two gateway processes, not the hub.
            lines = floor_lines(c, commit, cached=True, mapped=True, claim=False)
            cn, hk = (sum(x.cpu * getattr(x, side) for x in lines) for side in ("cn", "hk"))
            print(f"  floor for the targets ({name}, {db}): {(cn + hk) * 1e3:.3f} ms CPU per document over both "
                  "gateways (mappings, path cached, 4 commits)")
            record("floor_ms", (cn + hk) * 1e3, kb=kbs[name], database=db, cn_ms=cn * 1e3, hk_ms=hk * 1e3)
    full, normal = commits["sqlite_FULL"], commits["sqlite_NORMAL"]
    print(f"""
notes:
- Target {TARGET_RATE:.0f} docs/s = {CORES / TARGET_RATE * 1e3:.1f} ms CPU per document on {CORES} cores, and \
{1 / TARGET_RATE * 1e3:.1f} ms per gateway on its one core.
- SQLite commits are serial within a gateway: at {full.wall * 1e3:.2f} ms wall each (FULL; NORMAL \
{normal.wall * 1e3:.2f} ms), CN's 2 or 3 commits per document cap it at {1 / (3 * full.wall):.0f}-\
{1 / (2 * full.wall):.0f} docs/s (NORMAL {1 / (3 * normal.wall):.0f}-{1 / (2 * normal.wall):.0f}) unless \
documents share a commit.
- gRPC rows use the lower of the 1- and {CONCURRENT_CALLERS}-caller figures, split by the 1-caller client share; \
the Submit request is taken to cost what the DeliverRequest costs.
- map_forward / map_reverse include their XSD validation; rows with mappings drop the separate XSD line.""")


if __name__ == "__main__":
    main()
