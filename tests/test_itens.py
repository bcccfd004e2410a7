"""Items of a print order: detail, catalog references, and the price and area computed on the server.

The price cases are api-sgp's own (``tests/test_pricing.py`` of mrmateussiilva/api-sgp): the same
inputs give the same totals here.
"""

from decimal import Decimal

import pytest
from alembic import command
from sqlalchemy import text

from sgp_app import create_app, schema
from sgp_app.extensions import db
from sgp_app.pedidos import precos
from tests.conftest import PASSWORD
from tests.live import TEST_SECRET, make_user

ILHOS_18 = {"quantidade": 18, "espaco": "0.30", "valor_unitario": "1.00"}

# (api-sgp's case, our item's price fields, the unit price it must come to)
API_SGP_CASES = [
    ("painel sem extras", {"valor_base": "100.00"}, "100.00"),
    ("painel com valores adicionais", {"valor_base": "100.00", "valores_adicionais": "20.00"}, "120.00"),
    ("painel com ilhós (o caso do bug)", {"valor_base": "100.00", "acabamento": {"ilhos": ILHOS_18}}, "118.00"),
    (
        "painel com cordinha",
        {"valor_base": "100.00", "acabamento": {"cordinha": {"quantidade": 10, "valor_unitario": "2.00"}}},
        "120.00",
    ),
    (
        "painel com adicionais e ilhós",
        {"valor_base": "100.00", "valores_adicionais": "10.00", "acabamento": {"ilhos": ILHOS_18}},
        "128.00",
    ),
    (
        "genérica com ilhós",
        {"valor_base": "50.00", "acabamento": {"ilhos": {"quantidade": 10, "valor_unitario": "0.50"}}},
        "55.00",
    ),
    (
        "mesa babado com ilhós",
        {"valor_base": "80.00", "acabamento": {"ilhos": {"quantidade": 8, "valor_unitario": "2.00"}}},
        "96.00",
    ),
    ("lona com o valor unitário dado", {"valor_unitario": "200.00"}, "200.00"),
    ("totem com o valor unitário dado", {"valor_unitario": "350.00"}, "350.00"),
]


def item(**fields):
    return {"descricao": "Painel 3x1", "tipo_producao": "painel", "quantidade": 1, **fields}


def criar(client, auth, *itens, status=201, **fields):
    response = client.post("/pedidos/", json={"cliente": "Gráfica Sol", "itens": list(itens), **fields}, headers=auth)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def catalogo(client, admin, tipo, **body):
    response = client.post(f"/catalogos/{tipo}", json=body, headers=admin)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.mark.parametrize("case, fields, unitario", API_SGP_CASES, ids=[c[0] for c in API_SGP_CASES])
def test_the_price_rule_gives_api_sgps_totals(client, auth, case, fields, unitario):
    pedido = criar(client, auth, item(quantidade=2, **fields))
    got = pedido["itens"][0]
    assert got["valor_unitario"] == unitario
    assert got["subtotal"] == f"{Decimal(unitario) * 2:.2f}"
    assert pedido["valor_itens"] == pedido["valor_total"] == got["subtotal"]


@pytest.mark.parametrize("case, fields, unitario", API_SGP_CASES, ids=[c[0] for c in API_SGP_CASES])
def test_the_price_function_alone(case, fields, unitario):
    money = {k: Decimal(v) for k, v in fields.items() if k in ("valor_base", "valor_unitario", "valores_adicionais")}
    got = precos.preco(
        money.get("valor_base"), money.get("valor_unitario"), money.get("valores_adicionais", Decimal("0")),
        fields.get("acabamento"),
    )  # fmt: skip
    assert got.valor_unitario == Decimal(unitario)


def test_an_old_client_sending_only_the_unit_price_gets_the_base_worked_out(client, auth):
    got = criar(client, auth, item(valor_unitario="118.00", acabamento={"ilhos": ILHOS_18}))["itens"][0]
    assert (got["valor_base"], got["valor_unitario"]) == ("100.00", "118.00")


