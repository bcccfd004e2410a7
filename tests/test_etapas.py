"""Production steps and sectors: every order goes through SGP_ETAPAS in order, each step ticked by a
user of its sector (or an admin); the first moves it into production, the last makes it ready; a
sector's queue is the orders whose next open step is its own."""

import asyncio

import pytest
from alembic import command
from sqlalchemy import text

from sgp_app import create_app, schema
from sgp_app.extensions import db
from sgp_app.testing import capture_eventos
from tests.conftest import PASSWORD, add_users, bearer
from tests.live import TEST_SECRET, make_user
from tests.ws import Api, connect, recv_events, run

ETAPAS = ["financeiro", "conferencia", "sublimacao", "costura", "expedicao"]


@pytest.fixture
def setor(app, client, admin):
    """``setor(name, *steps)``: the headers of a new user of those sectors."""

    def make(name, *steps):
        usuario = make_user(app, name, PASSWORD)
        answer = client.patch(f"/usuarios/{usuario['id']}", json={"setores": list(steps)}, headers=admin)
        assert answer.status_code == 200 and answer.get_json()["setores"] == list(steps)
        return bearer(client, name)

    return make


def novo(client, headers, **fields):
    body = {"cliente": "Gráfica Sol", "valor_total": "10.00", "data_entrada": "2026-10-01", **fields}
    response = client.post("/pedidos/", json=body, headers=headers)
    assert response.status_code == 201
    return response.get_json()


def marcar(client, headers, pedido_id, etapa, feita=True, **fields):
    return client.patch(
        f"/pedidos/{pedido_id}/etapas", json={"etapa": etapa, "feita": feita, **fields}, headers=headers
    )


def feitas(pedido):
    return [e["etapa"] for e in pedido["etapas"] if e["feita"]]


def test_an_order_carries_every_step_in_order_and_the_contract_names_them(client, auth):
    pedido = novo(client, auth)
    assert [e["etapa"] for e in pedido["etapas"]] == ETAPAS
    assert pedido["etapas"][0] == {"etapa": "financeiro", "feita": False, "por": None, "em": None, "maquina": None}
    assert client.get("/pedidos/contrato", headers=auth).get_json()["etapas"] == ETAPAS


def test_steps_go_in_order_move_the_status_and_say_who_when_and_on_which_machine(client, admin):
    maquina = client.post("/catalogos/maquinas", json={"nome": "Mimaki"}, headers=admin).get_json()
    pedido = novo(client, admin)
    early = marcar(client, admin, pedido["id"], "conferencia")
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "etapa_fora_de_ordem"
    assert "financeiro" in early.get_json()["error"]["message"]
    first = marcar(client, admin, pedido["id"], "financeiro")
    assert first.status_code == 200 and first.headers["ETag"] == '"2"'
    assert first.get_json()["status"] == "em_producao"  # the first step starts production
    done = first.get_json()["etapas"][0]
    assert done["feita"] is True and done["por"]["username"] == "chefe" and done["em"].endswith("+00:00")
    for etapa in ETAPAS[1:-1]:
        answer = marcar(client, admin, pedido["id"], etapa, maquina_id=maquina["id"] if etapa == "sublimacao" else None)
        assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["etapas"][2]["maquina"] == {"id": maquina["id"], "nome": "Mimaki"}
    assert answer.get_json()["status"] == "em_producao"
    last = marcar(client, admin, pedido["id"], "expedicao").get_json()
    assert last["status"] == "pronto" and feitas(last) == ETAPAS  # the last step makes it ready


def test_undoing_a_step_undoes_every_later_one_and_a_ready_order_goes_back_to_production(client, admin):
    pedido = novo(client, admin)
    for etapa in ETAPAS:
        marcar(client, admin, pedido["id"], etapa)
    undone = marcar(client, admin, pedido["id"], "sublimacao", feita=False)
    assert undone.status_code == 200
    assert feitas(undone.get_json()) == ["financeiro", "conferencia"]
    assert undone.get_json()["status"] == "em_producao"


