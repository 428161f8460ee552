"""The Prometheus endpoint, scraped over HTTP after real exchanges between two gateways."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

import trust
from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway.core.domain import DocumentType
from gateway.core.trust_export import load_certificates

from tests.integration.network import Network, example, record_bytes, running_network, wait_for

COO = DocumentType.CERTIFICATE_OF_ORIGIN
OUT = {"direction": "outbound", "partner": "HK", "document_type": "certificate-of-origin"}
IN = {"direction": "inbound", "partner": "CN", "document_type": "certificate-of-origin"}


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    def configure(party: str, data: dict[str, Any]) -> None:
        data["metrics"] = {"address": "127.0.0.1:0"}  # the gateway reports the port it bound

    with running_network(tmp_path_factory.mktemp("metrics"), ("CN", "HK"), configure=configure) as net:
        yield net


def scrape(network: Network, party: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of ``party``'s /metrics, keyed by (sample name, labels)."""
    url = f"http://127.0.0.1:{network.apps[party].metrics_port}/metrics"
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        text = response.read().decode()
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def sample(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def test_counters_histograms_and_gauges_after_an_exchange(network: Network) -> None:
    with network.client("CN") as cn:
        response = cn.submit("HK", COO, record_bytes(example("coo-cn-hk")))
        wait_for(lambda: cn.status(response.message_id).status == pb.MESSAGE_STATUS_DELIVERED)
    with network.client("HK") as hk:
        assert len(hk.receive(max_documents=1, timeout=10)) == 1

    cn_metrics = scrape(network, "CN")
    assert sample(cn_metrics, "swgw_messages_total", **OUT, outcome="queued") == 1
    assert sample(cn_metrics, "swgw_messages_total", **OUT, outcome="delivered") == 1
    latency = {k: sample(cn_metrics, f"swgw_delivery_latency_seconds_{k}", partner="HK",
                         document_type="certificate-of-origin") for k in ("count", "sum")}
    assert latency["count"] == 1
    assert latency["sum"] is not None and 0 < latency["sum"] < 20
    attempt_sum = sample(cn_metrics, "swgw_delivery_attempt_seconds_sum", partner="HK", outcome="delivered")
    assert sample(cn_metrics, "swgw_delivery_attempt_seconds_count", partner="HK", outcome="delivered") == 1
    assert attempt_sum is not None and 0 < attempt_sum <= latency["sum"]
    assert sample(cn_metrics, "swgw_stored_messages", **OUT, status="delivered") == 1
    assert sample(cn_metrics, "swgw_backlog_messages", partner="HK") == 0
    assert sample(cn_metrics, "swgw_backlog_oldest_age_seconds", partner="HK") == 0
    assert sample(cn_metrics, "swgw_scrape_errors_total") == 0
    # The alert gauges are there from the first evaluation (at start-up); nothing is wrong in this exchange.
    assert sample(cn_metrics, "swgw_alerts", kind="message_failed", severity="critical") == 0
    assert sample(cn_metrics, "swgw_alerts", kind="audit_chain_broken", severity="critical") == 0
    # The transport of each partner, to break per-partner series down by it (README "Metrics").
    assert sample(cn_metrics, "swgw_partner_transport", partner="HK", transport="swgw-grpc") == 1

    hk_ca = load_certificates(Path(network.files["CN"].folder / "trust" / "hk-ca.pem").read_bytes())[0]
    days = sample(cn_metrics, "swgw_trust_certificate_days_to_expiry", partner="HK",
                  fingerprint=trust.fingerprint(hk_ca), role="anchor", state="active")
    assert days is not None and 3600 < days <= 3650  # the development CA is issued for ten years

    hk_metrics = scrape(network, "HK")
    assert sample(hk_metrics, "swgw_messages_total", **IN, outcome="received") == 1
    assert sample(hk_metrics, "swgw_messages_total", **IN, outcome="handed_over") == 1
    assert sample(hk_metrics, "swgw_messages_total", **OUT, outcome="queued") is None  # HK sent nothing
    assert sample(hk_metrics, "swgw_stored_messages", **IN, status="handed_over") == 1


def test_backlog_age_and_retry_depth_grow_while_the_partner_is_down(network: Network) -> None:
    network.stop("HK")
    record = example("coo-cn-hk")
    record["certificate"]["number"] = "K250399999999"
    with network.client("CN") as cn:
        cn.submit("HK", COO, record_bytes(record))
    # Retries are every 0.2 s in the test network: wait for a few.
    samples = wait_for(lambda: (s := scrape(network, "CN"))
                       and (sample(s, "swgw_backlog_max_attempts", partner="HK") or 0) >= 3 and s)
    assert sample(samples, "swgw_backlog_messages", partner="HK") == 1
    age = sample(samples, "swgw_backlog_oldest_age_seconds", partner="HK")
    assert age is not None and age > 0.2
    assert (sample(samples, "swgw_messages_total", **OUT, outcome="retry_wait") or 0) >= 2
    assert (sample(samples, "swgw_delivery_attempt_seconds_count", partner="HK", outcome="retry_wait") or 0) >= 2