@pytest.mark.parametrize(
    "fields, message",
    [
        (
            {"valor_base": "100.00", "valor_unitario": "100.00", "acabamento": {"ilhos": ILHOS_18}},
            "Difere do calculado",
        ),
        ({"valor_unitario": "10.00", "acabamento": {"ilhos": ILHOS_18}}, "Menor que os adicionais"),
        ({}, "Obrigatório"),
        ({"valor_base": "9999999999.00", "valores_adicionais": "1.00"}, "No máximo"),
    ],
)
def test_a_price_that_cannot_be_is_422_on_the_unit_price_with_the_other_problems(client, auth, fields, message):
    response = client.post("/pedidos/", json={"itens": [item(**fields)]}, headers=auth)
    assert response.status_code == 422
    problems = response.get_json()["error"]["fields"]
    assert problems["itens[0].valor_unitario"].startswith(message)
    assert problems["cliente"] == "Obrigatório"  # every problem at once
    assert client.get("/pedidos/", headers=auth).get_json() == []


@pytest.mark.parametrize(
    "largura, altura, quantidade, area",
    [("3.00", "1.00", 2, "6.00"), ("1.25", "0.75", 3, "2.81"), ("0.33", "0.33", 1, "0.11"), ("2.00", None, 1, None)],
)
def test_the_area_is_width_times_height_times_quantity_half_up(client, auth, largura, altura, quantidade, area):
    got = criar(client, auth, item(valor_base="1.00", largura=largura, altura=altura, quantidade=quantidade))
    assert got["itens"][0]["metro_quadrado"] == area


def test_an_item_keeps_its_detail_and_names_its_seller_and_designer(client, auth, admin):
    caio = catalogo(client, admin, "vendedores", nome="Caio", comissao_percentual="5")
    bia = catalogo(client, admin, "designers", nome="Bia")
    detalhe = item(
        valor_base="100.00", material="Lona 440g", vendedor_id=caio["id"], designer_id=bia["id"],
        acabamento={"overloque": True, "bainha": True, "ilhos": ILHOS_18}, emenda_quantidade=2,
        observacao="emenda na horizontal", detalhes={"cor_fundo": "azul", "frente_verso": True, "camadas": 2},
    )  # fmt: skip
    got = criar(client, auth, detalhe)["itens"][0]
    assert got["vendedor"] == {"id": caio["id"], "nome": "Caio"} and got["designer"] == {"id": bia["id"], "nome": "Bia"}
    assert got["acabamento"] == {
        "overloque": True, "elastico": False, "bainha": True,
        "ilhos": {"quantidade": 18, "espaco": "0.30", "valor_unitario": "1.00"}, "cordinha": None,
    }  # fmt: skip
    assert (got["material"], got["emenda_quantidade"], got["observacao"]) == ("Lona 440g", 2, "emenda na horizontal")
    assert got["detalhes"] == {"cor_fundo": "azul", "frente_verso": True, "camadas": 2}


def test_sending_back_the_items_as_received_changes_nothing(client, auth, admin):
    caio = catalogo(client, admin, "vendedores", nome="Caio")
    pedido = criar(client, auth, item(valor_base="100.00", vendedor_id=caio["id"], acabamento={"ilhos": ILHOS_18}))
    again = client.patch(f"/pedidos/{pedido['id']}", json={"itens": pedido["itens"]}, headers=auth)
    assert again.status_code == 200 and again.get_json()["versao"] == 1


def test_catalog_references_must_be_active_but_an_orders_own_stay_valid(client, auth, admin):
    caio = catalogo(client, admin, "vendedores", nome="Caio")
    pedido = criar(client, auth, item(valor_base="10.00", vendedor_id=caio["id"], tipo_producao="painel"))
    tipos = client.get("/catalogos/tipos-producao", headers=admin).get_json()
    painel = next(t for t in tipos if t["codigo"] == "painel")
    client.patch(f"/catalogos/vendedores/{caio['id']}", json={"ativo": False}, headers=admin)
    client.patch(f"/catalogos/tipos-producao/{painel['id']}", json={"ativo": False}, headers=admin)
    # A new order may not name them...
    refused = client.post(
        "/pedidos/", json={"cliente": "X", "itens": [item(valor_base="1.00", vendedor_id=caio["id"])]}, headers=auth
    )
    assert set(refused.get_json()["error"]["fields"]) == {"itens[0].tipo_producao", "itens[0].vendedor_id"}
    # ...but the order that has them keeps them when its items are sent again, changed or not.
    itens = [{**pedido["itens"][0], "quantidade": 3}]
    kept = client.patch(f"/pedidos/{pedido['id']}", json={"itens": itens}, headers=auth)
    assert kept.status_code == 200, kept.get_json()
    assert kept.get_json()["itens"][0]["vendedor"] == {"id": caio["id"], "nome": "Caio"}