def test_doing_a_done_step_again_changes_nothing(client, admin):
    pedido = novo(client, admin)
    marcar(client, admin, pedido["id"], "financeiro")
    again = marcar(client, admin, pedido["id"], "financeiro")
    assert again.status_code == 200 and again.get_json()["versao"] == 2


def test_users_do_only_their_sectors_steps(client, admin, setor):
    financeiro = setor("fin", "financeiro")
    costura = setor("cos", "costura", "expedicao")
    pedido = novo(client, admin)
    refused = marcar(client, costura, pedido["id"], "financeiro")
    assert refused.status_code == 403
    assert marcar(client, financeiro, pedido["id"], "financeiro").status_code == 200
    assert marcar(client, financeiro, pedido["id"], "financeiro", feita=False).status_code == 200


def test_sectors_are_set_by_admins_and_must_be_steps(client, admin, auth, usuario):
    url = f"/usuarios/{usuario['id']}"
    bad = client.patch(url, json={"setores": ["financeiro", "pintura"]}, headers=admin)
    assert bad.status_code == 422 and "pintura" in bad.get_json()["error"]["fields"]["setores"]
    assert client.patch(url, json={"setores": ["costura"]}, headers=auth).status_code == 403
    created = client.post("/usuarios", json={"username": "dani", "password": "senha-boa-1", "setores": ["costura"]},
                          headers=admin)  # fmt: skip
    assert created.status_code == 201 and created.get_json()["setores"] == ["costura"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"etapa": "pintura", "feita": True}, "etapa"),
        ({"etapa": "financeiro"}, "feita"),
        ({"etapa": "financeiro", "feita": "sim"}, "feita"),
        ({"etapa": "financeiro", "feita": True, "maquina_id": 999}, "maquina_id"),
    ],
)
def test_bad_steps_are_422_and_change_nothing(client, admin, body, field):
    pedido = novo(client, admin)
    answer = client.patch(f"/pedidos/{pedido['id']}/etapas", json=body, headers=admin)
    assert answer.status_code == 422 and field in answer.get_json()["error"]["fields"]
    assert client.get(f"/pedidos/{pedido['id']}", headers=admin).get_json()["versao"] == 1


def test_a_final_order_refuses_steps_and_if_match_guards_them(client, admin):
    pedido = novo(client, admin)
    stale = marcar(client, {**admin, "If-Match": '"7"'}, pedido["id"], "financeiro")
    assert stale.status_code == 412
    client.delete(f"/pedidos/{pedido['id']}", headers=admin)
    assert marcar(client, admin, pedido["id"], "financeiro").status_code == 409
    assert marcar(client, admin, 999, "financeiro").status_code == 404


def test_each_tick_is_history_and_an_event(app, client, admin):
    pedido = novo(client, admin)
    with capture_eventos(app) as eventos:
        marcar(client, admin, pedido["id"], "financeiro")
    assert [e["type"] for e in eventos] == ["pedido_atualizado"]
    history = client.get(f"/pedidos/{pedido['id']}/historico", headers=admin).get_json()
    assert history[-1]["usuario"]["username"] == "chefe"
    assert history[-1]["alteracoes"] == {
        "status": {"de": "pendente", "para": "em_producao"},
        "etapas": {"de": [], "para": [{"etapa": "financeiro", "maquina_id": None}]},
    }


def test_a_sectors_queue_is_the_orders_whose_next_step_is_its_own_oldest_due_first(client, admin):
    late = novo(client, admin, cliente="Atrasado", data_entrega="2026-12-01")
    soon = novo(client, admin, cliente="Logo", data_entrega="2026-12-05")
    no_date = novo(client, admin, cliente="Sem data")
    ahead = novo(client, admin, cliente="Adiantado", data_entrega="2026-11-30")
    marcar(client, admin, ahead["id"], "financeiro")
    cancelled = novo(client, admin, cliente="Cancelado", data_entrega="2026-11-01")
    client.delete(f"/pedidos/{cancelled['id']}", headers=admin)

    def fila(etapa):
        answer = client.get(f"/pedidos/?etapa={etapa}", headers=admin)
        assert answer.status_code == 200
        return [p["cliente"] for p in answer.get_json()], answer.headers["X-Total-Count"]

    assert fila("financeiro") == (["Atrasado", "Logo", "Sem data"], "3")
    assert fila("conferencia") == (["Adiantado"], "1")
    assert fila("costura") == ([], "0")
    assert client.get("/pedidos/?etapa=pintura", headers=admin).status_code == 422
    assert late and soon and no_date


