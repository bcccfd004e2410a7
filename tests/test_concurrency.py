"""Concurrent creates: unique, gap-free ``numero``s and no lost write."""

from concurrent.futures import ThreadPoolExecutor

import requests

from sgp_app import create_app
from tests.live import make_user


def _check_gap_free(pedidos, eventos, expected):
    assert len(pedidos) == expected
    assert sorted(int(p["numero"]) for p in pedidos) == list(range(1, expected + 1))
    assert sorted(e["evento_id"] for e in eventos) == list(range(1, expected + 1))
    assert {e["pedido_id"] for e in eventos} == {p["id"] for p in pedidos}


def test_threads_creating_at_once_get_unique_gap_free_numeros(app, auth):
    def create_many(n):
        client = app.test_client()
        return [
            client.post("/pedidos/", json={"cliente": f"C{n}-{i}", "valor_total": "1"}, headers=auth) for i in range(10)
        ]

    with ThreadPoolExecutor(8) as pool:
        responses = [r for batch in pool.map(create_many, range(8)) for r in batch]
    assert [r.status_code for r in responses] == [201] * 80
    client = app.test_client()
    listed = client.get("/pedidos/?limit=500", headers=auth).get_json()
    eventos = client.get("/pedidos/eventos?limit=1000", headers=auth).get_json()
    _check_gap_free(listed, eventos, 80)


def test_several_gevent_workers_creating_at_once_lose_nothing(live_server, db_url):
    make_user(create_app({"SGP_DATABASE_URL": db_url}), "ana", "pw")
    server = live_server(workers=3)
    auth = {"Authorization": f"Bearer {server.login('ana', 'pw')}"}

    def create_many(n):
        with requests.Session() as http:
            return [
                http.post(
                    server.url + "/pedidos/",
                    json={"cliente": f"C{n}-{i}", "valor_total": "1"},
                    headers=auth,
                    timeout=30,
                ).status_code
                for i in range(15)
            ]

    with ThreadPoolExecutor(6) as pool:
        statuses = [s for batch in pool.map(create_many, range(6)) for s in batch]
    assert statuses == [201] * 90
    listed = requests.get(server.url + "/pedidos/?limit=500", headers=auth, timeout=10).json()
    eventos = requests.get(server.url + "/pedidos/eventos?limit=1000", headers=auth, timeout=10).json()
    _check_gap_free(listed, eventos, 90)
