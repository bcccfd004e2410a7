"""Reports and the day's strip on the board, in real headless Chromium against a real gunicorn: the
strip's numbers in the shop's today (the browser is 25 hours away from the shop), each a link that
filters the board; the Relatórios page with presets, two groupings, the chart, the table that adds up
to the API's total, the CSV and XLSX downloads, and its print layout; the strip on a phone."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.browser import artifact_path
from tests.conftest import add_users, start_module_server
from tests.test_board import rest

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (requirements-dev.txt)")
expect = playwright_api.expect

SHOP = "Pacific/Kiritimati"  # UTC+14
BROWSER = "Pacific/Pago_Pago"  # UTC−11: always another day than the shop's


@pytest.fixture(scope="module")
def server(module_db_url):
    add_users(module_db_url, "chefe", admin=True)
    server = start_module_server(module_db_url, SGP_TIMEZONE=SHOP)
    yield server
    server.stop(graceful=False)


def reais(valor):
    inteiro, centavos = f"{Decimal(valor):.2f}".split(".")
    return f"R$\xa0{int(inteiro):,}".replace(",", ".") + f",{centavos}"


def dia(hoje, dias):
    return (date.fromisoformat(hoje) + timedelta(days=dias)).isoformat()


def test_the_strip_counts_in_the_shops_today_and_each_number_filters_the_board(server, open_board):
    hoje = rest(server, "GET", "/relatorios/resumo", "chefe")["hoje"]
    pix = rest(server, "POST", "/catalogos/formas-pagamento", "chefe", json={"nome": "Pix"})["id"]

    def pedido(**fields):
        return rest(server, "POST", "/pedidos/", "chefe", json={"cliente": "Loja", "valor_total": "100.00", **fields})

    atrasado = pedido(cliente="Atrasado Ltda", data_entrada=dia(hoje, -5), data_entrega=dia(hoje, -1))
    de_hoje = pedido(cliente="Entrega Hoje SA", data_entrada=dia(hoje, -3), data_entrega=hoje)
    pago = pedido(cliente="Pago e Futuro", data_entrada=hoje, data_entrega=dia(hoje, 20))
    rest(
        server,
        "POST",
        f"/pedidos/{pago['id']}/pagamentos",
        "chefe",
        json={"valor": "100.00", "forma_pagamento_id": pix},
    )

    board = open_board(server, "chefe", timezone_id=BROWSER)
    page = board.page
    strip = page.locator("#resumo")
    expect(strip.locator("[data-filtro=atrasados] strong")).to_have_text("1")
    expect(strip.locator("[data-filtro=hoje] strong")).to_have_text("1")
    expect(strip.locator("[data-filtro=devendo] strong")).to_have_text(reais("200.00"))
    expect(strip.locator("[data-filtro='etapa:financeiro'] strong")).to_have_text("3")
    # The cards read the same today: due today is "Entrega hoje", though the browser is a day behind.
    expect(board.card(de_hoje["id"]).locator(".selo.hoje")).to_be_visible()
    expect(board.card(atrasado["id"]).locator(".selo.atraso")).to_be_visible()
    page.screenshot(path=artifact_path("strip.png"))

    strip.locator("[data-filtro=atrasados]").click()
    expect(page.locator("#filtro-ativo")).to_contain_text("Atrasados")
    expect(board.card(atrasado["id"])).to_be_visible()
    expect(board.card(de_hoje["id"])).to_have_count(0)
    expect(board.card(pago["id"])).to_have_count(0)
    assert page.evaluate("location.hash") == "#filtro=atrasados"

    strip.locator("[data-filtro=devendo]").click()
    expect(board.card(de_hoje["id"])).to_be_visible()
    expect(board.card(pago["id"])).to_have_count(0)

    # Live: an order that turns late elsewhere joins the strip's count.
    pedido(cliente="Outro Atrasado", data_entrada=dia(hoje, -9), data_entrega=dia(hoje, -2))
    expect(strip.locator("[data-filtro=atrasados] strong")).to_have_text("2")

    page.click("#filtro-limpar")
    expect(page.locator("#filtro-ativo")).to_be_hidden()
    expect(board.card(pago["id"])).to_be_visible()


def test_the_strip_scrolls_on_a_phone(server, open_board):
    board = open_board(server, "chefe", viewport={"width": 390, "height": 844})
    strip = board.page.locator("#resumo")
    expect(strip.locator("[data-filtro=atrasados]")).to_be_visible()
    assert strip.evaluate("e => getComputedStyle(e).overflowX") == "auto"
    assert strip.evaluate("e => e.getBoundingClientRect().width") <= 390
    board.page.screenshot(path=artifact_path("strip-phone.png"))


def test_month_end_by_seller_and_designer_with_freight_split_adds_up_and_downloads(server, open_board):
    hoje = rest(server, "GET", "/relatorios/resumo", "chefe")["hoje"]
    ana = rest(server, "POST", "/catalogos/vendedores", "chefe", json={"nome": "Ana Vendas"})["id"]
    bruno = rest(server, "POST", "/catalogos/vendedores", "chefe", json={"nome": "Bruno Vendas"})["id"]
    davi = rest(server, "POST", "/catalogos/designers", "chefe", json={"nome": "Davi Arte"})["id"]
    inicio_mes = hoje[:8] + "01"
    for n, (vendedor, valor) in enumerate([(ana, "100.00"), (bruno, "200.00"), (ana, "33.33")]):
        rest(server, "POST", "/pedidos/", "chefe", json={
            "cliente": f"Cliente {n}", "data_entrada": inicio_mes, "valor_frete": "10.00",
            "itens": [{"descricao": "Lona", "quantidade": 1, "valor_unitario": valor, "vendedor_id": vendedor,
                       "designer_id": davi if n else None},
                      {"descricao": "Adesivo", "quantidade": 2, "valor_unitario": "5.55", "vendedor_id": bruno}],
        })  # fmt: skip
    api = rest(server, "GET", "/relatorios/fechamento?agrupar=vendedor,designer&frete=proporcional", "chefe")

    board = open_board(server, "chefe", timezone_id=BROWSER)
    page = board.page
    page.click("#abrir-relatorios")
    dialogo = page.locator("#relatorios")
    expect(dialogo.locator("#relatorio-tabela tbody tr").first).to_be_visible()  # this month, by seller, at once
    form = dialogo.locator("#form-relatorio")
    form.locator("[name=agrupar2]").select_option("designer")
    form.locator("[name=frete]").select_option("proporcional")
    form.locator("button[type=submit]").click()
    expect(dialogo.locator("#relatorio-titulo")).to_contain_text("Vendedor e Designer")
    subtotais = dialogo.locator("#relatorio-linhas tr.subtotal")
    expect(subtotais).to_have_count(len(api["grupos"]))
    total = dialogo.locator("#relatorio-total tr.total td")
    expect(total.nth(6)).to_have_text(reais(api["total"]["valor_total"]))  # Total column
    expect(total.nth(5)).to_have_text(reais("30.00"))  # the freight, split, adds up to each order's once
    expect(dialogo.locator("svg.grafico-barras .barra")).to_have_count(len(api["grupos"]))
    expect(dialogo.locator("svg.grafico-barras .barra[data-rotulo='Ana Vendas']")).to_have_count(1)
    page.screenshot(path=artifact_path("relatorios.png"), full_page=True)

    with page.expect_download() as baixado:
        dialogo.locator("#relatorio-xlsx").click()
    download = baixado.value
    assert download.suggested_filename.startswith(
        "fechamento-vendedor-designer-"
    ) and download.suggested_filename.endswith(".xlsx")
    folha = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))["Fechamento"]
    assert folha.freeze_panes == "C2" and folha[folha.max_row][0].value == "Total"
    assert Decimal(str(folha[folha.max_row][8].value)).quantize(Decimal("0.01")) == Decimal(api["total"]["valor_total"])

    with page.expect_download() as baixado:
        dialogo.locator("#relatorio-csv").click()
    texto = Path(baixado.value.path()).read_text(encoding="utf-8-sig")
    linhas = list(csv.reader(io.StringIO(texto), delimiter=";"))
    assert linhas[0][:3] == ["Vendedor", "Designer", "Pedidos"] and linhas[-1][0] == "Total"

    # Last month: a preset, in the shop's calendar.
    anterior = date.fromisoformat(inicio_mes) - timedelta(days=1)
    form.locator("[name=periodo]").select_option("mes_passado")
    form.locator("button[type=submit]").click()
    expect(dialogo.locator("#relatorio-titulo")).to_contain_text(f"01/{anterior:%m/%Y} a {anterior:%d/%m/%Y}")

    # A range typed as people write dates; a wrong one says so and keeps the last report.
    form.locator("[name=periodo]").select_option("intervalo")
    form.locator("[name=de]").fill("31/02/2026")
    form.locator("button[type=submit]").click()
    expect(dialogo.locator("#relatorio-erro")).to_contain_text("dd/mm/aaaa")
    form.locator("[name=de]").fill("01/" + inicio_mes[5:7] + "/" + inicio_mes[:4])
    form.locator("[name=ate]").fill("28/" + inicio_mes[5:7] + "/" + inicio_mes[:4])
    form.locator("button[type=submit]").click()
    expect(dialogo.locator("#relatorio-total tr.total td").nth(6)).to_have_text(reais(api["total"]["valor_total"]))

    # Print: only the report (no filters, no buttons, no board), on a landscape page.
    page.evaluate("() => { window.print = () => { window.imprimiu = (window.imprimiu || 0) + 1; }; }")
    dialogo.locator("#relatorio-imprimir").click()
    assert page.evaluate("window.imprimiu") == 1
    page.emulate_media(media="print")
    expect(dialogo.locator("#relatorio-tabela")).to_be_visible()
    expect(dialogo.locator("#form-relatorio")).to_be_hidden()
    expect(page.locator("#tela-quadro")).to_be_hidden()
    page.emulate_media(media="screen")


def test_reports_are_offered_to_admins_and_the_finance_sector_only(server, module_db_url, open_board):
    add_users(module_db_url, "vera")
    board = open_board(server, "vera")
    expect(board.page.locator("#abrir-clientes")).to_be_visible()
    expect(board.page.locator("#abrir-relatorios")).to_be_hidden()
    expect(board.page.locator("#resumo [data-filtro=atrasados]")).to_be_visible()  # the strip is everyone's
