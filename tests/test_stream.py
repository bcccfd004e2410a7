"""``GET /pedidos/stream`` (Server-Sent Events) through a real gunicorn server."""

import pytest
import requests

from tests.conftest import PASSWORD, add_users, start_module_server
from tests.sse import SseClient
from tests.ws import connect, recv_events, run


@pytest.fixture(scope="module")
def server(module_db_url):
    add_users(module_db_url, "chefe", admin=True)
    server = start_module_server(module_db_url, users=("ana", "bia", "caio"), SGP_SSE_HEARTBEAT="1")
    yield server
    server.stop(graceful=False)


@pytest.fixture
def token(server):
    return server.login("ana", PASSWORD)


def create(server, token, cliente="Gráfica Sol"):
    response = server.request("POST", "/pedidos/", token, json={"cliente": cliente, "valor_total": "10.00"})
    assert response.status_code == 201, response.text
    return response.json()


def stored_after(server, token, desde):
    return server.request("GET", f"/pedidos/eventos?desde={desde}", token).json()


def newest(server, token):
    return int(server.request("GET", "/pedidos/?limit=0", token).headers["X-Ultimo-Evento-Id"])


def test_refusals_are_answered_in_the_error_shape_before_any_stream(server, token):
    cases = [
        ("", {}, 401),
        ("?token=nada", {}, 401),
        ("", {"Authorization": "Bearer nada"}, 401),
        (f"?token={token}", {"Origin": "https://intruso.example"}, 403),
        (f"?token={token}&ultimo_evento_id=-1", {}, 422),
        (f"?token={token}", {"Last-Event-ID": "dois"}, 422),
        (f"?token={token}&ultimo_evento_id=%C2%B2", {}, 422),  # "²" is a digit to str.isdigit
    ]
    for query, headers, status in cases:
        response = requests.get(f"{server.url}/pedidos/stream{query}", headers=headers, timeout=10)
        assert response.status_code == status, (query, headers, response.text)
        assert set(response.json()["error"]) >= {"code", "message"}
    assert requests.post(f"{server.url}/pedidos/stream?token={token}", timeout=10).status_code == 405


def test_resume_replays_every_stored_event_after_n_then_sincronizado_then_live(server, token):
    before = newest(server, token)
    for cliente in ("Um", "Dois", "Três"):
        create(server, token, cliente)
    stored = stored_after(server, token, before)
    client = SseClient(server, f"?token={token}&ultimo_evento_id={stored[0]['evento_id']}")
    try:
        assert client.status == 200
        assert client.headers["content-type"] == "text/event-stream; charset=utf-8"
        assert client.headers["cache-control"] == "no-store"
        replayed = client.events(2)
        assert replayed == [{"id": str(e["evento_id"]), "event": e["type"], "data": e} for e in stored[1:]]
        assert client.next() == {
            "event": "sincronizado",
            "data": {"ultimo_evento_id": stored[-1]["evento_id"], "completo": True},
        }  # no id: line, so EventSource keeps the last event's id
        live = create(server, token, "Quatro")
        message = client.next()
        assert message["event"] == "pedido_criado" and message["data"]["pedido_id"] == live["id"]
        assert message["data"] == stored_after(server, token, stored[-1]["evento_id"])[0]
        assert message["data"]["usuario"]["username"] == "ana"
    finally:
        client.close()


def test_last_event_id_wins_over_the_query_as_when_eventsource_reconnects(server, token):
    before = newest(server, token)
    create(server, token, "A")
    create(server, token, "B")
    ids = [e["evento_id"] for e in stored_after(server, token, before)]
    client = SseClient(server, f"?token={token}&ultimo_evento_id={before}", headers={"Last-Event-ID": str(ids[0])})
    try:
        assert [m["data"]["evento_id"] for m in client.events(1)] == [ids[1]]
        assert client.next()["data"] == {"ultimo_evento_id": ids[1], "completo": True}
    finally:
        client.close()


def test_without_a_resume_point_live_events_only_and_heartbeats_meanwhile(server, token):
    create(server, token, "Antes")
    client = SseClient(server, headers={"Authorization": f"Bearer {token}"})
    try:
        assert client.next_raw(timeout=5) == ": ping"  # SGP_SSE_HEARTBEAT=1 here; nothing replayed
        pedido = create(server, token, "Depois")
        message = client.next()
        assert message["data"]["pedido_id"] == pedido["id"] and message["id"] == str(message["data"]["evento_id"])
    finally:
        client.close()


def test_a_resume_beyond_the_newest_event_is_not_complete(server, token):
    client = SseClient(server, f"?token={token}&ultimo_evento_id=999999999")
    try:
        assert client.next()["data"] == {"ultimo_evento_id": newest(server, token), "completo": False}
    finally:
        client.close()


def test_stream_and_socket_clients_get_the_same_events(server, token):
    async def scenario():
        stream = SseClient(server, f"?token={token}")
        ws = await connect(server, token)
        try:
            for cliente in ("X", "Y", "Z"):
                create(server, token, cliente)
            by_socket = await recv_events(ws, 3)
            assert [m["data"] for m in stream.events(3)] == by_socket
        finally:
            stream.close()
            await ws.close()

    run(scenario())


def test_logout_ends_the_stream_with_the_reason_and_the_token_is_refused_after(server):
    token = server.login("bia", PASSWORD)
    client = SseClient(server, f"?token={token}")
    try:
        assert server.request("POST", "/auth/logout", token).status_code == 204
        assert client.next() == {"event": "encerrado", "data": {"code": 1008, "reason": "Token inválido ou ausente"}}
        assert client.ended()
    finally:
        client.close()
    assert SseClient(server, f"?token={token}").status == 401


def test_disabling_a_user_ends_their_streams(server):
    admin = server.login("chefe", PASSWORD)
    caio = server.login("caio", PASSWORD)
    other = server.login("ana", PASSWORD)
    doomed, kept = SseClient(server, f"?token={caio}"), SseClient(server, f"?token={other}")
    try:
        usuarios = server.request("GET", "/usuarios", admin).json()
        caio_id = next(u["id"] for u in usuarios if u["username"] == "caio")
        assert server.request("PATCH", f"/usuarios/{caio_id}", admin, json={"ativo": False}).status_code == 200
        assert doomed.next()["data"]["code"] == 1008
        assert doomed.ended()
        pedido = create(server, other, "Segue")
        assert kept.next()["data"]["pedido_id"] == pedido["id"]
    finally:
        doomed.close()
        kept.close()
        server.request("PATCH", f"/usuarios/{caio_id}", admin, json={"ativo": True})
