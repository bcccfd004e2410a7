"""``/pedidos/stream`` against servers of their own (settings the module server cannot share)."""

import requests

from tests.conftest import PASSWORD, add_users
from tests.sse import SseClient


def test_the_per_worker_cap_counts_sockets_and_streams_alike(live_server, db_url):
    add_users(db_url, "ana")
    server = live_server(SGP_WS_MAX_CONNECTIONS="2")
    token = server.login("ana", PASSWORD)
    streams = [SseClient(server, f"?token={token}") for _ in range(2)]
    try:
        assert [s.status for s in streams] == [200, 200]
        assert (server.health()["streams"], server.health()["sockets"]) == (2, 0)
        full = SseClient(server, f"?token={token}")
        assert full.status == 503 and full.headers["retry-after"] == "5"
        assert full.body["error"]["code"] == "server_full"
        streams[0].close()
        assert streams[1].ended(timeout=0.5) is False  # the other stream is untouched
        for _ in range(50):  # the closed one leaves the registry once its handler sees the EOF
            again = SseClient(server, f"?token={token}")
            if again.status == 200:
                streams.append(again)
                break
            again.close()
        else:
            raise AssertionError("a closed stream's place was never freed")
    finally:
        for s in streams:
            s.close()


def test_a_restart_ends_streams_with_1001_and_they_resume_without_a_gap(live_server, db_url):
    add_users(db_url, "ana")
    server = live_server()
    token = server.login("ana", PASSWORD)
    client = SseClient(server, f"?token={token}&ultimo_evento_id=0")
    assert client.next()["event"] == "sincronizado"
    pedido = server.request("POST", "/pedidos/", token, json={"cliente": "Antes", "valor_total": "1"}).json()
    last = client.next()
    assert last["data"]["pedido_id"] == pedido["id"]
    server.stop()
    assert client.next() == {"event": "encerrado", "data": {"code": 1001, "reason": "Servidor reiniciando; reconecte"}}
    assert client.ended()
    client.close()
    server.start()
    server.request("POST", "/pedidos/", token, json={"cliente": "Durante", "valor_total": "1"})
    again = SseClient(server, f"?token={token}", headers={"Last-Event-ID": last["id"]})
    try:
        assert again.next()["data"]["cliente"] == "Durante"
        assert again.next()["event"] == "sincronizado"
    finally:
        again.close()


def test_an_expired_token_ends_its_stream(live_server, db_url):
    add_users(db_url, "ana")
    # Tokens live 2.5 s here; the janitor looks every second.
    server = live_server(SGP_TOKEN_TTL_HOURS=str(2.5 / 3600))
    client = SseClient(server, f"?token={server.login('ana', PASSWORD)}")
    try:
        assert client.next(timeout=15) == {"event": "encerrado", "data": {"code": 1008, "reason": "Token expirado"}}
        assert client.ended()
    finally:
        client.close()


def test_head_answers_the_streams_headers_without_a_body_or_a_slot(live_server, db_url):
    add_users(db_url, "ana")
    server = live_server(SGP_WS_MAX_CONNECTIONS="1")
    token = server.login("ana", PASSWORD)
    for _ in range(3):  # a HEAD that held a slot would fill this worker's only one
        response = requests.head(f"{server.url}/pedidos/stream?token={token}", timeout=10)
        assert response.status_code == 200 and response.content == b""
        assert response.headers["Content-Type"].startswith("text/event-stream")
        assert response.headers["Cache-Control"] == "no-store"
    assert server.health()["streams"] == 0
    assert requests.head(f"{server.url}/pedidos/stream", timeout=10).status_code == 401
    stream = SseClient(server, f"?token={token}")
    try:
        assert stream.status == 200
    finally:
        stream.close()
