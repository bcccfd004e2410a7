"""/metrics: Prometheus text, and numbers that stay right with several gunicorn workers."""

import asyncio
import functools
import os
import signal
import time

import psutil
import pytest
from prometheus_client import REGISTRY

from tests.conftest import PASSWORD, start_module_server
from tests.live import wait_for
from tests.ws import Api, connect, recv_events, recv_json, run


def sample(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_are_prometheus_text(client):
    client.get("/health")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    for name in (
        "sgp_websocket_connections",
        "sgp_websocket_slow_clients_total",
        "sgp_events_published_total",
        "sgp_event_deliveries_total",
        "sgp_event_delivery_latency_seconds_bucket",
        "sgp_http_request_duration_seconds_bucket",
    ):
        assert name in text, name
    assert 'route="/health",status="200"' in text


def test_http_latency_is_labelled_by_route_pattern_not_path(client, auth):
    labels = {"method": "GET", "route": "/pedidos/<id:pedido_id>", "status": "404"}
    before = sample("sgp_http_request_duration_seconds_count", **labels)
    client.get("/pedidos/123456", headers=auth)
    client.get("/pedidos/654321", headers=auth)
    assert sample("sgp_http_request_duration_seconds_count", **labels) == before + 2


def test_a_committed_change_counts_as_published_and_a_failed_one_does_not(client, auth):
    before = sample("sgp_events_published_total")
    assert client.post("/pedidos/", json={"cliente": "Sol", "valor_total": "1.00"}, headers=auth).status_code == 201
    assert client.post("/pedidos/", json={"cliente": ""}, headers=auth).status_code == 422
    assert sample("sgp_events_published_total") == before + 1


@pytest.fixture(scope="module")
def server(module_db_url):
    server = start_module_server(module_db_url, workers=2)
    yield server
    server.stop(graceful=False)


def worker_pids(server):
    return [child.pid for child in psutil.Process(server.proc.pid).children()]


async def wait_for_metric(server, name, expected, timeout=15):
    """Poll /metrics (off the event loop) until ``name`` reads ``expected``; return what it read."""
    deadline = time.monotonic() + timeout
    while (value := await asyncio.to_thread(server.metric, name)) != expected and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    return value


def test_every_worker_answers_with_the_sum_of_all_workers(server):
    token = server.login("ana", PASSWORD)
    api = Api(server, token)
    clients, orders = 8, 3

    async def scenario():
        sockets = [await connect(server, token) for _ in range(clients)]
        for _ in range(orders):
            await api.create()
        for ws in sockets:
            await recv_events(ws, orders)
        metric = functools.partial(asyncio.to_thread, server.metric)
        # Any worker may answer /metrics; each answer must count every worker's sockets.
        assert {await metric("sgp_websocket_connections") for _ in range(10)} == {clients}
        assert await metric("sgp_events_published_total") == orders
        assert await metric("sgp_event_deliveries_total", via="live") == clients * orders
        assert await metric("sgp_event_delivery_latency_seconds_count") >= orders
        assert await metric("sgp_http_request_duration_seconds_count", route="/pedidos/", method="POST") == orders
        late = await connect(server, token, query="ultimo_evento_id=0")
        await recv_events(late, orders)
        assert (await recv_json(late))["type"] == "sincronizado"
        assert await metric("sgp_event_deliveries_total", via="replay") == orders
        await asyncio.gather(*(ws.close() for ws in [*sockets, late]))
        assert await wait_for_metric(server, "sgp_websocket_connections", 0) == 0

    run(scenario())


def test_a_dead_workers_sockets_leave_the_gauge(server):
    token = server.login("ana", PASSWORD)

    async def scenario():
        sockets = {}
        for _ in range(6):
            ws = await connect(server, token)
            sockets[ws.local_address[1]] = ws
        victim = next(pid for pid in worker_pids(server) if client_ports(pid) & sockets.keys())
        survivors = len(sockets) - len(client_ports(victim) & sockets.keys())
        os.kill(victim, signal.SIGKILL)
        # Without gunicorn's child_exit hook the dead worker's last value would still count.
        assert await wait_for_metric(server, "sgp_websocket_connections", survivors) == survivors
        await asyncio.gather(*(ws.close() for ws in sockets.values()), return_exceptions=True)

    before = set(worker_pids(server))
    run(scenario())
    # The worker that replaces the dead one serves before the module's server stops: a stop signal
    # that reaches it while it is still booting is lost, and the stop would wait out the timeout.
    assert wait_for(lambda: healthy_pids(server) - before, timeout=20)


def healthy_pids(server, tries=20):
    """The workers that answered ``/health`` in a few tries."""
    return {server.health()["worker"] for _ in range(tries)}


def client_ports(pid):
    """The remote ports of the TCP connections worker ``pid`` holds."""
    return {c.raddr.port for c in psutil.Process(pid).net_connections("tcp") if c.raddr}
