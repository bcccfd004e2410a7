"""Reports: the closing report checked figure by figure against a reckoning of its own (from the
orders as the API shows them, with its own largest-remainder split), both freight modes, period
and status boundaries, the downloads, and the board's day summary in the shop's time zone."""

import csv
import io
import random
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from sgp_app import config
from tests.conftest import PASSWORD, bearer
from tests.live import make_user

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CENT = Decimal("0.01")
TIPOS = {"lona": "Lona", "painel": "Painel", "adesivo": "Adesivo"}
FIGURAS = ("itens", "quantidade", "metro_quadrado", "valor_itens", "valor_frete", "valor_total", "valor_pago", "saldo")


@pytest.fixture
def catalogo(client, admin):
    def add(tipo, nome):
        answer = client.post(f"/catalogos/{tipo}", json={"nome": nome}, headers=admin)
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()["id"]

    return {
        "vendedores": [add("vendedores", "Ana"), add("vendedores", "Bruno"), add("vendedores", "Édson")],
        "designers": [add("designers", "Davi"), add("designers", "Eva")],
        "pix": add("formas-pagamento", "Pix"),
    }


def criar(client, headers, **fields):
    answer = client.post("/pedidos/", json={"cliente": "Gráfica Sol", **fields}, headers=headers)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def item(descricao, valor, quantidade=1, **fields):
    return {"descricao": descricao, "valor_unitario": valor, "quantidade": quantidade, **fields}


def pagar(client, headers, pedido_id, valor, forma):
    answer = client.post(
        f"/pedidos/{pedido_id}/pagamentos", json={"valor": valor, "forma_pagamento_id": forma}, headers=headers
    )
    assert answer.status_code == 201, answer.get_json()


