"""The board a shop runs its day on, in real headless Chromium against a real gunicorn server:
the order drawer (edit in place, conflicts, live updates, history), due dates, Brazilian input,
drag and drop (mouse and touch), keyboard moves, the phone layout, the work order, the users page."""

import re
from datetime import date, timedelta

import pytest
import requests

from tests.browser import Board, artifact_path
from tests.conftest import PASSWORD, add_users, start_module_server
from tests.test_board import rest

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (requirements-dev.txt)")
expect = playwright_api.expect

TODAY = date.today()
FULL_ORDER = {
    "cliente": "Gráfica Sol",
    "telefone_cliente": "27999990000",
    "cidade_cliente": "Vitória",
    "estado_cliente": "ES",
    "data_entrega": (TODAY + timedelta(days=5)).isoformat(),
    "prioridade": "ALTA",
    "forma_envio": "Motoboy",
    "tipo_pagamento": "Pix",
    "observacao": "conferir cores com a prova",
    "valor_frete": "25.00",
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
}


@pytest.fixture(scope="module")
def server(module_db_url):
    add_users(module_db_url, "chefe", admin=True)
    server = start_module_server(module_db_url)
    yield server
    server.stop(graceful=False)


def new_order(server, username="ana", **fields):
    return rest(server, "POST", "/pedidos/", username, json={**FULL_ORDER, **fields})


def drawer(page):
    return page.locator("#gaveta")


def open_drawer(board, pedido_id):
    board.card(pedido_id).click()
    expect(drawer(board.page)).to_be_visible()
    expect(board.page.locator("#gaveta-titulo")).to_contain_text("Pedido nº")
    return drawer(board.page)


def field(page, name):
    return page.locator(f"#form-gaveta [name={name}]")


def test_a_card_opens_every_field_items_with_sizes_totals_and_the_history(server, open_board):
    pedido = new_order(server)
    rest(server, "PATCH", f"/pedidos/{pedido['id']}", "bia", json={"status": "em_producao"})
    board = open_board(server, "ana")
    page = board.page
    gaveta = open_drawer(board, pedido["id"])
    for name, value in [
        ("cliente", "Gráfica Sol"),
        ("telefone_cliente", "27999990000"),
        ("cidade_cliente", "Vitória"),
        ("estado_cliente", "ES"),
        ("data_entrega", (TODAY + timedelta(days=5)).strftime("%d/%m/%Y")),
        ("data_entrada", TODAY.strftime("%d/%m/%Y")),
        ("prioridade", "ALTA"),
        ("forma_envio", "Motoboy"),
        ("tipo_pagamento", "Pix"),
        ("observacao", "conferir cores com a prova"),
        ("valor_frete", "25,00"),
        ("descricao", "Banner 2x1"),
        ("largura", "2,00"),
        ("altura", "1,00"),
        ("valor_unitario", "150,00"),
    ]:
        expect(field(page, name)).to_have_value(value)
    expect(gaveta.locator(".item .subtotal")).to_have_text(re.compile(r"R\$\s*300,00"))
    expect(page.locator("#gaveta-total")).to_have_text(re.compile(r"R\$\s*325,00"))
    expect(page.locator("#gaveta-status")).to_have_text("Em produção")
    history = page.locator("#gaveta-historico > li")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("bia")
    expect(history.nth(0)).to_contain_text("Situação: Pendente → Em produção")
    expect(history.nth(1)).to_contain_text("ana")
    expect(history.nth(1)).to_contain_text("criou")
    page.screenshot(path=artifact_path("drawer.png"))
    # Closed, then opened from the keyboard: Enter on a focused card.
    page.locator("#gaveta-fechar").click()
    expect(gaveta).to_be_hidden()
    board.card(pedido["id"]).focus()
    page.keyboard.press("Enter")
    expect(gaveta).to_be_visible()


