"""The live board at ``/`` in real headless Chromium, against a real gunicorn server."""

import re

import pytest
import requests

from sgp_app import create_app
from sgp_app.extensions import db
from sgp_app.models import Evento, Revogacao
from tests.browser import artifact_path
from tests.conftest import PASSWORD, add_users, start_module_server
from tests.live import TEST_SECRET, DevServer

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (requirements-dev.txt)")
expect = playwright_api.expect


@pytest.fixture(scope="module")
def server(module_db_url):
    server = start_module_server(module_db_url)
    yield server
    server.stop(graceful=False)


def rest(server, method, path, username="ana", **kwargs):
    token = server.login(username, PASSWORD)
    response = requests.request(
        method, server.url + path, headers={"Authorization": f"Bearer {token}"}, timeout=30, **kwargs
    )
    assert response.status_code < 300, response.text
    return response.json()


FORWARD = ("em_producao", "pronto", "entregue")


def create_order(server, cliente, status="pendente"):
    """An order created over REST and moved forward to ``status``."""
    pedido = rest(server, "POST", "/pedidos/", json={"cliente": cliente, "valor_total": "10.00"})
    for step in FORWARD[: FORWARD.index(status) + 1] if status in FORWARD else ():
        pedido = rest(server, "PATCH", f"/pedidos/{pedido['id']}", json={"status": step})
    return pedido


def wait_until(page, predicate, timeout=10.0):
    """Let the page run until ``predicate()`` holds (Playwright's callbacks run while it waits)."""
    for _ in range(int(timeout * 10)):
        if predicate():
            return
        page.wait_for_timeout(100)
    assert predicate()


def test_login_with_a_wrong_password_says_so_and_the_right_one_opens_the_board(server, open_board):
    board = open_board(server, username=None)
    page = board.page
    expect(page.locator("#tela-login")).to_be_visible()
    expect(page.locator("#conexao")).to_be_hidden()  # no "Sem conexão" before anyone logged in
    page.fill("#form-login [name=username]", "ana")
    page.fill("#form-login [name=password]", "errada")
    page.click("#form-login button[type=submit]")
    expect(page.locator("#login-erro")).to_have_text("Usuário ou senha incorretos.")
    board.login("ana", PASSWORD)
    expect(page.locator(".coluna h2")).to_have_text(
        [re.compile(label) for label in ("Pendente", "Em produção", "Pronto", "Entregue")]
    )
    expect(page.locator("#conexao-texto")).to_have_text("Ao vivo")
    expect(page.locator("#usuario-nome")).to_have_text("ana")


def test_under_flask_run_the_board_says_live_events_need_gunicorn_and_stops_retrying(server, module_db_url, open_board):
    dev = DevServer(module_db_url).start()
    try:
        assert requests.get(dev.url + "/health", timeout=10).json()["live_events"]["ok"] is False
        board = open_board(dev, username=None)
        board.login("ana", PASSWORD, live=False)
        page = board.page
        expect(page.locator("#conexao")).to_have_attribute("data-estado", "indisponivel", timeout=15000)
        expect(page.locator("#conexao-texto")).to_have_text("Sem eventos ao vivo")
        expect(page.locator("#aviso")).to_contain_text("gunicorn wsgi:app")
        expect(page.locator("#conexao")).to_have_attribute("title", re.compile("gevent worker"))
        # The REST side works: an order made elsewhere shows after a reload.
        pedido = create_order(dev, "Sem Socket Ltda")
        page.reload()
        expect(board.card_in("pendente", pedido["id"])).to_be_visible()
        page.wait_for_timeout(1500)  # longer than the first retry would wait: it does not retry
        expect(page.locator("#conexao")).to_have_attribute("data-estado", "indisponivel")
        assert "Live events (/ws/pedidos) need gunicorn's gevent worker" in dev.log()
    finally:
        dev.stop()


def test_an_order_created_in_one_browser_appears_live_in_the_other_and_moves_back(server, open_board):
    ana = open_board(server, "ana")
    bia = open_board(server, "bia")

    page = ana.page
    page.click("#abrir-novo")
    page.fill("#form-novo [name=cliente]", "Gráfica Ipê")
    page.fill("#form-novo [name=valor_frete]", "5,00")
    page.fill("#itens .item:nth-child(1) [name=descricao]", "Banner 2x1")
    page.fill("#itens .item:nth-child(1) [name=quantidade]", "2")
    page.fill("#itens .item:nth-child(1) [name=valor_unitario]", "150,00")
    page.click("#adicionar-item")
    page.fill("#itens .item:nth-child(2) [name=descricao]", "Adesivo")
    page.fill("#itens .item:nth-child(2) [name=valor_unitario]", "12.50")
    expect(page.locator("#novo-total")).to_contain_text("317,50")
    page.click("#form-novo button[type=submit]")
    expect(page.locator("#aviso")).to_contain_text("criado")

    card = bia.page.locator(".coluna[data-status=pendente] .cartao", has_text="Gráfica Ipê")
    expect(card).to_be_visible()
    expect(card).to_have_class(re.compile("destaque"))
    expect(card).to_contain_text("R$ 317,50")
    expect(card).to_contain_text("2× Banner 2x1")
    pedido_id = card.get_attribute("data-id")

    card.get_by_role("button", name="Em produção ▶").click()
    expect(ana.card_in("em_producao", pedido_id)).to_have_class(re.compile("destaque"))
    ana.card(pedido_id).get_by_role("button", name="Pronto ▶").click()
    expect(bia.card_in("pronto", pedido_id)).to_be_visible()
    bia.card(pedido_id).get_by_role("button", name="◀ Voltar").click()
    expect(ana.card_in("em_producao", pedido_id)).to_be_visible()
    page.screenshot(path=artifact_path("board-two-users.png"), full_page=True)