def relatorio(client, headers, **params):
    answer = client.get("/relatorios/fechamento", query_string=params, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


# -- the independent reckoning ------------------------------------------------------------------


def rateio(inteiro: int, pesos: list[int]) -> list[int]:
    """Split ``inteiro`` cents by ``pesos``: floors, then a cent each to the largest remainders (first on ties)."""
    if sum(pesos) == 0:
        pesos = [1] * len(pesos)
    base = sum(pesos)
    partes = [inteiro * p // base for p in pesos]
    restos = sorted(range(len(pesos)), key=lambda n: (-(inteiro * pesos[n] % base), n))
    for n in restos[: inteiro - sum(partes)]:
        partes[n] += 1
    return partes


def cents(texto) -> int:
    return int(Decimal(texto) * 100)


def chave(dimensao, pedido, item_):
    if dimensao in ("vendedor", "designer"):
        ref = item_ and item_[dimensao]
        return ref["nome"] if ref else f"Sem {dimensao}"
    if dimensao == "cliente":
        return pedido["cliente"]
    if dimensao == "forma_envio":
        return pedido["forma_envio"] or "Sem forma de envio"
    if dimensao == "tipo_producao":  # the seeded catalog's names
        return TIPOS[item_["tipo_producao"]] if item_ and item_["tipo_producao"] else "Sem tipo"
    if dimensao == "material":
        return (item_ and item_["material"]) or "Sem material"
    if dimensao == "status":
        return pedido["status"]
    return date.fromisoformat(pedido["data_entrada"]).strftime("%d/%m/%Y")


def esperado(pedidos, dimensoes, frete):
    """{group labels: figures} for ``dimensoes`` (a tuple: () is the total), reckoned item by item."""
    grupos = defaultdict(lambda: defaultdict(int))
    vistos = defaultdict(set)
    for p in pedidos:
        itens = p["itens"] or [None]
        valores = [cents(i["valor_unitario"]) * i["quantidade"] if i else cents(p["valor_itens"]) for i in itens]
        fretes = rateio(cents(p["valor_frete"]), valores)
        pagos = rateio(cents(p["valor_pago"]), valores)
        for i, valor, frete_i, pago_i in zip(itens, valores, fretes, pagos, strict=True):
            rotulo = tuple(chave(d, p, i) for d in dimensoes)
            g = grupos[rotulo]
            g["itens"] += 1 if i else 0
            g["quantidade"] += i["quantidade"] if i else 0
            g["metro_quadrado"] += cents(i["metro_quadrado"]) if i and i["metro_quadrado"] else 0
            g["valor_itens"] += valor
            g["valor_pago"] += pago_i
            if frete == "proporcional":
                g["valor_frete"] += frete_i
            elif p["id"] not in vistos[rotulo]:
                g["valor_frete"] += cents(p["valor_frete"])
            vistos[rotulo].add(p["id"])
    answer = {}
    for rotulo, g in grupos.items():
        g["valor_total"] = g["valor_itens"] + g["valor_frete"]
        g["saldo"] = g["valor_total"] - g["valor_pago"]
        figuras = {k: (f"{Decimal(g[k]) / 100:.2f}" if k not in ("itens", "quantidade") else g[k]) for k in FIGURAS}
        answer[rotulo] = {"pedidos": len(vistos[rotulo]), **figuras}
    return answer


def obtido(report):
    """{group labels: figures} of an answer, subgroups flattened (and each top group on its own too)."""
    answer = {}
    for grupo in report["grupos"]:
        answer[(grupo["rotulo"],)] = {k: grupo[k] for k in ("pedidos", *FIGURAS)}
        for sub in grupo["subgrupos"]:
            answer[(grupo["rotulo"], sub["rotulo"])] = {k: sub[k] for k in ("pedidos", *FIGURAS)}
    return answer


ROTULO_STATUS = {"pendente": "Pendente", "em_producao": "Em produção", "pronto": "Pronto", "entregue": "Entregue"}


def comparar(report, pedidos, dimensoes, frete):
    for nivel in range(1, len(dimensoes) + 1):
        conta = esperado(pedidos, dimensoes[:nivel], frete)
        if "status" in dimensoes[:nivel]:
            conta = {tuple(ROTULO_STATUS.get(r, r) for r in k): v for k, v in conta.items()}
        tem = {k: v for k, v in obtido(report).items() if len(k) == nivel}
        assert tem.keys() == conta.keys(), dimensoes[:nivel]
        for grupo, figuras in conta.items():
            diferentes = {f: (tem[grupo][f], v) for f, v in figuras.items() if tem[grupo][f] != v}
            assert not diferentes, (dimensoes[:nivel], frete, grupo, diferentes)
    (total,) = esperado(pedidos, (), frete).values()
    assert {k: report["total"][k] for k in ("pedidos", *FIGURAS)} == total


@pytest.fixture
def loja(client, admin, catalogo):
    """A month of a shop: varied orders from 31/10 to 01/12, some paid, one cancelled, one without items."""
    sorteio = random.Random(26)
    vendedores, designers = catalogo["vendedores"] + [None], catalogo["designers"] + [None]
    dias = [date(2026, 10, 31), date(2026, 11, 1), date(2026, 11, 15), date(2026, 11, 30), date(2026, 12, 1)]
    clientes = ["Gráfica Sol", "Ótica Lua", "Bar do Zé", '=HYPERLINK("x")']
    pedidos = []
    for n in range(24):
        itens = []
        for k in range(sorteio.choice([1, 1, 2, 3, 4])):
            itens.append(
                item(
                    f"Item {n}.{k}",
                    f"{sorteio.randint(0, 40000) / 100:.2f}",
                    sorteio.randint(1, 5),
                    vendedor_id=sorteio.choice(vendedores),
                    designer_id=sorteio.choice(designers),
                    tipo_producao=sorteio.choice(["lona", "painel", "adesivo"]),
                    material=sorteio.choice(["Lona 440g", "Tecido", ""]),
                    largura=sorteio.choice([None, "1.25", "3.00"]),
                    altura=sorteio.choice([None, "0.70", "2.00"]),
                )
            )
        if n % 7 == 3:
            itens = [item("Três iguais", "1.00"), item("Três iguais", "1.00"), item("Três iguais", "1.00")]
        p = criar(
            client,
            admin,
            cliente=sorteio.choice(clientes),
            data_entrada=dias[n % len(dias)].isoformat(),
            data_entrega=f"2026-12-{1 + n % 9:02d}" if n % 4 else None,
            forma_envio=sorteio.choice(["Correios", "Retirada", ""]),
            valor_frete="0.10" if n % 7 == 3 else f"{sorteio.randint(0, 9999) / 100:.2f}",
            itens=itens,
        )
        if n % 3 and Decimal(p["valor_total"]) > 0:
            parte = (Decimal(p["valor_total"]) * Decimal(sorteio.choice(["0.33", "0.5", "1"]))).quantize(CENT)
            if parte > 0:
                pagar(client, admin, p["id"], str(parte), catalogo["pix"])
        pedidos.append(p["id"])
    sem_itens = criar(
        client, admin, cliente="Avulso", data_entrada="2026-11-20", valor_total="99.99", valor_frete="9.99"
    )
    cancelado = criar(client, admin, cliente="Desistiu", data_entrada="2026-11-10", itens=[item("Banner", "500.00")])
    assert client.delete(f"/pedidos/{cancelado['id']}", headers=admin).status_code in (200, 204)
    client.patch(f"/pedidos/{pedidos[1]}", json={"status": "em_producao"}, headers=admin)
    todos = client.get("/pedidos/?limit=500&status=pendente,em_producao,pronto,entregue,cancelado", headers=admin)
    return {p["id"]: p for p in todos.get_json()}, sem_itens["id"], cancelado["id"]


def de_novembro(pedidos, status=("pendente", "em_producao", "pronto", "entregue")):
    return [p for p in pedidos.values() if "2026-11-01" <= p["data_entrada"] <= "2026-11-30" and p["status"] in status]


NOVEMBRO = {"data_inicio": "2026-11-01", "data_fim": "2026-11-30"}


@pytest.mark.parametrize("frete", ["por_pedido", "proporcional"])
@pytest.mark.parametrize(
    "agrupar",
    [("vendedor",), ("designer",), ("cliente",), ("tipo_producao",), ("material",), ("forma_envio",), ("dia",),
     ("vendedor", "designer"), ("cliente", "vendedor"), ("dia", "tipo_producao"), ("status", "material")],
)  # fmt: skip
def test_every_figure_matches_a_reckoning_of_its_own(client, admin, loja, agrupar, frete):
    pedidos, _, _ = loja
    report = relatorio(client, admin, **NOVEMBRO, agrupar=",".join(agrupar), frete=frete)
    comparar(report, de_novembro(pedidos), agrupar, frete)
    assert report["filtros"]["agrupar"] == list(agrupar) and report["filtros"]["frete"] == frete


def test_with_freight_split_the_groups_add_up_to_the_total_to_the_cent(client, admin, loja):
    report = relatorio(client, admin, **NOVEMBRO, agrupar="vendedor,designer", frete="proporcional")
    for figura in FIGURAS:
        soma = sum(Decimal(str(g[figura])) for g in report["grupos"])
        assert soma == Decimal(str(report["total"][figura])), figura
        for g in report["grupos"]:
            assert sum(Decimal(str(s[figura])) for s in g["subgrupos"]) == Decimal(str(g[figura])), figura


@pytest.mark.parametrize(
    ("frete", "valores", "esperado"),
    [
        # api-sgp's example: R$ 50,00 over items of R$ 100,00 and R$ 200,00 is 16,67 + 33,33.
        ("50.00", ("100.00", "200.00"), [("Ana", "16.67", "116.67"), ("Bruno", "33.33", "233.33")]),
        # Two free items (a gift, a sample): a cent and a half each, so the first gets two, the second one.
        ("0.03", ("0.00", "0.00"), [("Ana", "0.02", "0.02"), ("Bruno", "0.01", "0.01")]),
    ],
)
def test_freight_split_to_the_cent_or_whole_in_each_group(client, admin, catalogo, frete, valores, esperado):
    ana, bruno, _ = catalogo["vendedores"]
    itens = [item("Faixa", valores[0], vendedor_id=ana), item("Painel", valores[1], vendedor_id=bruno)]
    criar(client, admin, data_entrada="2026-11-05", valor_frete=frete, itens=itens)
    split = relatorio(client, admin, **NOVEMBRO, frete="proporcional")
    assert [(g["rotulo"], g["valor_frete"], g["valor_total"]) for g in split["grupos"]] == esperado
    assert split["total"]["valor_frete"] == frete
    once_each = relatorio(client, admin, **NOVEMBRO)
    assert [g["valor_frete"] for g in once_each["grupos"]] == [frete, frete]
    assert once_each["total"]["valor_frete"] == frete and once_each["total"]["pedidos"] == 1
    assert [g["pedidos"] for g in once_each["grupos"]] == [1, 1]


def test_a_period_takes_its_first_and_last_day_and_nothing_beyond(client, admin, loja):
    pedidos, _, _ = loja
    report = relatorio(client, admin, **NOVEMBRO, agrupar="dia")
    dias = [g["chave"] for g in report["grupos"]]
    assert dias == ["2026-11-01", "2026-11-15", "2026-11-20", "2026-11-30"]
    assert report["total"]["pedidos"] == len(de_novembro(pedidos))
    um_dia = relatorio(client, admin, data_inicio="2026-12-01", data_fim="2026-12-01", agrupar="dia")
    assert [g["rotulo"] for g in um_dia["grupos"]] == ["01/12/2026"]


def test_cancelled_orders_only_when_asked(client, admin, loja):
    pedidos, _, cancelado = loja
    default = relatorio(client, admin, **NOVEMBRO, agrupar="status")
    assert "cancelado" not in [g["chave"] for g in default["grupos"]]
    assert default["filtros"]["status"] == ["pendente", "em_producao", "pronto", "entregue"]
    only = relatorio(client, admin, **NOVEMBRO, agrupar="cliente", status="cancelado")
    assert [(g["rotulo"], g["valor_total"]) for g in only["grupos"]] == [("Desistiu", "500.00")]
    comparar(only, de_novembro(pedidos, ("cancelado",)), ("cliente",), "por_pedido")


def test_by_due_date_orders_without_one_are_left_out(client, admin, loja):
    pedidos, _, _ = loja
    report = relatorio(client, admin, data_inicio="2026-12-01", data_fim="2026-12-05", data_por="entrega")
    esperados = [
        p for p in pedidos.values()
        if p["data_entrega"] and "2026-12-01" <= p["data_entrega"] <= "2026-12-05" and p["status"] != "cancelado"
    ]  # fmt: skip
    assert report["total"]["pedidos"] == len(esperados) > 0
    comparar(report, esperados, ("vendedor",), "por_pedido")


def test_an_order_without_items_counts_its_typed_value(client, admin, loja):
    pedidos, sem_itens, _ = loja
    report = relatorio(client, admin, data_inicio="2026-11-20", data_fim="2026-11-20", agrupar="vendedor")
    assert [(g["rotulo"], g["itens"], g["valor_itens"], g["valor_frete"]) for g in report["grupos"]] == [
        ("Sem vendedor", 0, "90.00", "9.99")
    ]


def test_by_value_the_largest_group_comes_first(client, admin, loja):
    report = relatorio(client, admin, **NOVEMBRO, agrupar="cliente", ordenar="valor_total")
    totais = [Decimal(g["valor_total"]) for g in report["grupos"]]
    assert totais == sorted(totais, reverse=True)


def test_this_month_when_no_period_is_given_in_the_shops_time_zone(client, admin, monkeypatch, catalogo):
    """At 23:30 in São Paulo on 30/11 (02:30 UTC on 01/12) an order with no entry date gets 30/11, and
    "this month" is November: every today the server reckons is the shop's."""
    monkeypatch.setattr(config, "agora", lambda: datetime(2026, 12, 1, 2, 30, tzinfo=UTC))
    p = criar(client, admin, itens=[item("Adesivo", "80.00")])
    assert p["data_entrada"] == "2026-11-30"
    report = relatorio(client, admin)
    assert report["filtros"]["data_inicio"] == "2026-11-01" and report["filtros"]["data_fim"] == "2026-11-30"
    assert report["total"]["pedidos"] == 1 and report["total"]["valor_total"] == "80.00"
    assert relatorio(client, admin, data_inicio="2026-12-01", data_fim="2026-12-31")["total"]["pedidos"] == 0
    resumo = client.get("/relatorios/resumo", headers=admin).get_json()
    assert resumo["hoje"] == "2026-11-30" and resumo["metro_quadrado_mes"] == "0.00"


def test_only_admins_and_the_finance_sector_see_reports(app, client, admin):
    make_user(app, "vera", PASSWORD)
    vera = bearer(client, "vera")
    assert client.get("/relatorios/fechamento", headers=vera).status_code == 403
    vera_id = client.get("/usuarios", headers=admin).get_json()[-1]["id"]
    client.patch(f"/usuarios/{vera_id}", json={"setores": ["financeiro"]}, headers=admin)
    assert client.get("/relatorios/fechamento", headers=vera).status_code == 200
    assert client.get("/relatorios/fechamento").status_code == 401
    make_user(app, "zeca", PASSWORD)
    assert client.get("/relatorios/resumo", headers=bearer(client, "zeca")).status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"agrupar": "vendedor,designer,cliente"},
        {"agrupar": "vendedor,vendedor"},
        {"agrupar": "comissao"},
        {"agrupar": ""},
        {"frete": "metade"},
        {"data_inicio": "2026-11-30", "data_fim": "2026-11-01"},
        {"data_inicio": "30/11/2026"},
        {"status": "pendente,arquivado"},
        {"data_por": "criacao"},
    ],
)
def test_a_bad_question_is_422_and_says_why(client, admin, params):
    answer = client.get("/relatorios/fechamento", query_string=params, headers=admin)
    assert answer.status_code == 422
    assert answer.get_json()["error"]["message"]


