"""Customers and payments on the board, in real headless Chromium against a real gunicorn server:
the order form's customer autocomplete (keyboard and mouse), the Clientes page (search, create,
edit, a CSV import shown before it is kept, export), the drawer's payments (record with the
balance prefilled, reverse), balances on the cards, the payment filter, and the work order."""

import re

import pytest
import requests

from tests.browser import artifact_path
from tests.conftest import add_users, start_module_server
from tests.test_board import rest

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (requirements-dev.txt)")
expect = playwright_api.expect


@pytest.fixture(scope="module")
def server(module_db_url):
    add_users(module_db_url, "chefe", admin=True)
    add_users(module_db_url, "caixa")
    server = start_module_server(module_db_url)
    caixa = next(u for u in rest(server, "GET", "/usuarios", "chefe") if u["username"] == "caixa")
    rest(server, "PATCH", f"/usuarios/{caixa['id']}", "chefe", json={"setores": ["financeiro"]})
    rest(server, "POST", "/catalogos/formas-pagamento", "chefe", json={"nome": "Pix"})
    rest(server, "POST", "/catalogos/formas-pagamento", "chefe", json={"nome": "Dinheiro"})
    yield server
    server.stop(graceful=False)


def cliente(server, **fields):
    return rest(server, "POST", "/clientes", "chefe", json=fields)


def test_a_returning_customer_is_picked_in_two_keystrokes_and_fills_the_order(server, open_board):
    marta = cliente(server, nome="Marta Quintela Serigrafia", telefone="(27) 98123-4567", cidade="Serra",
                    estado="ES", documento="529.982.247-25")  # fmt: skip
    cliente(server, nome="Mário Quintino", telefone="11 3333-0000", cidade="São Paulo", estado="SP")
    board = open_board(server, "ana")
    page = board.page
    page.click("#abrir-novo")
    campo = page.locator("#form-novo [name=cliente]")
    campo.press_sequentially("qu")  # two keystrokes
    sugestoes = page.locator("#form-novo .sugestoes [role=option]")
    expect(sugestoes).to_have_count(2)  # by name: Mário, then Marta
    expect(sugestoes.nth(1)).to_contain_text("Marta Quintela Serigrafia")
    expect(sugestoes.nth(1)).to_contain_text("CPF 529.982.247-25")
    campo.press("ArrowDown")
    campo.press("ArrowDown")
    expect(sugestoes.nth(1)).to_have_attribute("aria-selected", "true")
    expect(campo).to_have_attribute("aria-activedescendant", re.compile(r"-1$"))
    page.screenshot(path=artifact_path("customer-autocomplete.png"))
    campo.press("Enter")  # chooses; the order is not sent yet
    expect(page.locator("#dialogo-novo")).to_be_visible()
    expect(campo).to_have_value("Marta Quintela Serigrafia")
    expect(page.locator("#form-novo [name=telefone_cliente]")).to_have_value("(27) 98123-4567")
    expect(page.locator("#form-novo [name=cidade_cliente]")).to_have_value("Serra")
    expect(page.locator("#form-novo [name=estado_cliente]")).to_have_value("ES")
    expect(page.locator("#form-novo .selo-cliente")).to_be_visible()
    page.fill("#itens .item [name=descricao]", "Camisetas")
    page.fill("#itens .item [name=valor_unitario]", "30,00")
    page.click("#form-novo button[type=submit]")
    expect(page.locator("#dialogo-novo")).to_be_hidden()
    pedidos = rest(server, "GET", f"/clientes/{marta['id']}/pedidos")
    assert len(pedidos) == 1 and pedidos[0]["cliente_id"] == marta["id"]
    # The mouse chooses too; typing over a chosen name makes it a name only again.
    page.click("#abrir-novo")
    campo.press_sequentially("mário")
    page.locator("#form-novo .sugestoes [role=option]", has_text="Mário Quintino").click()
    expect(page.locator("#form-novo [name=cidade_cliente]")).to_have_value("São Paulo")
    assert page.locator("#form-novo [name=cliente_id]").input_value() != ""
    campo.press_sequentially(" Filho")
    assert page.locator("#form-novo [name=cliente_id]").input_value() == ""
    expect(page.locator("#form-novo .selo-cliente")).to_be_hidden()
    expect(page.locator("#form-novo .sem-sugestao")).to_have_text("Nenhum cliente cadastrado com isso")
    campo.press("Escape")  # closes the list, not the dialog
    expect(page.locator("#dialogo-novo")).to_be_visible()