def test_a_long_history_shows_its_newest_page_and_loads_older_ones_on_demand(server, open_board):
    pedido = new_order(server, cliente="Muitas Mudanças")
    bia = server.login("bia", PASSWORD)  # one login: the module's logins share one address's allowance
    for i in range(1, 60):  # 60 entries: the creation and 59 changes
        response = server.request("PATCH", f"/pedidos/{pedido['id']}", bia, json={"observacao": f"mudança {i}"})
        assert response.status_code == 200, response.text
    board = open_board(server, "ana")
    open_drawer(board, pedido["id"])
    history = board.page.locator("#gaveta-historico > li")
    expect(history).to_have_count(50)
    expect(history.first).to_contain_text("versão 60")
    mais = board.page.locator("#gaveta-historico-mais")
    expect(mais).to_have_text("Mostrar alterações anteriores (10)")
    mais.click()
    expect(history).to_have_count(60)
    expect(history.last).to_contain_text("criou")
    expect(mais).to_be_hidden()


def test_an_edit_saves_with_if_match_and_another_open_drawer_follows_without_losing_typing(server, open_board):
    pedido = new_order(server, cliente="Duas Telas")
    ana, bia = open_board(server, "ana"), open_board(server, "bia")
    for board in (ana, bia):
        open_drawer(board, pedido["id"])
    patches = []
    ana.page.on("request", lambda r: patches.append(r.headers.get("if-match")) if r.method == "PATCH" else None)
    field(bia.page, "telefone_cliente").fill("27 98888-7777")  # bia types, does not save yet
    field(ana.page, "observacao").fill("usar lona fosca")
    ana.page.locator("#gaveta-salvar").click()
    expect(ana.page.locator("#gaveta-aviso")).to_have_text("Alterações salvas.")
    assert patches == ['"1"']
    # bia's open drawer takes ana's change, keeps what bia typed, and says so.
    expect(field(bia.page, "observacao")).to_have_value("usar lona fosca")
    expect(field(bia.page, "telefone_cliente")).to_have_value("27 98888-7777")
    expect(bia.page.locator("#gaveta-aviso")).to_contain_text("alterado por outra pessoa")
    expect(bia.page.locator("#gaveta-historico > li").first).to_contain_text("ana")
    bia.page.locator("#gaveta-salvar").click()
    expect(bia.page.locator("#gaveta-aviso")).to_have_text("Alterações salvas.")
    saved = rest(server, "GET", f"/pedidos/{pedido['id']}")
    assert (saved["observacao"], saved["telefone_cliente"], saved["versao"]) == ("usar lona fosca", "27 98888-7777", 3)
    history = rest(server, "GET", f"/pedidos/{pedido['id']}/historico")
    assert [(h["usuario"]["username"], list(h["alteracoes"])) for h in history[1:]] == [
        ("ana", ["observacao"]),
        ("bia", ["telefone_cliente"]),
    ]


def test_a_live_change_to_the_field_being_typed_is_noted_beside_it(server, open_board):
    pedido = new_order(server, cliente="Mesmo Campo")
    bia = open_board(server, "bia")
    open_drawer(bia, pedido["id"])
    field(bia.page, "observacao").fill("texto da bia")
    rest(server, "PATCH", f"/pedidos/{pedido['id']}", "ana", json={"observacao": "texto da ana"})
    note = bia.page.locator("#form-gaveta label:has([name=observacao]) .nota-conflito")
    expect(note).to_have_text("No servidor agora: texto da ana")
    expect(field(bia.page, "observacao")).to_have_value("texto da bia")


def test_a_stale_save_lists_what_changed_and_applies_the_edit_again(server, browser):
    pedido = new_order(server, cliente="Sem Eventos")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        # No live events for this page (socket and stream cut): its drawer goes stale.
        page.route_web_socket("**/ws/pedidos", lambda ws: ws.close())
        page.route("**/pedidos/stream**", lambda route: route.abort())
        board = Board(page, server).open().login("bia", PASSWORD, live=False)
        open_drawer(board, pedido["id"])
        field(page, "forma_envio").fill("Correios")
        rest(server, "PATCH", f"/pedidos/{pedido['id']}", "ana", json={"tipo_pagamento": "Boleto"})
        page.locator("#gaveta-salvar").click()
        conflict = page.locator("#gaveta-conflito")
        expect(conflict).to_be_visible()
        expect(page.locator("#conflito-lista")).to_contain_text("Pagamento: Pix → Boleto")
        expect(field(page, "forma_envio")).to_have_value("Correios")  # nothing typed is lost
        expect(field(page, "tipo_pagamento")).to_have_value("Boleto")  # the untouched field follows
        page.locator("#reaplicar").click()
        expect(page.locator("#gaveta-aviso")).to_have_text("Alterações salvas.")
        expect(conflict).to_be_hidden()
        saved = rest(server, "GET", f"/pedidos/{pedido['id']}")
        assert (saved["forma_envio"], saved["tipo_pagamento"]) == ("Correios", "Boleto")
    finally:
        context.close()


