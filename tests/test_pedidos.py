import pytest

NOVO = {
    "cliente": "Gráfica Sol",
    "telefone_cliente": "27999990000",
    "cidade_cliente": "Vitória",
    "estado_cliente": "ES",
    "data_entrada": "2026-11-29",
    "data_entrega": "2026-12-03",
    "prioridade": "NORMAL",
    "forma_envio": "Retirada",
    "tipo_pagamento": "Pix",
    "itens": [
        {
            "descricao": "Banner 2x1",
            "tipo_producao": "lona",
            "quantidade": 2,
            "valor_unitario": "150.00",
            "largura": "2.00",
            "altura": "1.00",
        }
    ],
    "valor_frete": "25.00",
}


@pytest.fixture
def criar(client, auth):
    def criar(**changes):
        response = client.post("/pedidos/", json={**NOVO, **changes}, headers=auth)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return criar


def patch(client, auth, pedido_id, body, **headers):
    return client.patch(f"/pedidos/{pedido_id}", json=body, headers={**auth, **headers})


def test_create_returns_the_order_with_location(client, auth):
    response = client.post("/pedidos/", json=NOVO, headers=auth)
    assert response.status_code == 201
    pedido = response.get_json()
    assert response.headers["Location"] == f"/pedidos/{pedido['id']}"
    assert pedido["numero"] == "0000000001"
    assert pedido["status"] == "pendente"
    assert pedido["versao"] == 1
    assert (pedido["valor_itens"], pedido["valor_frete"], pedido["valor_total"]) == ("300.00", "25.00", "325.00")
    item = pedido["itens"][0]
    assert {k: item[k] for k in NOVO["itens"][0]} == NOVO["itens"][0]
    # What the server adds: the base price (no extras: the unit price), the area, the subtotal, no details.
    assert (item["valor_base"], item["valores_adicionais"]) == ("150.00", "0.00")
    assert (item["metro_quadrado"], item["subtotal"]) == ("4.00", "300.00")
    assert (item["vendedor"], item["designer"], item["material"], item["detalhes"]) == (None, None, "", {})
    assert pedido["criado_em"].endswith("+00:00")
    assert set(pedido) == {
        "id",
        "numero",
        "cliente_id",
        "cliente",
        "telefone_cliente",
        "cidade_cliente",
        "estado_cliente",
        "data_entrada",
        "data_entrega",
        "prioridade",
        "status",
        "observacao",
        "forma_envio",
        "tipo_pagamento",
        "itens",
        "etapas",
        "valor_itens",
        "valor_frete",
        "valor_total",
        "capa_url",
        "valor_pago",
        "saldo",
        "situacao_pagamento",
        "criado_em",
        "atualizado_em",
        "versao",
    }
    assert (pedido["cliente_id"], pedido["valor_pago"], pedido["saldo"]) == (None, "0.00", "325.00")
    assert pedido["situacao_pagamento"] == "em_aberto"


def test_create_without_trailing_slash(client, auth):
    assert client.post("/pedidos", json=NOVO, headers=auth).status_code == 201


def test_every_route_requires_a_token(client, criar):
    pedido = criar()
    for method, path in (
        ("post", "/pedidos/"),
        ("get", "/pedidos/"),
        ("get", f"/pedidos/{pedido['id']}"),
        ("patch", f"/pedidos/{pedido['id']}"),
        ("delete", f"/pedidos/{pedido['id']}"),
        ("get", "/pedidos/eventos"),
    ):
        response = getattr(client, method)(path, json={})
        assert response.status_code == 401, (method, path)


def test_order_without_items_takes_valor_total(client, auth):
    body = {"cliente": "Ana", "valor_total": 100, "valor_frete": "10.5"}
    pedido = client.post("/pedidos/", json=body, headers=auth).get_json()
    assert (pedido["valor_itens"], pedido["valor_frete"], pedido["valor_total"]) == ("89.50", "10.50", "100.00")
    assert pedido["itens"] == []


def test_order_without_items_total_below_freight_is_422(client, auth):
    response = client.post("/pedidos/", json={"cliente": "Ana", "valor_total": "5", "valor_frete": "10"}, headers=auth)
    assert response.status_code == 422
    assert "valor_total" in response.get_json()["error"]["fields"]


def test_total_matching_the_items_is_accepted(criar):
    assert criar(valor_total="325.00")["valor_total"] == "325.00"


def test_total_differing_from_the_items_is_422(client, auth):
    response = client.post("/pedidos/", json={**NOVO, "valor_total": "300.00"}, headers=auth)
    assert response.status_code == 422
    assert "325.00" in response.get_json()["error"]["fields"]["valor_total"]