def test_the_clientes_page_searches_creates_edits_imports_and_exports(server, open_board, tmp_path):
    for n in range(3):
        cliente(server, nome=f"Papelaria Aurora {n}", telefone=f"27 3000-000{n}")
    board = open_board(server, "chefe")
    page = board.page
    page.click("#abrir-clientes")
    dialog = page.locator("#clientes")
    page.fill("#clientes-busca", "auro")
    expect(dialog.locator("#clientes-lista tr")).to_have_count(3)
    expect(dialog.locator("#clientes-contagem")).to_have_text("3 clientes")
    # A new customer: a bad document is said beside its field, then it is added.
    form = dialog.locator("#form-cliente")
    form.locator("[name=nome]").fill("Ótica Visão Clara")
    form.locator("[name=documento]").fill("11.222.333/0001-82")
    form.locator("[name=cep]").fill("29100-010")
    form.locator("button[type=submit]").click()
    expect(form.locator(".nota-erro")).to_contain_text("CNPJ inválido")
    form.locator("[name=documento]").fill("11.222.333/0001-81")
    form.locator("button[type=submit]").click()
    page.fill("#clientes-busca", "otica")
    row = dialog.locator("#clientes-lista tr").first
    expect(row).to_contain_text("11.222.333/0001-81")
    # Edit it (If-Match under the hood).
    row.locator(".editar").click()
    expect(form.locator("[name=cep]")).to_have_value("29100-010")
    form.locator("[name=cidade]").fill("Vila Velha")
    form.locator("button[type=submit]").click()
    expect(dialog.locator("#clientes-lista tr").first).to_contain_text("Vila Velha")
    # Import: the report is shown first; nothing is kept until confirmed.
    planilha = tmp_path / "clientes.csv"
    planilha.write_bytes(
        "Nome;CPF/CNPJ;Telefone;Cidade;UF\r\nPapelaria Aurora 0;;27 3000-0000;Vitória;ES\r\n"
        "Bazar Estrela;529.982.247-24;;;\r\nEmpório Cecília;;27 99999-1111;Cariacica;ES\r\n".encode("cp1252")
    )
    dialog.locator("#clientes-arquivo").set_input_files(str(planilha))
    resumo = dialog.locator("#importar-resumo")
    expect(resumo).to_contain_text("Serão 1 novos, 1 atualizados")
    expect(dialog.locator("#importar-recusadas tr")).to_contain_text(re.compile(r"3\s*CPF/CNPJ: CPF inválido"))
    assert rest(server, "GET", "/clientes?q=emporio", "chefe") == []
    page.screenshot(path=artifact_path("customer-import-report.png"))
    dialog.locator("#importar-confirmar").click()
    expect(resumo).to_contain_text("Foram 1 novos, 1 atualizados")
    assert [c["nome"] for c in rest(server, "GET", "/clientes?q=emporio", "chefe")] == ["Empório Cecília"]
    # Export: a CSV download that a Brazilian spreadsheet opens.
    page.fill("#clientes-busca", "")
    with page.expect_download() as baixado:
        dialog.locator("#clientes-exportar").click()
    arquivo = baixado.value
    assert arquivo.suggested_filename.startswith("clientes-") and arquivo.suggested_filename.endswith(".csv")
    texto = arquivo.path().read_text(encoding="utf-8-sig")
    assert texto.startswith("nome;documento;") and "Empório Cecília" in texto and "11.222.333/0001-81" in texto


def test_the_import_is_for_admins_and_the_page_works_on_a_phone(server, open_board):
    board = open_board(server, "ana", viewport={"width": 390, "height": 800})
    page = board.page
    page.click("#abrir-clientes")
    expect(page.locator("#clientes")).to_be_visible()
    expect(page.locator("#clientes-importacao")).to_be_hidden()
    caixa = page.locator("#clientes .cartao-form").bounding_box()
    assert caixa["width"] <= 390