def test_late_and_due_today_stand_out_sort_first_and_are_counted(server, open_board):
    start = (TODAY - timedelta(days=10)).isoformat()
    due = {
        "later": (TODAY + timedelta(days=3)).isoformat(),
        "today": TODAY.isoformat(),
        "late": (TODAY - timedelta(days=2)).isoformat(),
    }
    ids = {}
    ids["none"] = new_order(server, cliente="Prazo sem data", data_entrada=start, data_entrega=None, prioridade="ALTA")
    for key, day in due.items():
        ids[key] = new_order(server, cliente=f"Prazo {key}", data_entrada=start, data_entrega=day, prioridade="NORMAL")
    ids["today-urgent"] = new_order(
        server, cliente="Prazo today urgente", data_entrada=start, data_entrega=due["today"], prioridade="ALTA"
    )
    board = open_board(server, "ana")
    page = board.page
    expect(board.card(ids["late"]["id"])).to_have_class(re.compile(r"\batrasado\b"))
    expect(board.card(ids["late"]["id"]).locator(".selo.atraso")).to_have_text("Atrasado")
    expect(board.card(ids["today"]["id"])).to_have_class(re.compile(r"\bhoje\b"))
    expect(board.card(ids["later"]["id"])).not_to_have_class(re.compile(r"\b(atrasado|hoje)\b"))
    expect(page.locator(".coluna[data-status=pendente] h2 .atrasados")).to_have_text(re.compile(r"^\d+ atrasados?$"))
    order = [
        int(i)
        for i in page.locator(".coluna[data-status=pendente] .cartao").evaluate_all(
            "cards => cards.map(c => c.dataset.id)"
        )
    ]
    mine = [ids[k]["id"] for k in ("late", "today-urgent", "today", "later", "none")]
    assert [i for i in order if i in mine] == mine  # due date first, then urgent first; no date last
    expect(board.card(ids["later"]["id"]).locator(".detalhe")).to_contain_text(
        "entrega " + (TODAY + timedelta(days=3)).strftime("%d/%m/%Y")
    )
    page.screenshot(path=artifact_path("board.png"))


def test_brazilian_money_in_the_new_order_dialog_over_the_board(server, open_board):
    board = open_board(server, "ana")
    page = board.page
    columns_top = page.locator("#colunas").bounding_box()["y"]
    page.click("#abrir-novo")
    dialog = page.locator("#dialogo-novo")
    expect(dialog).to_be_visible()
    assert page.evaluate("document.querySelector('#dialogo-novo').matches(':modal')")
    assert page.locator("#colunas").bounding_box()["y"] == columns_top  # over the board, not pushing it
    page.fill("#form-novo [name=cliente]", "Real Brasileiro")
    page.fill("#form-novo .item [name=descricao]", "Adesivo")
    page.fill("#form-novo .item [name=quantidade]", "2")
    page.fill("#form-novo .item [name=valor_unitario]", "1.234,50")
    page.fill("#form-novo [name=valor_frete]", "1234,5")
    expect(page.locator("#novo-total")).to_have_text(re.compile(r"R\$\s*3\.703,50"))
    page.click("#form-novo button[type=submit]")
    expect(dialog).to_be_hidden()
    created = rest(server, "GET", "/pedidos/?cliente=real brasileiro")
    assert [(p["valor_itens"], p["valor_frete"], p["valor_total"]) for p in created] == [
        ("2469.00", "1234.50", "3703.50")
    ]
    page.click("#abrir-novo")
    page.fill("#form-novo [name=cliente]", "Ponto Decimal")
    page.fill("#form-novo [name=valor_frete]", "1234.50")
    # Dates as Brazilians write them; one that is no date is marked until it is corrected.
    page.fill("#form-novo [name=data_entrega]", "31/02/2030")
    page.click("#form-novo button[type=submit]")
    note = page.locator("#form-novo label:has([name=data_entrega]) .nota-erro")
    expect(note).to_have_text("Data inválida; use dd/mm/aaaa")
    due = TODAY + timedelta(days=10)
    page.fill("#form-novo [name=data_entrega]", due.strftime("%d/%m/%Y"))
    expect(note).to_have_count(0)
    page.click("#form-novo button[type=submit]")
    expect(dialog).to_be_hidden()
    created = rest(server, "GET", "/pedidos/?cliente=ponto decimal")[0]
    assert (created["valor_frete"], created["data_entrega"]) == ("1234.50", due.isoformat())


