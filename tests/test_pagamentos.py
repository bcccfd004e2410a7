"""Payments: recorded by admins and sector financeiro, never past the balance, never on a cancelled
order, reversed but kept; every order says what it has been paid and what it still owes, and each
payment and reversal is a change of the order (version, history, event)."""

from decimal import Decimal

import pytest

from sgp_app.testing import capture_eventos
from tests.conftest import PASSWORD, bearer
from tests.live import make_user


@pytest.fixture
def pix(client, admin):
    return client.post("/catalogos/formas-pagamento", json={"nome": "Pix"}, headers=admin).get_json()["id"]


def pedido(client, headers, total="240.00"):
    answer = client.post("/pedidos/", json={"cliente": "Gráfica Sol", "valor_total": total}, headers=headers)
    assert answer.status_code == 201
    return answer.get_json()


def pagar(client, headers, pedido_id, valor, forma, **fields):
    return client.post(
        f"/pedidos/{pedido_id}/pagamentos",
        json={"valor": valor, "forma_pagamento_id": forma, **fields},
        headers=headers,
    )


def situacao(client, headers, pedido_id):
    p = client.get(f"/pedidos/{pedido_id}", headers=headers).get_json()
    return p["valor_pago"], p["saldo"], p["situacao_pagamento"]


def test_a_deposit_then_the_rest_on_delivery(app, client, admin, pix):
    p = pedido(client, admin)
    assert (p["valor_pago"], p["saldo"], p["situacao_pagamento"]) == ("0.00", "240.00", "em_aberto")
    with capture_eventos(app) as eventos:
        sinal = pagar(client, admin, p["id"], "120.00", pix, data="2026-11-30", observacao="sinal de 50%")
    assert sinal.status_code == 201, sinal.get_json()
    body = sinal.get_json()
    assert body["valor"] == "120.00" and body["forma_pagamento"] == {"id": pix, "nome": "Pix"}
    assert body["data"] == "2026-11-30" and body["usuario"]["username"] == "chefe" and body["estornado_em"] is None
    assert [e["type"] for e in eventos] == ["pedido_atualizado"]
    assert situacao(client, admin, p["id"]) == ("120.00", "120.00", "parcial")
    client.patch(f"/pedidos/{p['id']}", json={"status": "em_producao"}, headers=admin)
    client.patch(f"/pedidos/{p['id']}", json={"status": "pronto"}, headers=admin)
    client.patch(f"/pedidos/{p['id']}", json={"status": "entregue"}, headers=admin)
    resto = pagar(client, admin, p["id"], 120, pix)  # a number is taken too; a delivered order still takes payment
    assert resto.status_code == 201 and resto.get_json()["data"]  # today, in the shop's time zone
    assert situacao(client, admin, p["id"]) == ("240.00", "0.00", "pago")
    listed = client.get(f"/pedidos/{p['id']}/pagamentos", headers=admin).get_json()
    assert [x["valor"] for x in listed] == ["120.00", "120.00"]
    historico = client.get(f"/pedidos/{p['id']}/historico", headers=admin).get_json()
    assert historico[1]["alteracoes"]["valor_pago"] == {"de": "0.00", "para": "120.00"}
    assert historico[1]["alteracoes"]["pagamento"]["para"]["valor"] == "120.00"


def test_no_payment_past_the_balance_and_none_on_a_cancelled_order(client, admin, pix):
    p = pedido(client, admin, "100.00")
    assert pagar(client, admin, p["id"], "60.00", pix).status_code == 201
    over = pagar(client, admin, p["id"], "40.01", pix)
    assert (
        over.status_code == 422
        and over.get_json()["error"]["fields"]["valor"] == "Maior que o saldo do pedido (R$ 40,00)"
    )
    for bad in ("0", "-5", "1.001", "abc"):
        assert pagar(client, admin, p["id"], bad, pix).status_code == 422
    assert pagar(client, admin, p["id"], "1.00", 999).status_code == 422
    client.delete(f"/pedidos/{p['id']}", headers=admin)
    assert pagar(client, admin, p["id"], "1.00", pix).status_code == 409
    assert pagar(client, admin, 999, "1.00", pix).status_code == 404
    # A cancelled order's payment can still be reversed (the money goes back).
    reversed_ = client.post(f"/pedidos/{p['id']}/pagamentos/1/estorno", headers=admin)
    assert reversed_.status_code == 200
    assert situacao(client, admin, p["id"])[:2] == ("0.00", "100.00")


