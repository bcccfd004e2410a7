"""Webhook deliveries through real gunicorn servers and a local receiver (loopback allowed for it)."""

import json
import threading

from tests.conftest import PASSWORD, add_users
from tests.live import wait_for
from tests.receiver import Receiver, signature_ok

SEGREDO = "segredo-do-receptor-123"
ALLOW = {"SGP_WEBHOOK_ALLOW_PRIVATE": "1"}


def register(server, admin, receiver, **body):
    response = server.request("POST", "/webhooks", admin, json={"url": receiver.url, "segredo": SEGREDO, **body})
    assert response.status_code == 201, response.text
    return response.json()


def create_orders(server, token, count, prefix="Pedido"):
    ids = []
    for i in range(count):
        response = server.request("POST", "/pedidos/", token, json={"cliente": f"{prefix} {i}", "valor_total": "1"})
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def stored_events(server, token, after):
    return server.request("GET", f"/pedidos/eventos?desde={after}", token).json()


def check_delivered(receiver, expected):
    """Every expected event exactly once, in order, signed, with the contract's headers."""
    delivered = receiver.delivered()
    assert [json.loads(body) for _, body in delivered] == expected
    for headers, body in delivered:
        assert signature_ok(SEGREDO, headers, body)
        assert headers["Content-Type"] == "application/json"
        assert headers["X-SGP-Evento-Id"] == str(json.loads(body)["evento_id"])


def setup(live_server, db_url, workers=1, **env):
    add_users(db_url, "ana")
    add_users(db_url, "chefe", admin=True)
    server = live_server(workers=workers, **ALLOW, **env)
    return server, server.login("chefe", PASSWORD), server.login("ana", PASSWORD)


def test_a_receiver_that_fails_first_gets_every_event_once_in_order_signed(live_server, db_url):
    receiver = Receiver(answers=[500, 503, 502]).start()
    try:
        server, admin, token = setup(live_server, db_url)
        hook = register(server, admin, receiver)
        assert server.health()["webhooks"]["delivering"] is True
        create_orders(server, token, 5)
        expected = stored_events(server, token, hook["ultimo_evento_id"])
        assert wait_for(lambda: len(receiver.delivered()) == 5, timeout=30), receiver.requests
        check_delivered(receiver, expected)
        # The first event was tried four times (1 s, 2 s, 4 s apart), the others once.
        assert [status for _, _, status in receiver.requests[:4]] == [500, 503, 502, 200]
        entregas = server.request("GET", f"/webhooks/{hook['id']}/entregas", admin).json()
        assert [(e["evento_id"], e["tentativa"], e["status_http"]) for e in reversed(entregas)][:4] == [
            (expected[0]["evento_id"], n, status) for n, status in ((1, 500), (2, 503), (3, 502), (4, 200))
        ]
        after = server.request("GET", f"/webhooks/{hook['id']}", admin).json()
        assert after["ultimo_evento_id"] == expected[-1]["evento_id"] and after["falhando_desde"] is None
        assert server.metric("sgp_webhook_attempts_total", result="failed") == 3
        assert server.metric("sgp_webhook_attempts_total", result="delivered") == 5
    finally:
        receiver.stop()


def test_only_the_endpoints_tipos_are_posted_and_the_cursor_passes_the_rest(live_server, db_url):
    receiver = Receiver().start()
    try:
        server, admin, token = setup(live_server, db_url)
        hook = register(server, admin, receiver, tipos=["pedido_cancelado"])
        ids = create_orders(server, token, 3)
        server.request("DELETE", f"/pedidos/{ids[1]}", token)
        create_orders(server, token, 2, "Depois")
        expected = [
            e for e in stored_events(server, token, hook["ultimo_evento_id"]) if e["type"] == "pedido_cancelado"
        ]
        newest = stored_events(server, token, 0)[-1]["evento_id"]
        assert wait_for(
            lambda: server.request("GET", f"/webhooks/{hook['id']}", admin).json()["ultimo_evento_id"] == newest
        )
        check_delivered(receiver, expected)
    finally:
        receiver.stop()