def test_money_is_exact(client, auth):
    itens = [{"descricao": "x", "quantidade": 3, "valor_unitario": 0.1}]
    pedido = client.post("/pedidos/", json={"cliente": "A", "itens": itens, "valor_frete": 0.2}, headers=auth)
    assert pedido.get_json()["valor_total"] == "0.50"


@pytest.mark.parametrize("value", ["-1", -0.01, "1.001", 1.005, "abc", "", "NaN", "Infinity", True, None, [], {}])
def test_bad_money_is_422(client, auth, value):
    response = client.post("/pedidos/", json={**NOVO, "valor_frete": value}, headers=auth)
    assert response.status_code == 422
    assert "valor_frete" in response.get_json()["error"]["fields"]


def test_nan_literal_in_json_is_422(client, auth):
    body = '{"cliente": "A", "valor_total": NaN}'
    response = client.post("/pedidos/", data=body, content_type="application/json", headers=auth)
    assert response.status_code == 422


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"cliente": None}, "cliente"),
        ({"cliente": "   "}, "cliente"),
        ({"cliente": 42}, "cliente"),
        ({"cliente": "x" * 201}, "cliente"),
        ({"prioridade": "URGENTE"}, "prioridade"),
        ({"status": "voando"}, "status"),
        ({"status": "pronto"}, "status"),
        ({"data_entrada": "29/11/2026"}, "data_entrada"),
        ({"data_entrega": "2026-11-01"}, "data_entrega"),
        ({"estado_cliente": "E1"}, "estado_cliente"),
        ({"itens": "banner"}, "itens"),
        ({"itens": [1]}, "itens[0]"),
        ({"itens": [{"descricao": "x", "quantidade": 0, "valor_unitario": "1"}]}, "itens[0].quantidade"),
        ({"itens": [{"descricao": "x", "quantidade": 1.5, "valor_unitario": "1"}]}, "itens[0].quantidade"),
        ({"itens": [{"descricao": "x", "quantidade": "2", "valor_unitario": "1"}]}, "itens[0].quantidade"),
        ({"itens": [{"quantidade": 1, "valor_unitario": "1"}]}, "itens[0].descricao"),
        ({"itens": [{"descricao": "x", "quantidade": 1, "valor_unitario": "-1"}]}, "itens[0].valor_unitario"),
        ({"itens": [{"descricao": "x", "quantidade": 1, "valor_unitario": "1", "cor": "azul"}]}, "itens[0].cor"),
        ({"numero": "123"}, "numero"),
        ({"versao": 9}, "versao"),
        ({"desconto": "1"}, "desconto"),
    ],
)
def test_invalid_field_is_422_naming_it(client, auth, changes, field):
    response = client.post("/pedidos/", json={**NOVO, **changes}, headers=auth)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"]


def test_missing_cliente_is_422(client, auth):
    body = {k: v for k, v in NOVO.items() if k != "cliente"}
    response = client.post("/pedidos/", json=body, headers=auth)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["cliente"] == "Obrigatório"


def test_every_problem_is_reported_at_once(client, auth):
    response = client.post("/pedidos/", json={"cliente": "", "prioridade": "X", "valor_frete": "-1"}, headers=auth)
    assert set(response.get_json()["error"]["fields"]) == {"cliente", "prioridade", "valor_frete"}


def test_rejected_create_stores_nothing(client, auth):
    client.post("/pedidos/", json={**NOVO, "valor_total": "1.00"}, headers=auth)
    assert client.get("/pedidos/", headers=auth).headers["X-Total-Count"] == "0"


@pytest.mark.parametrize("body", ['{"cliente": ', "[1, 2]", '"texto"', "null", "42"])
def test_body_that_is_not_a_json_object_is_400(client, auth, body):
    response = client.post("/pedidos/", data=body, content_type="application/json", headers=auth)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_json"


def test_body_that_is_not_json_is_415(client, auth):
    response = client.post(
        "/pedidos/", data="cliente=Ana", content_type="application/x-www-form-urlencoded", headers=auth
    )
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"


def test_body_over_the_limit_is_413(app, client, auth):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/pedidos/", json={**NOVO, "observacao": "x" * 2000}, headers=auth)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


def test_get_one_order(client, auth, criar):
    pedido = criar()
    response = client.get(f"/pedidos/{pedido['id']}", headers=auth)
    assert response.status_code == 200
    assert response.get_json() == pedido
    assert response.headers["ETag"] == '"1"'


def test_unknown_order_is_404(client, auth):
    for method in ("get", "patch", "delete"):
        response = getattr(client, method)("/pedidos/999", json={}, headers=auth)
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"


def test_numeros_are_sequential(criar):
    assert [criar()["numero"] for _ in range(3)] == ["0000000001", "0000000002", "0000000003"]


