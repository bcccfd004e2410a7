"""Files and proofs on the board, in real headless Chromium against a real gunicorn server: a
designer drops the art on an item (a progress bar per upload), sees its thumbnail on the card and in
the drawer, opens it full size, sends the proof (copy or WhatsApp), the customer approves it from a
phone without an account, and the board shows "aprovada" live; the work order prints the thumbnail."""

import re
from urllib.parse import parse_qs, urlparse

import pytest
from PIL import Image

from tests.browser import artifact_path
from tests.conftest import add_users, start_module_server
from tests.test_arquivos import PDF
from tests.test_board import rest

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (requirements-dev.txt)")
expect = playwright_api.expect


@pytest.fixture(scope="module")
def server(module_db_url):
    add_users(module_db_url, "chefe", admin=True)
    server = start_module_server(module_db_url)
    yield server
    server.stop(graceful=False)


def arte(tmp_path, nome="arte-banner.png", cor=(20, 90, 200)):
    caminho = tmp_path / nome
    Image.new("RGB", (1200, 400), cor).save(caminho)
    return caminho


def test_the_art_goes_from_the_designer_to_the_customer_and_back_approved(server, open_board, browser, tmp_path):
    banner = {"descricao": "Banner fachada", "quantidade": 1, "valor_unitario": "180.00", "largura": "3.00",
              "altura": "1.00"}  # fmt: skip
    pedido = rest(server, "POST", "/pedidos/", json={"cliente": "Padaria Pão Quente", "itens": [banner]})
    designer = open_board(server, "ana")
    balcao = open_board(server, "bia")
    page = designer.page
    designer.card(pedido["id"]).click()
    drawer = page.locator("#gaveta")
    drawer.locator("#arquivos-item").select_option(str(pedido["itens"][0]["id"]))
    # Picked from the device...
    drawer.locator("#arquivos-escolher").set_input_files(str(arte(tmp_path)))
    arquivo = drawer.locator("#gaveta-arquivos .arquivo")
    expect(arquivo).to_have_count(1)
    expect(arquivo.locator("img")).to_have_attribute("src", re.compile(r"^/arquivos/\d+/miniatura\?expira="))
    expect(arquivo).to_contain_text("Banner fachada")
    # ...and dropped on the drawer (a PDF, for the order).
    drawer.locator("#arquivos-item").select_option("")
    transferencia = page.evaluate_handle(
        """(bytes) => { const dt = new DataTransfer();
             const pdf = new File([new Uint8Array(bytes)], "orcamento.pdf", {type: "application/pdf"});
             dt.items.add(pdf); return dt; }""",
        list(PDF),
    )
    drawer.locator("#zona-arquivos").dispatch_event("drop", {"dataTransfer": transferencia})
    expect(drawer.locator("#gaveta-arquivos .arquivo")).to_have_count(2)
    # A file the server refuses says why, beside its name.
    falsa = tmp_path / "foto.png"
    falsa.write_bytes(b"<svg onload=alert(1)>")
    drawer.locator("#arquivos-escolher").set_input_files(str(falsa))
    expect(drawer.locator("#envios .falhou")).to_contain_text("Tipo de arquivo não aceito")
    # The other board's card shows the cover, live.
    expect(balcao.card(pedido["id"]).locator("img.capa")).to_be_visible()
    # A full view on click.
    arquivo.first.locator(".miniatura").click()
    expect(page.locator("#visualizador img")).to_have_attribute("src", re.compile(r"^/arquivos/\d+\?expira="))
    page.locator("#visualizador-fechar").click()
    # The proof: a link to copy and a WhatsApp message with it.
    arquivo.first.locator(".enviar-prova").click()
    link = drawer.locator("#prova-url")
    expect(link).to_have_value(re.compile(r"^http://127\.0\.0\.1:\d+/aprovacao/[A-Za-z0-9_-]{32}$"))
    whatsapp = drawer.locator("#prova-whatsapp").get_attribute("href")
    assert whatsapp.startswith("https://wa.me/?text=")
    mensagem = parse_qs(urlparse(whatsapp).query)["text"][0]
    assert f"pedido nº {int(pedido['numero'])} (Banner fachada)" in mensagem and link.input_value() in mensagem
    expect(balcao.card(pedido["id"]).locator(".arte")).to_have_text("Arte em aprovação")
    page.screenshot(path=artifact_path("drawer-files-proof.png"))
    # The customer, on a phone, without an account.
    celular = browser.new_context(viewport={"width": 390, "height": 800}, locale="pt-BR")
    try:
        cliente = celular.new_page()
        cliente.goto(link.input_value())
        expect(cliente.locator("h1")).to_have_text("Aprovação de arte")
        expect(cliente.locator(".pedido")).to_contain_text(f"Pedido nº {int(pedido['numero'])}")
        expect(cliente.locator(".item")).to_contain_text("Banner fachada")
        largura = cliente.evaluate("document.querySelector('figure img').naturalWidth")
        assert largura == 1200  # the proof itself, through its signed link
        cliente.screenshot(path=artifact_path("proof-page-phone.png"), full_page=True)
        cliente.fill("[name=nome]", "Seu Joaquim")
        cliente.click("button.aprovar")
        expect(cliente.locator(".decidida")).to_contain_text("Arte aprovada por Seu Joaquim")
    finally:
        celular.close()
    # Both boards show it live.
    expect(balcao.card(pedido["id"]).locator(".arte")).to_have_text("Arte aprovada")
    expect(drawer.locator("#gaveta-arquivos .arquivo").first).to_contain_text("arte aprovada")
    expect(drawer.locator("#gaveta-historico")).to_contain_text("Seu Joaquim")
    # The work order prints the item's thumbnail.
    page.evaluate("() => { window.print = () => { window.imprimiu = (window.imprimiu || 0) + 1; }; }")
    drawer.locator("#gaveta-imprimir").click()
    miniatura = page.locator("#os .os-itens img.os-miniatura")
    expect(miniatura).to_have_count(1)
    expect(miniatura).to_have_js_property("naturalWidth", 320)  # loaded: printed only then
    assert page.evaluate("window.imprimiu") == 1
    # Deleting: the uploader may, and the card loses its cover when no thumbnail is left.
    expect(drawer).to_be_visible()
    for restantes in (1, 0):
        page.once("dialog", lambda d: d.accept())
        drawer.locator("#gaveta-arquivos .arquivo .apagar").first.click()
        expect(drawer.locator("#gaveta-arquivos .arquivo")).to_have_count(restantes)
    expect(drawer.locator("#gaveta-arquivos .vazio")).to_have_text("Nenhum arquivo")
    expect(balcao.card(pedido["id"]).locator("img.capa")).to_have_count(0)