def test_with_no_steps_configured_orders_carry_none(db_url):
    app = create_app({"TESTING": True, "SGP_DATABASE_URL": db_url, "SGP_SECRET_KEY": TEST_SECRET, "SGP_ETAPAS": ""})
    make_user(app, "chefe", PASSWORD, admin=True)
    client = app.test_client()
    headers = bearer(client, "chefe")
    pedido = novo(client, headers)
    assert pedido["etapas"] == []
    refused = marcar(client, headers, pedido["id"], "financeiro")
    assert refused.status_code == 422 and refused.get_json()["error"]["fields"]["etapa"] == "As etapas estão desligadas"


def test_steps_must_be_distinct_simple_names(db_url):
    with pytest.raises(RuntimeError, match="SGP_ETAPAS"):
        create_app({"SGP_DATABASE_URL": db_url, "SGP_ETAPAS": "financeiro,Costura,financeiro"})


def test_revision_0010_marks_every_step_of_ready_and_delivered_orders_done(db_url):
    app = create_app({"TESTING": True, "SGP_DATABASE_URL": db_url, "SGP_SECRET_KEY": TEST_SECRET})
    with app.app_context():
        command.downgrade(schema._config(), "0009")
        for numero, status in (("0000000001", "pronto"), ("0000000002", "em_producao")):
            db.session.execute(
                text("INSERT INTO pedidos (numero, cliente, cliente_busca, telefone_cliente, cidade_cliente, "
                     "estado_cliente, data_entrada, prioridade, status, observacao, forma_envio, tipo_pagamento, "
                     "valor_itens, valor_frete, versao, criado_em, atualizado_em) VALUES (:n, 'Sol', 'sol', '', '', "
                     "'', '2026-11-29', 'NORMAL', :s, '', '', '', 0, 0, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                {"n": numero, "s": status},
            )  # fmt: skip
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    app = create_app({"TESTING": True, "SGP_DATABASE_URL": db_url, "SGP_SECRET_KEY": TEST_SECRET})  # upgrades
    make_user(app, "chefe", PASSWORD, admin=True)
    client = app.test_client()
    headers = bearer(client, "chefe")
    assert feitas(client.get("/pedidos/1", headers=headers).get_json()) == ETAPAS
    assert feitas(client.get("/pedidos/2", headers=headers).get_json()) == []
    users = client.get("/usuarios", headers=headers).get_json()
    assert all(u["setores"] == [] for u in users)
    with app.app_context():
        db.engine.dispose()


def test_a_tick_reaches_the_sockets_of_every_worker(live_server, db_url):
    """Two workers, sockets on both: each gets the tick's event, in order after the order's creation."""
    add_users(db_url, "chefe", admin=True)
    server = live_server(workers=2, SGP_BROKER_URL="memory://")
    token = server.login("chefe", PASSWORD)

    async def scenario():
        sockets = await asyncio.gather(*(connect(server, token) for _ in range(6)))  # spread over both workers
        api = Api(server, token)
        pedido = await api.create()
        body = {"etapa": "financeiro", "feita": True}
        answer = await api.call("PATCH", f"/pedidos/{pedido['id']}/etapas", json=body)
        assert answer.status_code == 200, answer.text
        for ws in sockets:
            criado, marcado = await recv_events(ws, 2)
            assert (criado["type"], marcado["type"]) == ("pedido_criado", "pedido_atualizado")
            assert marcado["pedido_id"] == pedido["id"] and marcado["status_atual"] == "em_producao"
        await asyncio.gather(*(ws.close() for ws in sockets))

    run(scenario(), timeout=60)