def test_csv_opens_in_a_brazilian_spreadsheet(client, admin, loja):
    report = relatorio(client, admin, **NOVEMBRO, agrupar="cliente,vendedor")
    answer = client.get(
        "/relatorios/fechamento",
        query_string={**NOVEMBRO, "agrupar": "cliente,vendedor"},
        headers={**admin, "Accept": "text/csv"},
    )
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert 'filename="fechamento-cliente-vendedor-2026-11-01-a-2026-11-30.csv"' in answer.headers["Content-Disposition"]
    assert answer.data.startswith(b"\xef\xbb\xbf") and b"\r\n" in answer.data
    rows = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Cliente", "Vendedor", "Pedidos", "Itens", "Quantidade", "m²", "Valor dos itens", "Frete",
                       "Total", "Pago", "Saldo"]  # fmt: skip
    total = report["total"]
    assert rows[-1][:3] == ["Total", "", str(total["pedidos"])]
    assert rows[-1][-1] == total["saldo"].replace(".", ",")
    subtotais = [r for r in rows if r[1] == "Subtotal"]
    assert len(subtotais) == len(report["grupos"])
    assert len(rows) == 2 + len(report["grupos"]) + sum(len(g["subgrupos"]) for g in report["grupos"])
    assert all(not r[0].startswith("=") for r in rows)  # a customer named like a formula stays text
    assert any(r[0] == '\'=HYPERLINK("x")' for r in rows)