def test_a_stale_move_shows_the_servers_409_readably_and_the_card_catches_up(server, open_board):
    pedido = create_order(server, "Atraso Ltda", status="pronto")
    bia = open_board(server, "bia")
    expect(bia.card_in("pronto", pedido["id"])).to_be_visible()

    # Hold back Bia's socket, so her page still shows the order as ready when Ana delivers it.
    held = []
    bia.page.route_web_socket(re.compile(r".*/ws/pedidos$"), lambda ws: hold_events(ws, held))
    bia.page.reload()
    bia.wait_live()
    rest(server, "PATCH", f"/pedidos/{pedido['id']}", json={"status": "entregue"})
    expect(bia.card_in("pronto", pedido["id"])).to_be_visible()

    bia.page.once("dialog", lambda dialog: dialog.accept())
    bia.card(pedido["id"]).get_by_role("button", name="Cancelar").click()
    expect(bia.page.locator("#aviso")).to_have_text(
        re.compile(f"Pedido nº {int(pedido['numero'])}: não foi possível cancelar. Pedido entregue não pode ser")
    )
    expect(bia.card_in("entregue", pedido["id"])).to_be_visible()
    assert held, "the route held no event back, so the test proved nothing"


def hold_events(ws, held):
    """Pass everything through but order events, which are kept in ``held``."""
    server = ws.connect_to_server()

    def to_page(message):
        if '"pedido_' in str(message):
            held.append(message)
        else:
            ws.send(message)

    server.on_message(to_page)


def test_validation_errors_are_shown_next_to_their_fields(server, open_board):
    page = open_board(server, "ana").page
    page.click("#abrir-novo")
    page.fill("#itens .item:nth-child(1) [name=descricao]", "Sem preço")
    page.click("#form-novo button[type=submit]")
    expect(page.locator("#novo-erro")).to_have_text("Confira os campos marcados.")
    expect(page.locator("#form-novo label:has([name=cliente]) .nota-erro")).to_have_text("Obrigatório")
    expect(page.locator("#itens .item:nth-child(1) label:has([name=valor_unitario]) .nota-erro")).to_have_text(
        "Obrigatório"
    )
    # Correcting a field clears its mark at once; the others stay until they are corrected too.
    page.fill("#form-novo [name=cliente]", "Gráfica Ipê")
    expect(page.locator("#form-novo label:has([name=cliente]) .nota-erro")).to_have_count(0)
    expect(page.locator("#form-novo [name=cliente]")).not_to_have_class(re.compile("invalido"))
    expect(page.locator("#itens .item:nth-child(1) label:has([name=valor_unitario]) .nota-erro")).to_have_count(1)
    page.fill("#itens .item:nth-child(1) [name=valor_unitario]", "1.234,50")
    expect(page.locator("#form-novo .nota-erro")).to_have_count(0)
    expect(page.locator("#novo-erro")).to_have_text("")


def test_cancelled_orders_are_behind_a_filter(server, open_board):
    pedido = create_order(server, "Desistiu")
    rest(server, "DELETE", f"/pedidos/{pedido['id']}")
    page = open_board(server, "ana").page
    expect(page.locator(".coluna[data-status=cancelado]")).to_have_count(0)
    page.check("#mostrar-cancelados")
    expect(page.locator(f".coluna[data-status=cancelado] .cartao[data-id='{pedido['id']}']")).to_be_visible()