def test_patch_changes_fields_and_bumps_versao(client, auth, criar):
    pedido = criar()
    response = patch(client, auth, pedido["id"], {"observacao": "urgente", "prioridade": "ALTA"})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["observacao"], body["prioridade"], body["versao"]) == ("urgente", "ALTA", 2)
    assert response.headers["ETag"] == '"2"'


def test_patch_that_changes_nothing_keeps_versao(client, auth, criar):
    pedido = criar()
    response = patch(client, auth, pedido["id"], {"cliente": pedido["cliente"], "itens": NOVO["itens"]})
    assert response.status_code == 200
    assert response.get_json()["versao"] == 1
    assert len(client.get("/pedidos/eventos", headers=auth).get_json()) == 1


def test_patch_replaces_items_and_recomputes_totals(client, auth, criar):
    pedido = criar()
    itens = [{"descricao": "Adesivo", "quantidade": 10, "valor_unitario": "2.50"}]
    body = patch(client, auth, pedido["id"], {"itens": itens}).get_json()
    assert (body["valor_itens"], body["valor_total"]) == ("25.00", "50.00")
    assert [i["descricao"] for i in body["itens"]] == ["Adesivo"]


def test_patch_freight_recomputes_total(client, auth, criar):
    body = patch(client, auth, criar()["id"], {"valor_frete": "0"}).get_json()
    assert body["valor_total"] == "300.00"


def test_patch_wrong_total_is_422(client, auth, criar):
    assert patch(client, auth, criar()["id"], {"valor_total": "1.00"}).status_code == 422


def test_patch_validates_like_create(client, auth, criar):
    response = patch(client, auth, criar()["id"], {"cliente": "", "prioridade": "X"})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"cliente", "prioridade"}


@pytest.mark.parametrize(
    "path",
    [
        ["em_producao", "pronto", "entregue"],
        ["em_producao", "pendente", "em_producao", "pronto", "em_producao", "pronto", "cancelado"],
        ["cancelado"],
    ],
)
def test_allowed_transitions(client, auth, criar, path):
    pedido = criar()
    for status in path:
        response = patch(client, auth, pedido["id"], {"status": status})
        assert response.status_code == 200, (status, response.get_json())
        assert response.get_json()["status"] == status


@pytest.mark.parametrize(
    "path, forbidden",
    [
        ([], "pronto"),
        ([], "entregue"),
        (["em_producao"], "entregue"),
        (["em_producao", "pronto"], "pendente"),
    ],
)
def test_invalid_transition_is_409(client, auth, criar, path, forbidden):
    pedido = criar()
    for status in path:
        patch(client, auth, pedido["id"], {"status": status})
    response = patch(client, auth, pedido["id"], {"status": forbidden})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "invalid_transition"


@pytest.mark.parametrize("path", [["cancelado"], ["em_producao", "pronto", "entregue"]])
def test_final_order_cannot_change(client, auth, criar, path):
    pedido = criar()
    for status in path:
        patch(client, auth, pedido["id"], {"status": status})
    for change in ({"observacao": "x"}, {"status": "pendente"}, {"valor_frete": "1"}):
        response = patch(client, auth, pedido["id"], change)
        assert response.status_code == 409
        assert response.get_json()["error"]["code"] == "final_status"


def test_stale_if_match_is_412(client, auth, criar):
    pedido = criar()
    assert patch(client, auth, pedido["id"], {"observacao": "a"}, **{"If-Match": '"1"'}).status_code == 200
    response = patch(client, auth, pedido["id"], {"observacao": "b"}, **{"If-Match": "1"})
    assert response.status_code == 412
    assert response.get_json()["error"]["code"] == "version_mismatch"
    assert client.get(f"/pedidos/{pedido['id']}", headers=auth).get_json()["observacao"] == "a"


def test_malformed_if_match_is_400(client, auth, criar):
    assert patch(client, auth, criar()["id"], {"observacao": "a"}, **{"If-Match": "abc"}).status_code == 400


def test_delete_cancels_and_keeps_the_order(client, auth, criar):
    pedido = criar()
    response = client.delete(f"/pedidos/{pedido['id']}", headers=auth)
    assert response.status_code == 200
    assert response.get_json() == {"message": "Pedido cancelado com sucesso"}
    kept = client.get(f"/pedidos/{pedido['id']}", headers=auth).get_json()
    assert (kept["status"], kept["versao"]) == ("cancelado", 2)


def test_delete_twice_answers_200_and_changes_nothing(client, auth, criar):
    pedido = criar()
    client.delete(f"/pedidos/{pedido['id']}", headers=auth)
    assert client.delete(f"/pedidos/{pedido['id']}", headers=auth).status_code == 200
    assert client.get(f"/pedidos/{pedido['id']}", headers=auth).get_json()["versao"] == 2