def test_a_deposit_and_the_rest_from_the_drawer_balance_on_the_card_and_a_reversal(server, open_board):
    pedido = rest(server, "POST", "/pedidos/", json={"cliente": "Bazar Sol Nascente", "valor_total": "240.00"})
    caixa = open_board(server, "caixa")
    ana = open_board(server, "ana")
    page = caixa.page
    card = caixa.card(pedido["id"])
    expect(card.locator(".pagamento")).to_have_text(re.compile(r"Saldo R\$\s*240,00"))
    card.click()
    drawer = page.locator("#gaveta")
    valor = drawer.locator("[name=pagamento_valor]")
    expect(valor).to_have_value("240,00")  # the balance, prefilled
    valor.fill("120,00")
    drawer.locator("[name=pagamento_forma]").select_option(label="Pix")
    drawer.locator("[name=pagamento_obs]").fill("sinal 50%")
    drawer.locator("#registrar-pagamento").click()
    expect(drawer.locator("#gaveta-pagamentos li")).to_have_count(1)
    expect(drawer.locator("#gaveta-saldo")).to_have_text(re.compile(r"Pago R\$\s*120,00 · Saldo R\$\s*120,00"))
    expect(valor).to_have_value("120,00")
    # The other board sees the balance live.
    expect(ana.card(pedido["id"]).locator(".pagamento")).to_have_text(re.compile(r"Saldo R\$\s*120,00"))
    drawer.locator("[name=pagamento_forma]").select_option(label="Dinheiro")
    valor.press("Enter")  # records the payment; the order is not saved
    expect(drawer.locator("#gaveta-pagamentos li")).to_have_count(2)
    expect(ana.card(pedido["id"]).locator(".pagamento")).to_have_text("Pago")
    # Too much is refused with the server's words.
    valor.fill("1,00")
    drawer.locator("#registrar-pagamento").click()
    expect(drawer.locator("#pagamento-erro")).to_have_text("Maior que o saldo do pedido (R$ 0,00)")
    valor.fill("")
    # A reversal: kept, struck through, and the balance comes back.
    page.once("dialog", lambda d: d.accept())
    drawer.locator("#gaveta-pagamentos li").nth(1).locator(".estornar").click()
    expect(drawer.locator("#gaveta-pagamentos li.estornado")).to_have_count(1)
    expect(ana.card(pedido["id"]).locator(".pagamento")).to_have_text(re.compile(r"Saldo R\$\s*120,00"))
    historico = drawer.locator("#gaveta-historico")
    expect(historico).to_contain_text("estornado")
    drawer.locator("#gaveta-pagamentos-secao").scroll_into_view_if_needed()
    page.screenshot(path=artifact_path("drawer-payments.png"))
    # Someone outside financeiro sees payments but cannot record them.
    ana.card(pedido["id"]).click()
    expect(ana.page.locator("#gaveta #gaveta-pagamentos li")).to_have_count(2)
    expect(ana.page.locator("#gaveta #gaveta-pagar")).to_be_hidden()
    expect(ana.page.locator("#gaveta .estornar")).to_have_count(0)


def test_the_board_filters_by_payment_situation_and_the_work_order_shows_customer_and_payments(server, open_board):
    marta = cliente(server, nome="Gráfica Filtro Pago", documento="11.444.777/0001-61", endereco="Rua das Flores, 10",
                    cep="29000-000", cidade="Vitória", estado="ES")  # fmt: skip
    pix = next(f for f in rest(server, "GET", "/catalogos/formas-pagamento") if f["nome"] == "Pix")
    pago = rest(server, "POST", "/pedidos/", json={"cliente_id": marta["id"], "valor_total": "50.00"})
    devendo = rest(server, "POST", "/pedidos/", json={"cliente": "Gráfica Filtro Devendo", "valor_total": "80.00"})
    rest(
        server,
        "POST",
        f"/pedidos/{pago['id']}/pagamentos",
        "chefe",
        json={"valor": "50.00", "forma_pagamento_id": pix["id"]},
    )
    board = open_board(server, "ana")
    page = board.page
    expect(board.card(pago["id"])).to_be_visible()
    page.select_option("#filtro-pagamento", "em_aberto,parcial")
    expect(board.card(devendo["id"])).to_be_visible()
    expect(board.card(pago["id"])).to_be_hidden()
    page.select_option("#filtro-pagamento", "pago")
    expect(board.card(pago["id"])).to_be_visible()
    expect(board.card(devendo["id"])).to_be_hidden()
    page.select_option("#filtro-pagamento", "")
    expect(board.card(devendo["id"])).to_be_visible()
    # The work order: the customer's document and address, the payments and the balance.
    board.card(pago["id"]).click()
    page.evaluate("() => { window.print = () => { window.imprimiu = (window.imprimiu || 0) + 1; }; }")
    page.locator("#gaveta-imprimir").click()
    expect(page.locator("#os .os-pagamentos")).to_have_count(1)  # filled, then printed
    assert page.evaluate("window.imprimiu") == 1
    page.locator("#gaveta-fechar").click()
    page.emulate_media(media="print")
    os_ = page.locator("#os")
    expect(os_).to_contain_text("CNPJ")
    expect(os_).to_contain_text("11.444.777/0001-61")
    expect(os_).to_contain_text("Rua das Flores, 10 · CEP 29000-000")
    expect(os_.locator(".os-pagamentos li")).to_contain_text(re.compile(r"Pix · R\$\s*50,00"))
    expect(os_.locator(".os-saldo")).to_contain_text(re.compile(r"Saldo a receber R\$\s*0,00"))
    page.screenshot(path=artifact_path("work-order-payments.png"), full_page=True)
    page.emulate_media(media="screen")
    assert requests.get(server.url + "/clientes").status_code == 401