def test_xlsx_has_typed_numbers_money_formats_subtotals_and_a_frozen_header(client, admin, loja):
    report = relatorio(client, admin, **NOVEMBRO, agrupar="dia,vendedor", frete="proporcional")
    answer = client.get(
        "/relatorios/fechamento",
        query_string={**NOVEMBRO, "agrupar": "dia,vendedor", "frete": "proporcional"},
        headers={**admin, "Accept": XLSX},
    )
    assert answer.status_code == 200 and answer.mimetype == XLSX
    livro = load_workbook(io.BytesIO(answer.data))
    folha = livro["Fechamento"]
    assert folha.freeze_panes == "C2"
    assert [c.value for c in folha[1]][:3] == ["Dia", "Vendedor", "Pedidos"]
    primeira = folha[2]
    assert primeira[0].value == datetime(2026, 11, 1) and primeira[0].number_format == "DD/MM/YYYY"
    assert isinstance(primeira[2].value, int)
    assert isinstance(primeira[6].value, (int, float)) and "R$" in primeira[6].number_format
    subtotais = [row for row in folha.iter_rows(min_row=2) if row[1].value == "Subtotal"]
    assert len(subtotais) == len(report["grupos"]) and all(row[0].font.b for row in subtotais)
    ultima = folha[folha.max_row]
    assert ultima[0].value == "Total" and ultima[0].font.b
    assert Decimal(str(ultima[8].value)).quantize(CENT) == Decimal(report["total"]["valor_total"])
    filtros = {row[0].value: row[1].value for row in livro["Filtros"].iter_rows()}
    assert filtros["Frete"] == "rateado entre os itens pelo valor" and filtros["De"] == datetime(2026, 11, 1)