def test_logout_elsewhere_sends_the_page_back_to_login(server, open_board):
    board = open_board(server, "ana")
    token = board.page.evaluate("localStorage.getItem('sgp.token')")
    requests.post(server.url + "/auth/logout", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    expect(board.page.locator("#tela-login")).to_be_visible()
    expect(board.page.locator("#login-erro")).to_have_text("Sua sessão terminou; entre novamente.")


def test_a_reload_resumes_from_the_last_event_and_lights_up_what_changed(server, open_board):
    quieto = create_order(server, "Sem mudança")
    mudou = create_order(server, "Vai mudar")
    board = open_board(server, "ana")
    expect(board.card(mudou["id"])).to_be_visible()
    seen = board.stored_ultimo_evento_id()

    board.page.goto("about:blank")
    rest(server, "PATCH", f"/pedidos/{mudou['id']}", json={"status": "em_producao"})
    board.open().wait_live()

    expect(board.card_in("em_producao", mudou["id"])).to_have_class(re.compile("destaque"))
    expect(board.card(quieto["id"])).not_to_have_class(re.compile("destaque"))
    assert board.stored_ultimo_evento_id() == seen + 1


def test_pruned_history_reloads_the_list(server, open_board, module_db_url):
    board = open_board(server, "ana")
    board.page.goto("about:blank")
    pedido = create_order(server, "Depois da poda")
    app = create_app({"SGP_DATABASE_URL": module_db_url, "SGP_SECRET_KEY": TEST_SECRET})
    with app.app_context():  # the retention pruned every stored entry
        db.session.query(Evento).delete()
        db.session.query(Revogacao).delete()
        db.session.commit()
        db.engine.dispose()

    lists = []
    board.page.on("request", lambda r: lists.append(r.url) if "/pedidos/?status=" in r.url else None)
    board.open().wait_live()
    expect(board.card_in("pendente", pedido["id"])).to_be_visible()
    # The first load, then the reload after ``completo: false``: five columns each.
    wait_until(board.page, lambda: len(lists) >= 10)
    assert len(lists) == 10, lists


def test_on_a_phone_the_columns_are_tabs_with_their_counts(server, open_board):
    pronto = create_order(server, "Celular pronto", status="pronto")
    page = open_board(server, "ana", viewport={"width": 390, "height": 844}).page
    tabs = page.locator(".aba")
    expect(tabs).to_have_count(4)
    expect(page.locator(".coluna:visible")).to_have_count(1)  # Pendente, no scrolling past it
    expect(page.locator(".aba[data-status=pronto] .contagem").first).to_have_text(
        str(page.locator(".coluna[data-status=pronto] .cartao").count())
    )
    page.locator(".aba[data-status=pronto]").click()
    expect(page.locator(f".coluna[data-status=pronto] .cartao[data-id='{pronto['id']}']")).to_be_visible()
    expect(page.locator(".coluna[data-status=pendente]")).to_be_hidden()
    expect(page.locator(".aba[data-status=pronto]")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=artifact_path("board-phone.png"))


def test_the_page_reconnects_after_a_server_restart_and_shows_what_changed(db_url, live_server, open_board):
    add_users(db_url, "ana")
    server = live_server()
    antes = create_order(server, "Antes do reinício")
    board = open_board(server, "ana")
    expect(board.card_in("pendente", antes["id"])).to_be_visible()

    server.stop()
    expect(board.page.locator("#conexao")).to_have_attribute("data-estado", re.compile("desconectado|conectando"))
    # While this server is down, a colleague works through another one on the same database.
    colleague = create_app({"TESTING": True, "SGP_DATABASE_URL": db_url, "SGP_SECRET_KEY": TEST_SECRET})
    client = colleague.test_client()
    token = client.post("/auth/login", json={"username": "ana", "password": PASSWORD}).get_json()["session_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.patch(f"/pedidos/{antes['id']}", json={"status": "em_producao"}, headers=headers).status_code == 200
    novo = client.post("/pedidos/", json={"cliente": "Durante o reinício", "valor_total": "1.00"}, headers=headers)
    with colleague.app_context():
        db.engine.dispose()

    server.start()
    board.wait_live(timeout=45000)
    expect(board.card_in("em_producao", antes["id"])).to_have_class(re.compile("destaque"))
    expect(board.card_in("pendente", novo.get_json()["id"])).to_have_class(re.compile("destaque"))
    board.page.screenshot(path=artifact_path("board-after-restart.png"), full_page=True)


def test_the_api_docs_page_renders_the_openapi_description(server, browser):
    context = browser.new_context()
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(server.url + "/docs")
    expect(page.locator(".opblock-summary-path", has_text="/pedidos/{pedido_id}").first).to_be_visible()
    expect(page.locator(".info .title")).to_contain_text("SGP")
    context.close()
    assert problems == []  # among others: no Content-Security-Policy violation


def test_text_from_orders_is_shown_as_text_never_as_html(server, open_board):
    pedido = create_order(server, '<img src=x onerror="window.invadido=1">Oi')
    page = open_board(server, "ana").page
    expect(page.locator(".cartao", has_text='<img src=x onerror="window.invadido=1">Oi')).to_be_visible()
    assert page.locator(f".cartao[data-id='{pedido['id']}'] img").count() == 0
    assert page.evaluate("window.invadido") is None
