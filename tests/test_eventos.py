import pytest
from sqlalchemy import func, select

from sgp_app import events, signals
from sgp_app.extensions import db
from sgp_app.models import Evento, Pedido
from tests.conftest import PASSWORD
from tests.test_pedidos import NOVO

FIELDS = {"type", "evento_id", "pedido_id", "status_atual", "cliente", "valor_total", "timestamp", "usuario"}


def eventos(client, auth, query=""):
    response = client.get(f"/pedidos/eventos{query}", headers=auth)
    assert response.status_code == 200
    return response.get_json()


def test_each_change_writes_its_event(client, auth, usuario):
    pedido = client.post("/pedidos/", json=NOVO, headers=auth).get_json()
    client.patch(f"/pedidos/{pedido['id']}", json={"status": "em_producao"}, headers=auth)
    client.patch(f"/pedidos/{pedido['id']}", json={"status": "cancelado"}, headers=auth)
    other = client.post("/pedidos/", json=NOVO, headers=auth).get_json()
    client.delete(f"/pedidos/{other['id']}", headers=auth)
    got = eventos(client, auth)
    assert [(e["type"], e["pedido_id"], e["status_atual"]) for e in got] == [
        ("pedido_criado", pedido["id"], "pendente"),
        ("pedido_atualizado", pedido["id"], "em_producao"),
        ("pedido_cancelado", pedido["id"], "cancelado"),
        ("pedido_criado", other["id"], "pendente"),
        ("pedido_cancelado", other["id"], "cancelado"),
    ]
    assert [e["evento_id"] for e in got] == [1, 2, 3, 4, 5]
    for e in got:
        assert set(e) == FIELDS
        assert e["usuario"] == {"id": usuario["id"], "username": "ana"}
        assert e["cliente"] == "Gráfica Sol"
        assert e["valor_total"] == "325.00"
        assert e["timestamp"].endswith("+00:00")


def test_rejected_changes_write_no_event(client, auth):
    pedido = client.post("/pedidos/", json=NOVO, headers=auth).get_json()
    client.patch(f"/pedidos/{pedido['id']}", json={"status": "entregue"}, headers=auth)  # 409
    client.patch(f"/pedidos/{pedido['id']}", json={"valor_total": "1"}, headers=auth)  # 422
    client.patch(f"/pedidos/{pedido['id']}", json={"observacao": "x"}, headers={**auth, "If-Match": "7"})  # 412
    client.patch(f"/pedidos/{pedido['id']}", json={}, headers=auth)  # no-op
    assert [e["type"] for e in eventos(client, auth)] == ["pedido_criado"]


def test_change_and_event_commit_together_or_not_at_all(app, client, auth, monkeypatch):
    def failing_record(tipo, pedido):
        raise RuntimeError("disk full")

    monkeypatch.setattr(events, "record", failing_record)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.post("/pedidos/", json=NOVO, headers=auth).status_code == 500
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Pedido)) == 0
        assert db.session.scalar(select(func.count()).select_from(Evento)) == 0


def test_signal_receivers_hear_only_committed_events(app, client, auth):
    heard = []

    def receiver(sender, messages):
        heard.append((sender, messages))

    with signals.eventos_committed.connected_to(receiver, sender=app):
        client.post("/pedidos/", json=NOVO, headers=auth)
        client.post("/pedidos/", json={**NOVO, "valor_total": "1"}, headers=auth)  # rejected
    assert [sender for sender, _ in heard] == [app]
    assert heard[0][1] == eventos(client, auth)


def test_a_logout_is_a_log_entry_ordered_with_the_events_but_not_shown_as_one(app, client, auth):
    revoked = []
    client.post("/pedidos/", json=NOVO, headers=auth)
    with signals.tokens_revoked.connected_to(lambda sender, messages: revoked.extend(messages), sender=app):
        assert client.post("/auth/logout", headers=auth).status_code == 204
    assert revoked == [{"control": "tokens_revogados", "evento_id": 2, "tokens": [revoked[0]["tokens"][0]]}]
    token = client.post("/auth/login", json={"username": "ana", "password": PASSWORD}).get_json()["session_token"]
    fresh = {"Authorization": f"Bearer {token}"}
    client.post("/pedidos/", json=NOVO, headers=fresh)
    assert [e["evento_id"] for e in eventos(client, fresh)] == [1, 3]  # 2 is the revocation
    assert client.get("/pedidos/eventos", headers=fresh).headers["X-Ultimo-Evento-Id"] == "3"


def test_eventos_desde_and_limit(client, auth):
    for _ in range(5):
        client.post("/pedidos/", json=NOVO, headers=auth)
    assert [e["evento_id"] for e in eventos(client, auth, "?desde=2")] == [3, 4, 5]
    assert [e["evento_id"] for e in eventos(client, auth, "?desde=1&limit=2")] == [2, 3]
    assert eventos(client, auth, "?desde=5") == []


@pytest.mark.parametrize("query", ["?limit=0", "?limit=1001", "?desde=-1", "?desde=x"])
def test_eventos_bad_parameters_are_422(client, auth, query):
    assert client.get(f"/pedidos/eventos{query}", headers=auth).status_code == 422