def test_delivered_order_cannot_be_cancelled(client, auth, criar):
    pedido = criar()
    for status in ("em_producao", "pronto", "entregue"):
        patch(client, auth, pedido["id"], {"status": status})
    assert client.delete(f"/pedidos/{pedido['id']}", headers=auth).status_code == 409


def test_list_is_newest_first_with_total(client, auth, criar):
    ids = [criar()["id"] for _ in range(3)]
    response = client.get("/pedidos/", headers=auth)
    assert [p["id"] for p in response.get_json()] == ids[::-1]
    assert response.headers["X-Total-Count"] == "3"


def test_list_paging(client, auth, criar):
    ids = [criar()["id"] for _ in range(5)]
    response = client.get("/pedidos/?skip=1&limit=2", headers=auth)
    assert [p["id"] for p in response.get_json()] == ids[::-1][1:3]
    assert response.headers["X-Total-Count"] == "5"


@pytest.mark.parametrize(
    "query", ["limit=501", "limit=-1", "limit=abc", "skip=-1", "status=voando", "prioridade=baixa", "data_inicio=ontem"]
)
def test_bad_list_parameters_are_422(client, auth, query):
    assert client.get(f"/pedidos/?{query}", headers=auth).status_code == 422


def test_list_filters(client, auth, criar):
    a = criar(cliente="Gráfica Sol", prioridade="ALTA", data_entrada="2026-11-01", data_entrega=None)
    b = criar(cliente="Papelaria Lua", data_entrada="2026-11-15", data_entrega=None)
    c = criar(cliente="GRAFICA SOLAR", data_entrada="2026-11-30", data_entrega=None)
    patch(client, auth, b["id"], {"status": "em_producao"})

    def ids(query):
        return [p["id"] for p in client.get(f"/pedidos/?{query}", headers=auth).get_json()]

    assert ids("cliente=gráfica") == [c["id"], a["id"]]
    assert ids("cliente=GRAFICA sol") == [c["id"], a["id"]]
    assert ids("cliente=lua") == [b["id"]]
    assert ids("cliente=%25") == []
    assert ids("status=em_producao") == [b["id"]]
    assert ids("prioridade=ALTA") == [a["id"]]
    assert ids("data_inicio=2026-11-15") == [c["id"], b["id"]]
    assert ids("data_fim=2026-11-15") == [b["id"], a["id"]]
    assert ids("data_inicio=2026-11-15&data_fim=2026-11-15") == [b["id"]]


def test_the_client_search_ignores_accents_case_and_punctuation(client, auth, criar):
    arco = criar(cliente="Gráfica Arco-Íris", data_entrega=None)
    criar(cliente="Arcos Iristes", data_entrega=None)

    def ids(query):
        return [p["id"] for p in client.get(f"/pedidos/?cliente={query}", headers=auth).get_json()]

    for query in ("arco iris", "ARCO-IRIS", "arco  íris", "Arco-Íris", "grafica, arco"):
        assert ids(query) == [arco["id"]], query
    assert ids("--") == []  # punctuation alone matches nothing, rather than everything


def test_nul_character_is_422_not_a_database_error(client, auth):
    response = client.post("/pedidos/", json={**NOVO, "cliente": "Ana\x00"}, headers=auth)
    assert response.status_code == 422
    assert client.get("/pedidos/?cliente=a%00b", headers=auth).status_code == 422


def test_the_contract_serves_the_status_machine_the_service_enforces(client, auth, criar):
    contrato = client.get("/pedidos/contrato", headers=auth).get_json()
    assert contrato["status"] == ["pendente", "em_producao", "pronto", "entregue", "cancelado"]
    assert contrato["finais"] == ["entregue", "cancelado"] and contrato["prioridades"] == ["NORMAL", "ALTA"]
    assert contrato["tipos_evento"] == ["pedido_criado", "pedido_atualizado", "pedido_cancelado"]
    for origem, destinos in contrato["transicoes"].items():
        for destino in contrato["status"]:
            if origem == destino or origem in contrato["finais"]:
                continue
            pedido = criar()
            caminho = {"pendente": [], "em_producao": ["em_producao"], "pronto": ["em_producao", "pronto"]}[origem]
            for passo in caminho:
                assert patch(client, auth, pedido["id"], {"status": passo}).status_code == 200
            answer = patch(client, auth, pedido["id"], {"status": destino})
            assert answer.status_code == (200 if destino in destinos else 409), (origem, destino)


def test_the_contract_needs_a_token(client):
    assert client.get("/pedidos/contrato").status_code == 401
