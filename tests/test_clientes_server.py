"""Customers, payments and proofs through a real ``gunicorn`` with two gevent workers: a CSV import
sent chunked (no Content-Length) streams past the JSON body limit and stops at its own; the export
streams; a payment, and a customer's decision on a proof (no token), reach the sockets of both
workers."""

import asyncio

import requests

from sgp_app import create_app
from tests.live import make_user
from tests.ws import connect, recv_events, run


def rows(count):
    for start in range(0, count, 1000):
        yield "".join(f"Cliente {n:06d};27 9{n:08d}\r\n" for n in range(start, min(count, start + 1000))).encode()


def chunked_csv(count):
    """The file as a generator: requests sends it with Transfer-Encoding: chunked."""
    yield b"nome;telefone\r\n"
    yield from rows(count)


def test_a_chunked_import_streams_past_the_body_limit_and_stops_at_its_own(live_server, db_url):
    make_user(create_app({"SGP_DATABASE_URL": db_url}), "chefe", "pw", admin=True)
    server = live_server(workers=2, SGP_MAX_IMPORT_BYTES=str(3 * 1024 * 1024))
    auth = {"Authorization": f"Bearer {server.login('chefe', 'pw')}"}
    csv = {**auth, "Content-Type": "text/csv"}
    answer = requests.post(server.url + "/clientes/importar", data=chunked_csv(60_000), headers=csv, timeout=120)
    assert answer.status_code == 200, answer.text[:300]  # ≈ 1.6 MiB: past SGP_MAX_BODY_BYTES (1 MiB)
    assert (answer.json()["criados"], answer.json()["rejeitados"]) == (60_000, [])
    too_big = requests.post(server.url + "/clientes/importar", data=chunked_csv(150_000), headers=csv, timeout=120)
    assert too_big.status_code == 413 and "grande demais" in too_big.json()["error"]["message"]
    # Nothing of the refused file was kept; the first file's customers are all there, once.
    listed = requests.get(server.url + "/clientes?limit=1", headers=auth, timeout=30)
    assert listed.headers["X-Total-Count"] == "60000"
    # The export streams them all back.
    exported = requests.get(server.url + "/clientes", headers={**auth, "Accept": "text/csv"}, timeout=60, stream=True)
    lines = sum(chunk.count(b"\r\n") for chunk in exported.iter_content(65536))
    assert exported.headers["Content-Type"].startswith("text/csv") and lines == 60_001


def test_a_payment_reaches_every_socket_whichever_worker_holds_it(live_server, db_url):
    make_user(create_app({"SGP_DATABASE_URL": db_url}), "chefe", "pw", admin=True)
    server = live_server(workers=2)
    token = server.login("chefe", "pw")
    auth = {"Authorization": f"Bearer {token}"}
    pix = requests.post(server.url + "/catalogos/formas-pagamento", json={"nome": "Pix"}, headers=auth, timeout=10)
    pedido = requests.post(
        server.url + "/pedidos/", json={"cliente": "Gráfica Sol", "valor_total": "240.00"}, headers=auth, timeout=10
    ).json()

    async def scenario():
        # Several sockets, so that the two workers each hold some (gunicorn spreads connections).
        sockets = [await connect(server, token) for _ in range(6)]
        try:
            body = {"valor": "120.00", "forma_pagamento_id": pix.json()["id"]}
            paid = await asyncio.to_thread(
                requests.post, f"{server.url}/pedidos/{pedido['id']}/pagamentos", json=body, headers=auth, timeout=10
            )
            assert paid.status_code == 201
            for ws in sockets:
                (evento,) = await recv_events(ws, 1)
                assert (evento["type"], evento["pedido_id"]) == ("pedido_atualizado", pedido["id"])
        finally:
            for ws in sockets:
                await ws.close()

    run(scenario())
    answer = requests.get(f"{server.url}/pedidos/{pedido['id']}", headers=auth, timeout=10).json()
    assert (answer["valor_pago"], answer["saldo"], answer["situacao_pagamento"]) == ("120.00", "120.00", "parcial")


def test_a_proof_decision_from_the_customer_reaches_every_socket(live_server, db_url):
    make_user(create_app({"SGP_DATABASE_URL": db_url}), "ana", "pw")
    server = live_server(workers=2)
    token = server.login("ana", "pw")
    auth = {"Authorization": f"Bearer {token}"}
    item = {"descricao": "Banner", "quantidade": 1, "valor_unitario": "50.00"}
    pedido = requests.post(server.url + "/pedidos/", json={"cliente": "Gráfica Sol", "itens": [item]}, headers=auth,
                           timeout=10).json()  # fmt: skip
    arte = b"%PDF-1.4\n%%EOF"
    campos = {"item_id": str(pedido["itens"][0]["id"])}
    arquivo = requests.post(f"{server.url}/pedidos/{pedido['id']}/arquivos", files={"arquivo": ("a.pdf", arte)},
                            data=campos, headers=auth, timeout=30).json()  # fmt: skip
    link = requests.post(f"{server.url}/pedidos/{pedido['id']}/provas", json={"arquivo_id": arquivo["id"]},
                         headers=auth, timeout=10).json()["link"]  # fmt: skip

    async def scenario():
        sockets = [await connect(server, token) for _ in range(6)]
        try:
            decided = await asyncio.to_thread(
                requests.post, server.url + link, json={"decisao": "aprovada", "nome": "Marta"}, timeout=10
            )  # no token: the customer has none
            assert decided.status_code == 200, decided.text
            for ws in sockets:
                (evento,) = await recv_events(ws, 1)
                assert (evento["pedido_id"], evento["usuario"]) == (pedido["id"], None)
        finally:
            for ws in sockets:
                await ws.close()

    run(scenario())
    atual = requests.get(f"{server.url}/pedidos/{pedido['id']}", headers=auth, timeout=10).json()
    assert atual["itens"][0]["status_arte"] == "aprovada"