def test_a_reversal_is_kept_and_happens_once(app, client, admin, pix):
    p = pedido(client, admin)
    paid = pagar(client, admin, p["id"], "240.00", pix).get_json()
    url = f"/pedidos/{p['id']}/pagamentos/{paid['id']}/estorno"
    with capture_eventos(app) as eventos:
        answer = client.post(url, headers=admin)
    assert answer.status_code == 200 and answer.get_json()["estornado_em"]
    assert answer.get_json()["estornado_por"]["username"] == "chefe"
    assert [e["type"] for e in eventos] == ["pedido_atualizado"]
    assert client.post(url, headers=admin).status_code == 409
    assert client.post(f"/pedidos/{p['id']}/pagamentos/999/estorno", headers=admin).status_code == 404
    other = pedido(client, admin)
    assert client.post(f"/pedidos/{other['id']}/pagamentos/{paid['id']}/estorno", headers=admin).status_code == 404
    listed = client.get(f"/pedidos/{p['id']}/pagamentos", headers=admin).get_json()
    assert len(listed) == 1 and listed[0]["estornado_em"] is not None
    assert situacao(client, admin, p["id"]) == ("0.00", "240.00", "em_aberto")
    assert client.get(f"/pedidos/{p['id']}", headers=admin).get_json()["versao"] == 3


def test_only_admins_and_sector_financeiro_take_payments(app, client, admin, pix):
    p = pedido(client, admin)
    make_user(app, "ana", PASSWORD)
    ana = bearer(client, "ana")
    assert pagar(client, ana, p["id"], "10.00", pix).status_code == 403
    # financeiro is a sector even where SGP_ETAPAS has no step of that name.
    app.config["SGP_ETAPAS"] = "conferencia,expedicao"
    caixa = make_user(app, "caixa", PASSWORD)
    setores = client.patch(f"/usuarios/{caixa['id']}", json={"setores": ["financeiro"]}, headers=admin)
    assert setores.status_code == 200, setores.get_json()
    caixa_h = bearer(client, "caixa")
    paid = pagar(client, caixa_h, p["id"], "10.00", pix)
    assert paid.status_code == 201
    assert client.post(f"/pedidos/{p['id']}/pagamentos/{paid.get_json()['id']}/estorno", headers=ana).status_code == 403
    assert client.get(f"/pedidos/{p['id']}/pagamentos", headers=ana).status_code == 200  # everyone reads


def test_payment_situations_filter_the_list_and_credit_shows_below_zero(client, admin, pix):
    aberto, parcial, pago, credito = (pedido(client, admin, "100.00") for _ in range(4))
    pagar(client, admin, parcial["id"], "30.00", pix)
    pagar(client, admin, pago["id"], "100.00", pix)
    pagar(client, admin, credito["id"], "100.00", pix)
    lowered = client.patch(f"/pedidos/{credito['id']}", json={"valor_total": "80.00"}, headers=admin).get_json()
    assert (lowered["saldo"], lowered["situacao_pagamento"]) == ("-20.00", "credito")

    def ids(situacoes):
        answer = client.get("/pedidos/", query_string={"pagamento": situacoes}, headers=admin)
        assert answer.status_code == 200, answer.get_json()
        return {x["id"] for x in answer.get_json()}

    assert ids("em_aberto") == {aberto["id"]}
    assert ids("parcial") == {parcial["id"]}
    assert ids("pago") == {pago["id"]}
    assert ids("credito") == {credito["id"]}
    assert ids("em_aberto,parcial") == {aberto["id"], parcial["id"]}
    for bad in ("", "devendo", "pago,", "PAGO"):
        assert client.get("/pedidos/", query_string={"pagamento": bad}, headers=admin).status_code == 422
    contrato = client.get("/pedidos/contrato", headers=admin).get_json()
    assert contrato["situacoes_pagamento"] == ["em_aberto", "parcial", "pago", "credito"]


def test_money_is_exact_over_many_small_payments(client, admin, pix):
    p = pedido(client, admin, "1.00")
    for _ in range(10):
        assert pagar(client, admin, p["id"], "0.10", pix).status_code == 201
    assert situacao(client, admin, p["id"]) == ("1.00", "0.00", "pago")
    assert sum(Decimal(x["valor"]) for x in client.get(f"/pedidos/{p['id']}/pagamentos", headers=admin).get_json()) == 1