TALL = {"width": 1280, "height": 3000}


def center(locator):
    """The middle of an element on screen. The board redraws its cards whenever an order changes
    (an answer, an event), so the element found may be replaced before it is measured: ask again."""
    for _ in range(50):
        box = locator.bounding_box()
        if box is not None:
            return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        locator.page.wait_for_timeout(100)
    raise AssertionError(f"{locator} never stood still on screen")


def drag_with_mouse(page, source, target):
    x, y = center(source)
    tx, ty = center(target)
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x + (tx - x) * step / 10, y + (ty - y) * step / 10)
    page.mouse.up()


def test_cards_move_by_mouse_drag_through_the_status_machine(server, open_board):
    pedido = new_order(server, cliente="Arrasta Mouse")
    board = open_board(server, "ana", viewport=TALL)  # the card and its target column both on screen
    page = board.page
    # Grabbed by its body (the client's name), as a person would, not by one of its buttons.
    drag_with_mouse(
        page, board.card(pedido["id"]).locator(".cliente"), page.locator(".coluna[data-status=em_producao]")
    )
    expect(board.card_in("em_producao", pedido["id"])).to_be_visible()
    assert rest(server, "GET", f"/pedidos/{pedido['id']}")["status"] == "em_producao"
    expect(page.locator("#gaveta")).to_be_hidden()  # a drag is not a click
    # A move the status machine refuses: the server's message, readable, and the card stays.
    drag_with_mouse(page, board.card(pedido["id"]).locator(".cliente"), page.locator(".coluna[data-status=entregue]"))
    expect(page.locator("#aviso-texto")).to_contain_text("não foi possível mover para Entregue")
    expect(page.locator("#aviso-texto")).to_contain_text("em produção → entregue")
    expect(board.card_in("em_producao", pedido["id"])).to_be_visible()


def test_cards_move_by_touch_drag_on_their_handle(server, browser):
    pedido = new_order(server, cliente="Arrasta Dedo")
    context = browser.new_context(viewport=TALL, has_touch=True)
    try:
        page = context.new_page()
        board = Board(page, server).open().login("ana", PASSWORD)
        x, y = center(board.card(pedido["id"]).locator(".alca"))
        tx, ty = center(page.locator(".coluna[data-status=em_producao]"))
        cdp = context.new_cdp_session(page)
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
        for step in range(1, 11):
            point = {"x": x + (tx - x) * step / 10, "y": y + (ty - y) * step / 10}
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        expect(board.card_in("em_producao", pedido["id"])).to_be_visible()
        assert rest(server, "GET", f"/pedidos/{pedido['id']}")["status"] == "em_producao"
    finally:
        context.close()


def test_cards_move_from_the_keyboard_and_keep_the_focus(server, open_board):
    pedido = new_order(server, cliente="Teclado")
    board = open_board(server, "ana")
    page = board.page
    board.card(pedido["id"]).focus()
    page.keyboard.press("ArrowRight")
    expect(board.card_in("em_producao", pedido["id"])).to_be_visible()
    expect(board.card_in("em_producao", pedido["id"])).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(board.card_in("pronto", pedido["id"])).to_be_focused()
    page.keyboard.press("ArrowLeft")
    expect(board.card_in("em_producao", pedido["id"])).to_be_focused()
    assert rest(server, "GET", f"/pedidos/{pedido['id']}")["status"] == "em_producao"


def test_on_a_phone_the_drawer_and_the_new_order_form_fill_the_screen(server, open_board):
    pedido = new_order(server, cliente="Celular Gaveta")
    board = open_board(server, "ana", viewport={"width": 390, "height": 844})
    page = board.page
    open_drawer(board, pedido["id"])
    box = page.locator("#gaveta").bounding_box()
    assert (round(box["x"]), round(box["width"]), round(box["height"])) == (0, 390, 844)
    page.screenshot(path=artifact_path("drawer-phone.png"))
    page.locator("#gaveta-fechar").click()
    page.click("#abrir-novo")
    box = page.locator("#dialogo-novo").bounding_box()
    assert (round(box["x"]), round(box["width"])) == (0, 390)