# -- the day's summary ----------------------------------------------------------------------------


def test_the_summary_counts_what_the_board_links_to(client, admin, monkeypatch, catalogo):
    monkeypatch.setattr(config, "agora", lambda: datetime(2026, 11, 20, 15, 0, tzinfo=UTC))
    atrasado = criar(client, admin, data_entrada="2026-11-01", data_entrega="2026-11-19", valor_total="100.00")
    hoje = criar(client, admin, data_entrada="2026-11-02", data_entrega="2026-11-20", valor_total="50.00")
    semana = criar(client, admin, data_entrada="2026-11-03", data_entrega="2026-11-27", valor_total="10.00")
    criar(client, admin, data_entrada="2026-11-03", data_entrega="2026-11-28", valor_total="10.00")  # day 8
    pronto = criar(client, admin, data_entrada="2026-11-04", data_entrega="2026-11-18", valor_total="70.00")
    entregue = criar(client, admin, data_entrada="2026-11-04", data_entrega="2026-11-10", valor_total="30.00")
    cancelado = criar(client, admin, data_entrada="2026-11-05", data_entrega="2026-11-10", valor_total="999.00")
    criar(client, admin, data_entrada="2026-10-31", itens=[item("Lona", "10.00", 2, largura="2.00", altura="1.50")])
    criar(client, admin, data_entrada="2026-11-06", itens=[item("Lona", "10.00", 3, largura="1.00", altura="0.50")])
    for p, caminho in ((pronto, ("em_producao", "pronto")), (entregue, ("em_producao", "pronto", "entregue"))):
        for status in caminho:
            assert client.patch(f"/pedidos/{p['id']}", json={"status": status}, headers=admin).status_code == 200
    client.delete(f"/pedidos/{cancelado['id']}", headers=admin)
    pagar(client, admin, hoje["id"], "50.00", catalogo["pix"])
    pagar(client, admin, semana["id"], "4.00", catalogo["pix"])
    pagar(client, admin, entregue["id"], "30.00", catalogo["pix"])
    client.patch(f"/pedidos/{atrasado['id']}/etapas", json={"etapa": "financeiro", "feita": True}, headers=admin)

    resumo = client.get("/relatorios/resumo", headers=admin).get_json()
    assert resumo["hoje"] == "2026-11-20"
    assert (resumo["atrasados"], resumo["entrega_hoje"], resumo["entrega_7_dias"]) == (2, 1, 1)
    assert resumo["prontos_nao_entregues"] == 1
    # 100 + 6 + 10 + 70 + 20 + 30 owed; the cancelled order's 999 is not.
    assert resumo["saldo_em_aberto"] == {"pedidos": 6, "valor": "236.00"}
    assert resumo["metro_quadrado_mes"] == "1.50"
    assert resumo["por_etapa"]["conferencia"] == 1 and resumo["por_etapa"]["financeiro"] == 6
    assert list(resumo["por_etapa"]) == ["financeiro", "conferencia", "sublimacao", "costura", "expedicao"]

    # Each figure is a filter of the order list: the board's links find the same orders.
    abertos = "pendente,em_producao,pronto"

    def conta(**params):
        answer = client.get("/pedidos/", query_string={**params, "limit": 0}, headers=admin)
        assert answer.status_code == 200, answer.get_json()
        return int(answer.headers["X-Total-Count"])

    assert conta(status=abertos, entrega_ate="2026-11-19") == resumo["atrasados"]
    assert conta(status=abertos, entrega_de="2026-11-20", entrega_ate="2026-11-20") == resumo["entrega_hoje"]
    assert conta(status=abertos, entrega_de="2026-11-21", entrega_ate="2026-11-27") == resumo["entrega_7_dias"]
    assert conta(status="pronto") == resumo["prontos_nao_entregues"]
    devendo = conta(status="pendente,em_producao,pronto,entregue", pagamento="em_aberto,parcial")
    assert devendo == resumo["saldo_em_aberto"]["pedidos"]
    for etapa, n in resumo["por_etapa"].items():
        assert conta(etapa=etapa) == n


