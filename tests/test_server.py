"""The real service: ``gunicorn wsgi:app`` with the gevent worker, over HTTP."""

import requests

from sgp_app import create_app
from tests.live import make_user


def test_gunicorn_serves_the_whole_order_lifecycle(live_server, db_url):
    make_user(create_app({"SGP_DATABASE_URL": db_url}), "ana", "pw")
    server = live_server()
    token = server.login("ana", "pw")
    auth = {"Authorization": f"Bearer {token}"}

    created = requests.post(
        server.url + "/pedidos/", json={"cliente": "Gráfica Sol", "valor_total": "10.00"}, headers=auth, timeout=10
    )
    assert created.status_code == 201
    pedido = created.json()
    listed = requests.get(server.url + "/pedidos/", headers=auth, timeout=10)
    assert [p["id"] for p in listed.json()] == [pedido["id"]]
    patched = requests.patch(
        f"{server.url}/pedidos/{pedido['id']}",
        json={"status": "em_producao"},
        headers={**auth, "If-Match": '"1"'},
        timeout=10,
    )
    assert patched.json()["status"] == "em_producao"
    cancelled = requests.delete(f"{server.url}/pedidos/{pedido['id']}", headers=auth, timeout=10)
    assert cancelled.json() == {"message": "Pedido cancelado com sucesso"}
    assert (
        requests.get(f"{server.url}/pedidos/{pedido['id']}", headers=auth, timeout=10).json()["status"] == "cancelado"
    )
    assert requests.post(server.url + "/auth/logout", headers=auth, timeout=10).status_code == 204
    assert requests.get(server.url + "/auth/me", headers=auth, timeout=10).status_code == 401


def test_gunicorn_errors_are_json(live_server, db_url):
    server = live_server()
    response = requests.get(server.url + "/nao/existe", timeout=10)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
