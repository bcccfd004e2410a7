"""``sgp_app.testing``: what a team's own API tests use to see emitted events."""

from sgp_app.testing import capture_eventos


def test_capture_eventos_sees_what_a_request_emitted(app, client, auth):
    with capture_eventos(app) as eventos:
        pedido = client.post("/pedidos/", json={"cliente": "Ana", "valor_total": "10"}, headers=auth).get_json()
        client.patch(f"/pedidos/{pedido['id']}", json={"status": "cancelado"}, headers=auth)
    assert [(e["type"], e["pedido_id"], e["status_atual"]) for e in eventos] == [
        ("pedido_criado", pedido["id"], "pendente"),
        ("pedido_cancelado", pedido["id"], "cancelado"),
    ]
    assert eventos == client.get("/pedidos/eventos", headers=auth).get_json()


def test_capture_eventos_ignores_rejected_requests_and_stops_after_the_block(app, client, auth):
    with capture_eventos(app) as eventos:
        client.post("/pedidos/", json={"cliente": ""}, headers=auth)
    client.post("/pedidos/", json={"cliente": "Ana", "valor_total": "10"}, headers=auth)
    assert eventos == []
