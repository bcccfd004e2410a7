"""GET /pedidos/<id>/historico: who changed what, kept as long as the order."""

from sgp_app import events
from sgp_app.extensions import db
from tests.conftest import PASSWORD
from tests.live import make_user
from tests.test_pedidos import NOVO


def historico(client, auth, pedido_id):
    response = client.get(f"/pedidos/{pedido_id}/historico", headers=auth)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def login(client, username):
    token = client.post("/auth/login", json={"username": username, "password": PASSWORD}).get_json()["session_token"]
    return {"Authorization": f"Bearer {token}"}


def test_history_lists_each_change_with_its_author_and_what_changed(app, client, auth, usuario):
    bia = make_user(app, "bia", PASSWORD)
    as_bia = login(client, "bia")
    pedido = client.post("/pedidos/", json=NOVO, headers=auth).get_json()
    url = f"/pedidos/{pedido['id']}"
    client.patch(url, json={"status": "em_producao", "observacao": "conferir cores com a prova"}, headers=as_bia)
    client.patch(url, json={"observacao": "conferir cores com a prova"}, headers=auth)  # no change: no entry
    client.patch(
        url, json={"itens": [{"descricao": "Adesivo", "quantidade": 10, "valor_unitario": "1.50"}]}, headers=auth
    )
    client.delete(url, headers=as_bia)

    got = historico(client, auth, pedido["id"])
    assert [(h["versao"], h["tipo"], h["usuario"]["username"]) for h in got] == [
        (1, "pedido_criado", "ana"),
        (2, "pedido_atualizado", "bia"),
        (3, "pedido_atualizado", "ana"),
        (4, "pedido_cancelado", "bia"),
    ]
    assert got[0]["alteracoes"] == {}
    assert got[0]["usuario"] == {"id": usuario["id"], "username": "ana"}
    assert got[1]["usuario"] == {"id": bia["id"], "username": "bia"}
    assert got[1]["alteracoes"] == {
        "status": {"de": "pendente", "para": "em_producao"},
        "observacao": {"de": "", "para": "conferir cores com a prova"},
    }
    itens = got[2]["alteracoes"]["itens"]
    # Each item as stored: what the answer shows but its id, subtotal and the names it refers to.
    shown_only = {"id", "subtotal", "vendedor", "designer", "status_arte"}
    stored = [{k: v for k, v in item.items() if k not in shown_only} for item in pedido["itens"]]
    assert itens["de"] == stored
    assert itens["para"] == [
        {
            "descricao": "Adesivo",
            "tipo_producao": "",
            "quantidade": 10,
            "valor_unitario": "1.50",
            "valor_base": "1.50",
            "valores_adicionais": "0.00",
            "largura": None,
            "altura": None,
            "metro_quadrado": None,
            "material": "",
            "vendedor_id": None,
            "designer_id": None,
            "acabamento": {"overloque": False, "elastico": False, "bainha": False, "ilhos": None, "cordinha": None},
            "emenda_quantidade": 0,
            "observacao": "",
            "detalhes": {},
        }
    ]
    assert got[2]["alteracoes"]["valor_total"] == {"de": "325.00", "para": "40.00"}
    assert got[3]["alteracoes"] == {"status": {"de": "em_producao", "para": "cancelado"}}
    # Each entry carries the very timestamp of its event.
    sent = client.get("/pedidos/eventos", headers=auth).get_json()
    assert [h["timestamp"] for h in got] == [e["timestamp"] for e in sent]


def test_history_outlives_the_pruned_event_log(app, client, auth):
    pedido = client.post("/pedidos/", json=NOVO, headers=auth).get_json()
    client.patch(f"/pedidos/{pedido['id']}", json={"prioridade": "ALTA"}, headers=auth)
    with app.app_context():
        events.prune(retention_days=0, retention_count=1)
        db.session.remove()
    assert client.get("/pedidos/eventos", headers=auth).get_json() == []
    assert [h["tipo"] for h in historico(client, auth, pedido["id"])] == ["pedido_criado", "pedido_atualizado"]


def test_changes_outside_a_request_have_no_author(app, client, auth):
    from sgp_app.pedidos import service
    from sgp_app.pedidos.schemas import validate

    with app.app_context():
        pedido = service.create(validate({"cliente": "Pelo CLI", "valor_total": "1"}))
        pedido_id = pedido.id
        db.session.remove()
    assert historico(client, auth, pedido_id)[0]["usuario"] is None
    assert client.get("/pedidos/eventos", headers=auth).get_json()[-1]["usuario"] is None


def test_history_of_an_unknown_order_is_404_and_needs_a_token(client, auth):
    assert client.get("/pedidos/999/historico", headers=auth).status_code == 404
    assert client.get("/pedidos/999/historico").status_code == 401


def test_history_is_paged_oldest_first_with_the_total_and_links(client, auth):
    pedido = client.post("/pedidos/", json=NOVO, headers=auth).get_json()
    for i in range(6):
        client.patch(f"/pedidos/{pedido['id']}", json={"observacao": f"mudança {i}"}, headers=auth)
    response = client.get(f"/pedidos/{pedido['id']}/historico?skip=2&limit=3", headers=auth)
    assert response.status_code == 200
    assert [h["versao"] for h in response.get_json()] == [3, 4, 5]
    assert response.headers["X-Total-Count"] == "7"
    assert f"/pedidos/{pedido['id']}/historico?skip=5&limit=3" in response.headers["Link"]
    assert 'rel="next"' in response.headers["Link"] and 'rel="prev"' in response.headers["Link"]
    default = client.get(f"/pedidos/{pedido['id']}/historico", headers=auth)
    assert len(default.get_json()) == 7 and default.headers["X-Total-Count"] == "7" and "Link" not in default.headers


def test_history_pages_hold_at_most_500_entries(client, auth):
    pedido = client.post("/pedidos/", json=NOVO, headers=auth).get_json()
    for query, field in (("limit=501", "limit"), ("skip=-1", "skip"), ("limit=x", "limit")):
        response = client.get(f"/pedidos/{pedido['id']}/historico?{query}", headers=auth)
        assert response.status_code == 422 and field in response.get_json()["error"]["fields"]