@pytest.mark.parametrize(
    "fields, problem",
    [
        ({"tipo_producao": "banner-especial"}, "itens[0].tipo_producao"),
        ({"vendedor_id": 999}, "itens[0].vendedor_id"),
        ({"designer_id": 999}, "itens[0].designer_id"),
        ({"detalhes": {"cores": {"frente": "azul"}}}, "itens[0].detalhes"),
        ({"detalhes": {"lista": [1, 2]}}, "itens[0].detalhes"),
        ({"detalhes": {"texto": "x" * 5000}}, "itens[0].detalhes"),
        ({"detalhes": "azul"}, "itens[0].detalhes"),
        ({"acabamento": {"ilhos": {"quantidade": -1}}}, "itens[0].acabamento.ilhos.quantidade"),
        ({"acabamento": {"franja": True}}, "itens[0].acabamento.franja"),
        ({"emenda_quantidade": -1}, "itens[0].emenda_quantidade"),
        ({"largura": "99999999.00", "altura": "99999999.00"}, "itens[0].largura"),
    ],
)
def test_bad_item_detail_is_422_on_the_field_and_nothing_is_saved(client, auth, fields, problem):
    response = client.post(
        "/pedidos/", json={"cliente": "X", "itens": [item(valor_base="1.00", **fields)]}, headers=auth
    )
    assert response.status_code == 422, response.get_json()
    assert problem in response.get_json()["error"]["fields"]
    assert client.get("/pedidos/", headers=auth).get_json() == []


def test_revision_0009_brings_stored_items_forward(db_url):
    app = create_app({"TESTING": True, "SGP_DATABASE_URL": db_url, "SGP_SECRET_KEY": TEST_SECRET})
    with app.app_context():
        command.downgrade(schema._config(), "0008")
        db.session.execute(
            text("INSERT INTO pedidos (numero, cliente, cliente_busca, telefone_cliente, cidade_cliente, "
                 "estado_cliente, data_entrada, prioridade, status, observacao, forma_envio, tipo_pagamento, "
                 "valor_itens, valor_frete, versao, criado_em, atualizado_em) VALUES ('0000000001', 'Sol', 'sol', "
                 "'', '', '', '2026-11-29', 'NORMAL', 'pendente', '', '', '', 45000, 0, 1, CURRENT_TIMESTAMP, "
                 "CURRENT_TIMESTAMP)")
        )  # fmt: skip
        db.session.execute(
            text("INSERT INTO itens_pedido (pedido_id, descricao, tipo_producao, quantidade, valor_unitario, "
                 "largura, altura) VALUES (1, 'Banner', 'Sublimação', 3, 15000, 125, 75), "
                 "(1, 'Sem medida', '', 1, 0, NULL, 200)")
        )  # fmt: skip
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    app = create_app({"TESTING": True, "SGP_DATABASE_URL": db_url, "SGP_SECRET_KEY": TEST_SECRET})  # upgrades
    make_user(app, "ana", PASSWORD)
    client = app.test_client()
    token = client.post("/auth/login", json={"username": "ana", "password": PASSWORD}).get_json()["session_token"]
    itens = client.get("/pedidos/1", headers={"Authorization": f"Bearer {token}"}).get_json()["itens"]
    assert [(i["tipo_producao"], i["valor_base"], i["valor_unitario"], i["metro_quadrado"]) for i in itens] == [
        ("Sublimação", "150.00", "150.00", "2.81"),  # 1.25 × 0.75 × 3 = 2.8125
        ("", "0.00", "0.00", None),
    ]
    assert itens[0]["acabamento"]["ilhos"] is None and itens[0]["detalhes"] == {}
    with app.app_context():
        db.engine.dispose()