def test_the_contract_names_the_shops_time_zone(client, admin):
    assert client.get("/pedidos/contrato", headers=admin).get_json()["fuso_horario"] == "America/Sao_Paulo"


def test_names_that_look_alike_are_one_customer_and_hostile_text_downloads_safely(client, admin):
    """ "José" typed with a combining accent is the same customer as "José"; a name with a control
    character or a formula still downloads as text (XLSX cannot hold control characters: "?")."""
    criar(client, admin, cliente="José da Silva", data_entrada="2026-11-03", valor_total="10.00")
    criar(client, admin, cliente="Jose\u0301 da Silva", data_entrada="2026-11-04", valor_total="5.00")
    criar(client, admin, cliente="Sino\x07 Ltda\r\n=1+1", data_entrada="2026-11-05", valor_total="1.00")
    criar(client, admin, cliente="@SUM(A1)", data_entrada="2026-11-05", valor_total="2.00")
    report = relatorio(client, admin, **NOVEMBRO, agrupar="cliente")
    assert [(g["chave"], g["pedidos"], g["valor_total"]) for g in report["grupos"]][1:] == [
        ("jose da silva", 2, "15.00"),
        ("sino ltda 1 1", 1, "1.00"),
    ]
    xlsx = client.get("/relatorios/fechamento", query_string={**NOVEMBRO, "agrupar": "cliente"},
                      headers={**admin, "Accept": XLSX})  # fmt: skip
    assert xlsx.status_code == 200
    rotulos = [row[0].value for row in load_workbook(io.BytesIO(xlsx.data))["Fechamento"].iter_rows(min_row=2)]
    assert rotulos[0] == "@SUM(A1)" and rotulos[2] == "Sino? Ltda\n=1+1"  # XML keeps no CR
    assert load_workbook(io.BytesIO(xlsx.data))["Fechamento"]["A2"].data_type == "s"
    texto = client.get("/relatorios/fechamento", query_string={**NOVEMBRO, "agrupar": "cliente"},
                       headers={**admin, "Accept": "text/csv"}).data.decode("utf-8-sig")  # fmt: skip
    rows = list(csv.reader(io.StringIO(texto), delimiter=";"))
    assert rows[1][0] == "'@SUM(A1)" and rows[3][0] == "Sino\x07 Ltda\r\n=1+1"


def test_the_strip_reads_only_the_orders_that_owe(app, client, admin):
    """ "a receber" is asked as the partial index ix_pedidos_saldo is written, so the database reads
    the index's range above zero, not every order: the statement the route sends, explained."""
    from sqlalchemy import event, inspect

    from sgp_app.extensions import db
    from sgp_app.models import SALDO_SQL

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            assert "ix_pedidos_saldo" in {i["name"] for i in inspect(db.engine).get_indexes("pedidos")}
            return
        sent = []

        def remember(conn, cursor, statement, parameters, context, executemany):
            if SALDO_SQL in statement:
                sent.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", remember)
        try:
            assert client.get("/relatorios/resumo", headers=admin).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", remember)
        ((statement, parameters),) = sent
        plan = db.engine.raw_connection().execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
    assert any("SEARCH" in str(row) and "ix_pedidos_saldo" in str(row) for row in plan), plan  # not a SCAN
