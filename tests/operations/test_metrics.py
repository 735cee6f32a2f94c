"""/metrics: closed by default, open to a bearer token or listed addresses; under several
gunicorn workers the figures of all workers add up; database failures are counted."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import OperationalError, connections
from django.test import Client
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import free_port
from tests.operations.conftest import METRICS_TOKEN, Server

HOSTS = ["looop.localhost", "acme.looop.localhost", "nobody.looop.localhost", "10.0.0.9"]


def scrape(server: Server) -> dict[tuple[str, frozenset], float]:
    response = server.request("/metrics", Authorization=f"Bearer {METRICS_TOKEN}")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.body.decode()):
        for sample in family.samples:
            samples[sample.name, frozenset(sample.labels.items())] = sample.value
    return samples


def delta(before: dict, after: dict, name: str, **labels: str) -> float:
    key = (name, frozenset(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)


@pytest.mark.parametrize("host", HOSTS)
def test_metrics_are_closed_without_the_credential(ops_server, host):
    assert ops_server.request("/find").status == 200  # something to report
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": METRICS_TOKEN}):
        response = ops_server.request("/metrics", host=host, **headers)
        assert (response.status, response.body) == (401, b"A metrics credential is required.\n")
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="metrics"'
    response = ops_server.request("/metrics", host=host, Authorization=f"Bearer {METRICS_TOKEN}")
    assert response.status == 200
    assert b'looop_http_requests_total{method="GET",route="find",status="200"}' in response.body


def test_metrics_are_closed_by_default(db, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOW_FROM = "", []
    for host in HOSTS:
        response = Client(HTTP_HOST=host).get("/metrics", HTTP_AUTHORIZATION="Bearer x")
        assert (response.status_code, response.content) == (404, b"Not found.\n")


def test_odd_credentials_are_refused_not_errors(db, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOW_FROM = METRICS_TOKEN, []
    client = Client(HTTP_HOST="looop.localhost")
    for header in ["Bearer é", "Bearer \udcff", "Bearer", "Basic " + METRICS_TOKEN, " " * 5]:
        assert client.get("/metrics", HTTP_AUTHORIZATION=header).status_code == 401, header
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"bearer  {METRICS_TOKEN} ").status_code == 200


def test_metrics_open_to_listed_addresses(db, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOW_FROM = "", ["10.1.0.0/16", "192.0.2.7"]
    client = Client(HTTP_HOST="looop.localhost")
    for address, status in [("10.1.200.3", 200), ("192.0.2.7", 200), ("10.2.0.1", 401),
                            ("192.0.2.8", 401), ("not-an-address", 401)]:  # fmt: skip
        assert client.get("/metrics", REMOTE_ADDR=address).status_code == status, address


def test_counts_add_up_across_workers(ops_server, ops_org):
    before = scrape(ops_server)

    def served_by() -> set[str]:
        return {line.split('"pid": ')[1].split(",")[0] for line in ops_server.log_lines()
                if '"route": "find"' in line}  # fmt: skip

    statuses: list[int] = []
    with ThreadPoolExecutor(6) as pool:
        # The kernel may hand one burst to one worker: send bursts until two have served.
        for _ in range(10):
            statuses += pool.map(lambda _: ops_server.request("/find").status, range(30))
            if len(served_by()) >= 2:
                break
        scim = list(pool.map(
            lambda token: ops_server.request(
                "/scim/v2/Users?count=1", host=ops_org.host, Authorization=f"Bearer {token}"
            ).status,
            [ops_org.token] * 5 + ["looop_scim_wrong"] * 3,
        ))  # fmt: skip
    sent = len(statuses)
    assert statuses == [200] * sent
    assert scim == [200] * 5 + [401] * 3

    # Each request was served by one of three processes; every scrape sees them all.
    assert len(served_by()) >= 2, served_by()
    scrapes = [scrape(ops_server) for _ in range(4)]
    for after in scrapes:
        find = {"route": "find", "method": "GET"}
        assert delta(before, after, "looop_http_requests_total", **find, status="200") == sent
        assert delta(before, after, "looop_http_request_duration_seconds_count", **find) == sent
        assert (
            delta(before, after, "looop_http_request_duration_seconds_bucket", **find, le="+Inf")
            == sent
        )
        users = {"route": "scim/v2/Users", "method": "GET"}
        assert delta(before, after, "looop_http_requests_total", **users, status="200") == 5
        assert delta(before, after, "looop_http_requests_total", **users, status="401") == 3
        org = {"organisation": ops_org.slug}
        assert delta(before, after, "looop_scim_events_total", **org, outcome="ok") == 5
        assert delta(before, after, "looop_scim_events_total", **org, outcome="unauthorised") == 3


def test_database_failures_are_counted_by_kind(db):
    def count(phase: str, kind: str) -> float:
        labels = {"phase": phase, "kind": kind}
        return REGISTRY.get_sample_value("looop_database_errors_total", labels) or 0.0

    import looop.metrics  # noqa: F401 (installs the counter on new connections)

    timeouts, refused = count("query", "QueryCanceled"), count("connect", "OperationalError")
    conn = connections.create_connection("default")
    try:
        with conn.cursor() as cursor:
            cursor.execute("SET statement_timeout = '10ms'")
            with pytest.raises(OperationalError):
                cursor.execute("SELECT pg_sleep(1)")
    finally:
        conn.close()
    assert count("query", "QueryCanceled") == timeouts + 1

    dead = connections.create_connection("default")
    dead.settings_dict = {**dead.settings_dict, "HOST": "127.0.0.1", "PORT": free_port()}
    with pytest.raises(OperationalError):
        dead.ensure_connection()
    assert count("connect", "OperationalError") == refused + 1


def test_organisation_labels_are_capped(settings):
    from looop import metrics

    settings.METRICS_MAX_ORGANISATIONS = len(metrics._organisations) + 2
    fresh = [f"org{uuid.uuid4().hex[:8]}" for _ in range(4)]
    assert [metrics.organisation_label(slug) for slug in fresh] == [
        fresh[0], fresh[1], "_other", "_other",
    ]  # fmt: skip
    assert metrics.organisation_label(fresh[0]) == fresh[0]  # a labelled one keeps its label
