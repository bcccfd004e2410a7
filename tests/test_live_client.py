"""The ES module client (/static/sgp-live.js) and a plain EventSource, in real headless Chromium."""

import pytest

from tests.conftest import PASSWORD, add_users, start_module_server

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (requirements-dev.txt)")

# Collects what an SgpLive client hears into window.ouvido; returns nothing (the client runs on).
START_CLIENT = """async ({token, transporte, desde}) => {
  const { SgpLive } = await import("/static/sgp-live.js");
  window.ouvido = { eventos: [], sincronizados: [], estados: [], recusas: [] };
  window.cliente = new SgpLive({
    token, transporte,
    aoEvento: (e, repeticao) => window.ouvido.eventos.push([e.evento_id, e.type, e.pedido_id, repeticao]),
    aoSincronizar: (m) => window.ouvido.sincronizados.push(m),
    aoEstado: (estado) => window.ouvido.estados.push(estado),
    aoRecusar: (motivo) => window.ouvido.recusas.push(motivo),
  });
  window.cliente.abrir(desde);
}"""

# A plain EventSource, as any page would use it; it reconnects by itself with Last-Event-ID.
START_EVENTSOURCE = """({token, desde}) => {
  window.fonte = { mensagens: [], erros: 0 };
  const es = new EventSource(`/pedidos/stream?token=${token}&ultimo_evento_id=${desde}`);
  for (const tipo of ["pedido_criado", "pedido_atualizado", "pedido_cancelado", "sincronizado", "encerrado"]) {
    es.addEventListener(tipo, (m) => window.fonte.mensagens.push([tipo, m.lastEventId, JSON.parse(m.data)]));
  }
  es.onerror = () => window.fonte.erros++;
  window.es = es;
}"""


@pytest.fixture(scope="module")
def server(module_db_url):
    server = start_module_server(module_db_url, SGP_SSE_HEARTBEAT="2")
    yield server
    server.stop(graceful=False)


@pytest.fixture
def page(browser, server):
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url + "/health")
    yield page
    context.close()
    assert errors == []


def create(server, token, cliente):
    response = server.request("POST", "/pedidos/", token, json={"cliente": cliente, "valor_total": "1"})
    assert response.status_code == 201, response.text
    return response.json()


def newest(server, token):
    return int(server.request("GET", "/pedidos/?limit=0", token).headers["X-Ultimo-Evento-Id"])


def heard(page, count, timeout=15000):
    page.wait_for_function(f"() => window.ouvido.eventos.length >= {count}", timeout=timeout)
    return page.evaluate("window.ouvido")


def test_the_client_over_sse_replays_what_was_missed_then_follows_live(page, server):
    token = server.login("ana", PASSWORD)
    desde = newest(server, token)
    missed = create(server, token, "Perdido")
    page.evaluate(START_CLIENT, {"token": token, "transporte": "sse", "desde": desde})
    ouvido = heard(page, 1)
    assert ouvido["eventos"][0][2:] == [missed["id"], True]  # replayed
    page.wait_for_function("() => window.ouvido.sincronizados.length === 1")
    live = create(server, token, "Ao vivo")
    ouvido = heard(page, 2)
    assert ouvido["eventos"][1][2:] == [live["id"], False]
    assert ouvido["sincronizados"][0]["completo"] is True
    assert page.evaluate("window.cliente.via") == "sse"
    assert "conectado" in ouvido["estados"]


def test_the_client_falls_back_to_sse_when_the_socket_cannot_connect(page, server):
    # The page's sockets are cut before they reach the server, as by a proxy that drops Upgrade.
    page.route_web_socket("**/ws/pedidos", lambda ws: ws.close())
    token = server.login("ana", PASSWORD)
    page.evaluate(START_CLIENT, {"token": token, "transporte": "auto", "desde": newest(server, token)})
    page.wait_for_function(
        "() => window.cliente.via === 'sse' && window.ouvido.sincronizados.length === 1", timeout=20000
    )
    pedido = create(server, token, "Pelo stream")
    assert heard(page, 1)["eventos"][0][2] == pedido["id"]


def test_the_client_over_the_socket_by_default(page, server):
    token = server.login("ana", PASSWORD)
    page.evaluate(START_CLIENT, {"token": token, "transporte": "auto", "desde": None})
    page.wait_for_function("() => window.ouvido.estados.includes('conectado')")
    pedido = create(server, token, "Pelo socket")
    assert heard(page, 1)["eventos"][0][2:] == [pedido["id"], False]
    assert page.evaluate("window.cliente.via") == "websocket"


def test_a_revoked_token_stops_the_client_over_sse_without_retrying(page, server):
    token = server.login("bia", PASSWORD)
    page.evaluate(START_CLIENT, {"token": token, "transporte": "sse", "desde": None})
    page.wait_for_function("() => window.ouvido.estados.includes('conectado')")
    server.request("POST", "/auth/logout", token)
    page.wait_for_function("() => window.ouvido.recusas.length === 1")
    assert page.evaluate("window.cliente.parado") is True


def test_eventsource_resumes_then_follows_live(page, server):
    token = server.login("ana", PASSWORD)
    desde = newest(server, token)
    antes = create(server, token, "Antes")
    page.evaluate(START_EVENTSOURCE, {"token": token, "desde": desde})
    page.wait_for_function("() => window.fonte.mensagens.length >= 2")
    depois = create(server, token, "Depois")
    page.wait_for_function("() => window.fonte.mensagens.length >= 3")
    mensagens = page.evaluate("window.fonte.mensagens")
    (tipo1, id1, data1), (tipo2, id2, data2), (tipo3, id3, data3) = mensagens[:3]
    assert (tipo1, data1["pedido_id"], id1) == ("pedido_criado", antes["id"], str(data1["evento_id"]))
    assert tipo2 == "sincronizado" and data2 == {"ultimo_evento_id": data1["evento_id"], "completo": True}
    assert id2 == id1  # sincronizado has no id: line; EventSource keeps the last one
    assert (tipo3, data3["pedido_id"]) == ("pedido_criado", depois["id"])


def test_eventsource_reconnects_after_a_restart_with_last_event_id_and_misses_nothing(browser, live_server, db_url):
    add_users(db_url, "ana")
    server = live_server()
    token = server.login("ana", PASSWORD)
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(server.url + "/health")
        page.evaluate(START_EVENTSOURCE, {"token": token, "desde": newest(server, token)})
        page.wait_for_function("() => window.fonte.mensagens.length === 1")  # sincronizado
        ids = [create(server, token, "Antes")["id"]]
        page.wait_for_function("() => window.fonte.mensagens.length === 2")
        server.stop()  # the stream ends with encerrado 1001; EventSource retries by itself
        server.start()
        ids += [create(server, token, f"Depois {i}")["id"] for i in range(3)]
        page.wait_for_function(
            "() => window.fonte.mensagens.filter(([tipo]) => tipo === 'pedido_criado').length >= 4", timeout=30000
        )
        mensagens = page.evaluate("window.fonte.mensagens")
        assert ["encerrado", 1001] in [[tipo, data.get("code")] for tipo, _, data in mensagens]
        criados = [data["pedido_id"] for tipo, _, data in mensagens if tipo == "pedido_criado"]
        assert criados == ids  # each once, in order, across the drop
        assert page.evaluate("window.fonte.erros") >= 1
    finally:
        context.close()