def test_a_restart_while_the_receiver_is_down_loses_nothing(live_server, db_url):
    receiver = Receiver()  # not listening yet: connections are refused
    server, admin, token = setup(live_server, db_url)
    hook = register(server, admin, receiver)
    create_orders(server, token, 3, "Antes")
    assert wait_for(lambda: server.request("GET", f"/webhooks/{hook['id']}/entregas", admin).json())
    failed = server.request("GET", f"/webhooks/{hook['id']}/entregas", admin).json()[-1]
    assert failed["status_http"] is None and failed["erro"]
    server.stop()
    server.start()
    create_orders(server, token, 2, "Depois")
    receiver.start()
    try:
        expected = stored_events(server, token, hook["ultimo_evento_id"])
        assert wait_for(lambda: len(receiver.delivered()) >= 5, timeout=40)
        check_delivered(receiver, expected)
    finally:
        receiver.stop()


def test_with_two_workers_each_event_reaches_each_endpoint_once(live_server, db_url):
    receivers = [Receiver().start(), Receiver().start()]
    try:
        server, admin, token = setup(live_server, db_url, workers=2)
        hooks = [register(server, admin, r) for r in receivers]
        assert hooks[0]["ultimo_evento_id"] == hooks[1]["ultimo_evento_id"]

        def writer(n):
            create_orders(server, token, 10, f"W{n}")

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        expected = stored_events(server, token, hooks[0]["ultimo_evento_id"])
        assert len(expected) == 30
        for receiver in receivers:
            assert wait_for(lambda r=receiver: len(r.delivered()) >= 30, timeout=30)
        wait_for(lambda: False, timeout=2)  # a second deliverer, if there were one, would post again meanwhile
        for receiver in receivers:
            check_delivered(receiver, expected)
    finally:
        for receiver in receivers:
            receiver.stop()


def test_a_hanging_endpoint_holds_back_neither_requests_nor_other_endpoints(live_server, db_url):
    hanging, healthy = Receiver().start(), Receiver().start()
    hanging.release.clear()  # answers nothing until released
    try:
        server, admin, token = setup(live_server, db_url, SGP_WEBHOOK_TIMEOUT="20")
        register(server, admin, hanging)
        hook = register(server, admin, healthy)
        create_orders(server, token, 5)
        expected = stored_events(server, token, hook["ultimo_evento_id"])
        assert wait_for(lambda: len(healthy.delivered()) == 5, timeout=15)
        check_delivered(healthy, expected)
        assert hanging.requests == []  # still waiting on its first event all along
    finally:
        hanging.release.set()
        hanging.stop()
        healthy.stop()


def test_an_endpoint_failing_past_the_give_up_time_is_disabled(live_server, db_url):
    receiver = Receiver(answers=[500] * 100).start()
    try:
        server, admin, token = setup(live_server, db_url, SGP_WEBHOOK_GIVE_UP_HOURS=str(2.5 / 3600))
        hook = register(server, admin, receiver)
        create_orders(server, token, 1)
        url = f"/webhooks/{hook['id']}"
        assert wait_for(lambda: server.request("GET", url, admin).json()["ativo"] is False, timeout=30)
        given_up = server.request("GET", url, admin).json()
        assert given_up["falhando_desde"] is not None and given_up["ultimo_evento_id"] == hook["ultimo_evento_id"]
        attempts = len(receiver.requests)
        assert 2 <= attempts <= 4  # 1 s, 2 s … apart, within 2.5 s of the first failure
        enabled = server.request("PATCH", url, admin, json={"ativo": True}).json()
        assert enabled["ativo"] is True and enabled["falhando_desde"] is None
        assert wait_for(lambda: len(receiver.requests) > attempts)  # resumes from its cursor
    finally:
        receiver.stop()


def test_deleting_an_endpoint_while_it_is_retried_stops_its_deliveries_quietly(live_server, db_url):
    receiver = Receiver(answers=[500] * 100).start()
    try:
        server, admin, token = setup(live_server, db_url)
        hook = register(server, admin, receiver)
        create_orders(server, token, 1)
        assert wait_for(lambda: len(receiver.requests) >= 2, timeout=15)
        assert server.request("DELETE", f"/webhooks/{hook['id']}", admin).status_code == 204
        tried = len(receiver.requests)
        wait_for(lambda: False, timeout=5)  # the next retries (2 s, 4 s apart) would have come by now
        assert len(receiver.requests) <= tried + 1  # at most the one already on its way
        assert "deliverer failed" not in server.log()
    finally:
        receiver.stop()