def test_the_work_order_prints_fields_items_sizes_notes_and_a_signature_line(server, open_board, tmp_path):
    painel = {
        "descricao": "Painel 3x1", "tipo_producao": "painel", "quantidade": 1, "valor_base": "100.00",
        "largura": "3.00", "altura": "1.00", "material": "Lona 440g", "emenda_quantidade": 1,
        "acabamento": {"bainha": True, "ilhos": {"quantidade": 18, "espaco": "0.30", "valor_unitario": "1.00"}},
    }  # fmt: skip
    pedido = new_order(server, cliente="Ordem de Serviço Ltda", itens=[*FULL_ORDER["itens"], painel])
    board = open_board(server, "ana")
    page = board.page
    open_drawer(board, pedido["id"])
    page.evaluate("() => { window.print = () => { window.imprimiu = (window.imprimiu || 0) + 1; }; }")
    page.locator("#gaveta-imprimir").click()
    os_ = page.locator("#os")
    # The customer and payments are read first; the work order is filled, then printed, at once.
    expect(os_.locator("h1")).to_have_text(f"Ordem de serviço nº {int(pedido['numero'])}")
    assert page.evaluate("window.imprimiu") == 1
    page.locator("#gaveta-fechar").click()
    page.emulate_media(media="print")
    expect(os_).to_be_visible()
    expect(page.locator(".topo")).to_be_hidden()
    expect(page.locator("#colunas")).to_be_hidden()
    expect(os_.locator("h1")).to_have_text(f"Ordem de serviço nº {int(pedido['numero'])}")
    for text in ("Ordem de Serviço Ltda", "27999990000", "Motoboy", "Pix", "conferir cores com a prova"):
        expect(os_).to_contain_text(text)
    row = os_.locator(".os-itens tbody tr").first
    expect(row).to_contain_text("Banner 2x1")
    expect(row).to_contain_text("Lona")  # the type by its name
    expect(row).to_contain_text("2,00 m")
    expect(row).to_contain_text("1,00 m")
    rows = os_.locator(".os-itens tbody tr")
    expect(rows.nth(1)).to_contain_text("Painel 3x1")
    expect(rows.nth(1)).to_contain_text("3,00")  # m²
    expect(os_.locator(".os-detalhe")).to_have_text(
        "Material: Lona 440g · Acabamento: bainha, 18 ilhós a cada 0,30 m · Emendas: 1"
    )
    expect(os_.locator(".os-itens tfoot")).to_contain_text(re.compile(r"Total\s*R\$\s*443,00"))
    expect(os_.locator(".linha-assinatura").first).to_have_text("Assinatura do cliente")
    page.screenshot(path=artifact_path("work-order.png"), full_page=True)
    pdf = page.pdf(path=str(tmp_path / "os.pdf"), format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    page.emulate_media(media="screen")
    expect(os_).to_be_hidden()


def test_the_users_page_is_for_admins_only(server, open_board):
    ana = open_board(server, "ana")
    expect(ana.page.locator("#abrir-usuarios")).to_be_hidden()
    admin = open_board(server, "chefe")
    page = admin.page
    page.locator("#abrir-usuarios").click()
    dialog = page.locator("#usuarios")
    expect(dialog).to_be_visible()
    expect(dialog.locator("tr[data-username=ana]")).to_be_visible()
    page.fill("#form-usuario [name=username]", "dora")
    page.fill("#form-usuario [name=password]", "curta")
    page.click("#form-usuario button[type=submit]")
    expect(page.locator("#usuarios-erro")).to_contain_text("8")
    page.fill("#form-usuario [name=password]", "senha-da-dora")
    page.click("#form-usuario button[type=submit]")
    row = dialog.locator("tr[data-username=dora]")
    expect(row).to_contain_text("Ativo")
    assert (
        requests.post(
            server.url + "/auth/login", json={"username": "dora", "password": "senha-da-dora"}, timeout=10
        ).status_code
        == 200
    )
    row.locator(".alternar").click()
    expect(row).to_contain_text("Desativado")
    assert (
        requests.post(
            server.url + "/auth/login", json={"username": "dora", "password": "senha-da-dora"}, timeout=10
        ).status_code
        == 401
    )
    row.locator(".alternar").click()
    expect(row).to_contain_text("Ativo")
    # A user's sectors: a box per production step.
    row.locator("[name=setor-costura]").check()
    expect(page.locator("#aviso-texto")).to_contain_text("dora atualizado")
    dora = next(u for u in rest(server, "GET", "/usuarios", "chefe") if u["username"] == "dora")
    assert dora["setores"] == ["costura"]
    expect(dialog.locator("tr[data-username=chefe] .setores")).to_have_text("Todas as etapas")
    row = dialog.locator("tr[data-username=dora]")
    row.locator(".senha").click()
    row.locator("input[name=password]").fill("outra-senha-dora")
    row.locator(".nova-senha button").click()
    expect(page.locator("#aviso-texto")).to_contain_text("dora com nova senha")
    assert (
        requests.post(
            server.url + "/auth/login", json={"username": "dora", "password": "outra-senha-dora"}, timeout=10
        ).status_code
        == 200
    )


def test_an_items_type_is_picked_from_the_catalog_and_an_edit_keeps_what_the_form_does_not_show(server, open_board):
    detailed = {
        "descricao": "Painel 3x1", "tipo_producao": "painel", "quantidade": 1, "valor_base": "100.00",
        "largura": "3.00", "altura": "1.00", "material": "Lona 440g", "observacao": "ilhós a cada 30 cm",
        "acabamento": {"bainha": True, "ilhos": {"quantidade": 18, "espaco": "0.30", "valor_unitario": "1.00"}},
        "detalhes": {"cor_fundo": "azul"},
    }  # fmt: skip
    pedido = new_order(server, cliente="Painel com Ilhós", itens=[detailed], valor_frete="0")
    board = open_board(server, "ana")
    gaveta = open_drawer(board, pedido["id"])
    tipo = gaveta.locator(".item [name=tipo_producao]")
    expect(tipo).to_have_value("painel")
    assert "Impressão 3D" in tipo.locator("option").all_inner_texts()  # the seeded types, by name
    # The person changes the quantity only; the finishing, material and details travel along untouched.
    gaveta.locator(".item [name=quantidade]").fill("2")
    board.page.locator("#gaveta-salvar").click()
    expect(board.page.locator("#gaveta-aviso")).to_have_text("Alterações salvas.")
    item = rest(server, "GET", f"/pedidos/{pedido['id']}")["itens"][0]
    assert (item["quantidade"], item["valor_base"], item["valor_unitario"], item["subtotal"]) == (
        2, "100.00", "118.00", "236.00"
    )  # fmt: skip
    assert item["acabamento"]["ilhos"]["quantidade"] == 18 and item["acabamento"]["bainha"] is True
    assert (item["material"], item["detalhes"], item["metro_quadrado"]) == ("Lona 440g", {"cor_fundo": "azul"}, "6.00")
    # A new order's item row offers the catalog's types too.
    board.page.locator("#gaveta-fechar").click()
    board.page.click("#abrir-novo")
    expect(board.page.locator("#itens .item [name=tipo_producao] option", has_text="Painel")).to_have_count(1)


def test_the_work_order_of_an_order_without_items_says_so(server, open_board):
    pedido = new_order(server, cliente="Só o Total", itens=[], valor_total="30.00")
    board = open_board(server, "ana")
    open_drawer(board, pedido["id"])
    board.page.evaluate("() => { window.print = () => {}; }")
    board.page.locator("#gaveta-imprimir").click()
    board.page.emulate_media(media="print")
    expect(board.page.locator("#os .os-itens tbody")).to_have_text("Sem itens")


def test_cards_show_step_progress_and_the_work_order_lists_the_steps_with_who_did_them(server, open_board):
    pedido = new_order(server, cliente="Em Etapas")
    rest(server, "PATCH", f"/pedidos/{pedido['id']}/etapas", "chefe", json={"etapa": "financeiro", "feita": True})
    rest(server, "PATCH", f"/pedidos/{pedido['id']}/etapas", "chefe", json={"etapa": "conferencia", "feita": True})
    board = open_board(server, "ana")
    card = board.card(pedido["id"])
    expect(card.locator(".etapas")).to_have_text("Etapas 2/5 · Sublimação")
    width = card.locator(".etapas .barra > span").evaluate("e => e.style.width")
    assert width == "40%"
    open_drawer(board, pedido["id"])
    board.page.evaluate("() => { window.print = () => {}; }")
    board.page.locator("#gaveta-imprimir").click()
    board.page.emulate_media(media="print")
    steps = board.page.locator("#os .os-etapas tbody tr")
    expect(steps).to_have_count(5)
    expect(steps.nth(0)).to_contain_text("☑ Financeiro")
    expect(steps.nth(0)).to_contain_text("chefe")
    expect(steps.nth(2)).to_contain_text("☐ Sublimação")


def test_the_drawer_ticks_steps_for_their_sector_and_says_why_the_others_cannot_be(server, open_board):
    pedido = new_order(server, cliente="Etapa na Gaveta")
    chefe = open_board(server, "chefe")
    gaveta = open_drawer(chefe, pedido["id"])
    financeiro = gaveta.locator("[name=etapa-financeiro]")
    expect(financeiro).to_be_enabled()
    expect(gaveta.locator("[name=etapa-conferencia]")).to_be_disabled()  # the one before is open
    expect(gaveta.locator("#gaveta-etapas li").nth(1)).to_contain_text("faça antes as anteriores")
    financeiro.check()
    expect(gaveta.locator("#gaveta-etapas li").first).to_contain_text("chefe")
    expect(chefe.page.locator("#gaveta-status")).to_have_text("Em produção")
    saved = rest(server, "GET", f"/pedidos/{pedido['id']}")
    assert saved["etapas"][0]["feita"] is True and saved["etapas"][0]["por"]["username"] == "chefe"
    # bia has no sector: every box is disabled, and says whose it is.
    bia = open_board(server, "bia")
    open_drawer(bia, pedido["id"])
    expect(bia.page.locator("#gaveta-etapas input:enabled")).to_have_count(0)
    expect(bia.page.locator("#gaveta-etapas li").nth(1)).to_contain_text("só o setor Conferência")


def test_my_queue_shows_only_the_orders_waiting_for_my_sectors_and_stays_live(server, open_board):
    bia_id = next(u["id"] for u in rest(server, "GET", "/usuarios", "chefe") if u["username"] == "bia")
    rest(server, "PATCH", f"/usuarios/{bia_id}", "chefe", json={"setores": ["conferencia"]})
    waiting = new_order(server, cliente="Espera Conferência")
    rest(server, "PATCH", f"/pedidos/{waiting['id']}/etapas", "chefe", json={"etapa": "financeiro", "feita": True})
    elsewhere = new_order(server, cliente="Ainda no Financeiro")
    bia = open_board(server, "bia")
    expect(bia.card(elsewhere["id"])).to_be_visible()
    bia.page.locator("#minha-fila").check()
    expect(bia.card(waiting["id"])).to_be_visible()
    expect(bia.card(elsewhere["id"])).to_have_count(0)
    # Live: once financeiro is done elsewhere, the other order joins the queue.
    rest(server, "PATCH", f"/pedidos/{elsewhere['id']}/etapas", "chefe", json={"etapa": "financeiro", "feita": True})
    expect(bia.card(elsewhere["id"])).to_be_visible()
    bia.page.locator("#minha-fila").uncheck()
    rest(server, "PATCH", f"/usuarios/{bia_id}", "chefe", json={"setores": []})


def test_the_catalogs_page_adds_and_retires_entries_with_each_catalogs_fields(server, open_board):
    ana = open_board(server, "ana")
    expect(ana.page.locator("#abrir-catalogos")).to_be_hidden()
    admin = open_board(server, "chefe")
    page = admin.page
    page.locator("#abrir-catalogos").click()
    dialog = page.locator("#catalogos")
    expect(dialog.locator("tr[data-nome='Impressão 3D']")).to_contain_text("impressao_3d")
    page.select_option("#catalogo-tipo", "materiais")
    page.fill("#form-catalogo [name=nome]", "Lona Fosca 440g")
    page.fill("#form-catalogo [name=valor_metro_quadrado]", "35,50")
    page.click("#form-catalogo button[type=submit]")
    row = dialog.locator("tr[data-nome='Lona Fosca 440g']")
    expect(row).to_contain_text(re.compile(r"R\$\s*35,50"))
    page.fill("#form-catalogo [name=nome]", "LONA FÔSCA 440G")  # the same name, by the shop's rule
    page.click("#form-catalogo button[type=submit]")
    expect(page.locator("#catalogos-erro")).to_contain_text("Já existe")
    # Edit: the form takes the entry, saving changes it.
    row.locator(".editar").click()
    expect(page.locator("#form-catalogo [name=valor_metro_quadrado]")).to_have_value("35,50")
    page.fill("#form-catalogo [name=valor_metro_quadrado]", "38,90")
    page.click("#form-catalogo button[type=submit]")
    expect(row).to_contain_text(re.compile(r"R\$\s*38,90"))
    expect(page.locator("#catalogo-form-titulo")).to_have_text("Nova entrada")
    row.locator(".alternar").click()
    expect(dialog.locator("tr[data-nome='Lona Fosca 440g']")).to_contain_text("Retirado")
    material = next(m for m in rest(server, "GET", "/catalogos/materiais", "chefe") if m["nome"] == "Lona Fosca 440g")
    assert (material["valor_metro_quadrado"], material["ativo"]) == ("38.90", False)
    # A new production type is offered in the next item row at once.
    page.select_option("#catalogo-tipo", "tipos-producao")
    page.fill("#form-catalogo [name=nome]", "Faixa de Tecido")
    page.fill("#form-catalogo [name=codigo]", "faixa_tecido")
    page.click("#form-catalogo button[type=submit]")
    expect(dialog.locator("tr[data-nome='Faixa de Tecido']")).to_be_visible()
    page.locator("#catalogos-fechar").click()
    page.click("#abrir-novo")
    page.locator("#adicionar-item").click()
    expect(
        page.locator("#itens .item:last-child [name=tipo_producao] option", has_text="Faixa de Tecido")
    ).to_have_count(1)


def test_the_item_form_takes_the_print_detail_and_works_out_price_and_area_as_one_types(server, open_board):
    caio = rest(server, "POST", "/catalogos/vendedores", "chefe", json={"nome": "Caio Vendas"})
    board = open_board(server, "ana")
    page = board.page
    page.click("#abrir-novo")
    page.fill("#form-novo [name=cliente]", "Painel Completo")
    row = page.locator("#itens .item").first
    row.locator("[name=descricao]").fill("Painel 3x1")
    row.locator("[name=tipo_producao]").select_option("adesivo")
    row.locator("details summary").click()
    expect(row.locator("fieldset.acabamento")).to_be_hidden()  # a sticker takes no finishing
    row.locator("[name=tipo_producao]").select_option("painel")
    expect(row.locator("fieldset.acabamento")).to_be_visible()
    row.locator("[name=quantidade]").fill("2")
    row.locator("[name=largura]").fill("3")
    row.locator("[name=altura]").fill("1")
    row.locator("[name=valor_base]").fill("100,00")
    row.locator("[name=ilhos_quantidade]").fill("18")
    row.locator("[name=ilhos_espaco]").fill("0,30")
    row.locator("[name=ilhos_valor]").fill("1,00")
    row.locator("[name=bainha]").check()
    row.locator("[name=vendedor_id]").select_option(label="Caio Vendas")
    row.locator("[name=material]").fill("Lona 440g")
    expect(row.locator("[name=valor_unitario]")).to_have_value("118,00")  # the server's rule, as one types
    expect(row.locator("[name=valor_unitario]")).to_have_attribute("readonly", "")
    expect(row.locator(".area")).to_have_text("· 6,00 m²")
    expect(page.locator("#novo-total")).to_have_text(re.compile(r"R\$\s*236,00"))
    page.click("#form-novo button[type=submit]")
    expect(page.locator("#dialogo-novo")).to_be_hidden()
    pedido = next(
        p for p in rest(server, "GET", "/pedidos/?cliente=Painel Completo") if p["cliente"] == "Painel Completo"
    )
    item = pedido["itens"][0]
    assert (item["valor_base"], item["valor_unitario"], item["metro_quadrado"]) == ("100.00", "118.00", "6.00")
    assert item["acabamento"]["ilhos"] == {"quantidade": 18, "espaco": "0.30", "valor_unitario": "1.00"}
    assert item["acabamento"]["bainha"] is True and item["vendedor"] == {"id": caio["id"], "nome": "Caio Vendas"}
    assert item["material"] == "Lona 440g"
