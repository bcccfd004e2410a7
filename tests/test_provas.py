"""Proofs: a random link, stored hashed and expiring, that the shop's customer opens without an
account (a strict page, no script), to approve an item's art or ask for changes, once; the item's
status_arte follows, and the order's history has the decision with the customer's name."""

import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from sgp_app.extensions import db
from sgp_app.models import Prova, utcnow
from sgp_app.testing import capture_eventos
from tests.test_arquivos import PDF, enviar, imagem


@pytest.fixture
def com_arte(client, auth):
    body = {"cliente": "Gráfica Sol", "itens": [{"descricao": "Banner 3x1", "quantidade": 2, "valor_unitario": "90.00",
                                                 "largura": "3.00", "altura": "1.00"}]}  # fmt: skip
    pedido = client.post("/pedidos/", json=body, headers=auth).get_json()
    item = pedido["itens"][0]
    arquivo = enviar(client, auth, pedido["id"], imagem("PNG"), nome="banner.png", item_id=str(item["id"])).get_json()
    return pedido, item, arquivo


def test_a_proof_link_is_random_hashed_and_puts_the_item_in_approval(app, client, auth, com_arte):
    pedido, item, arquivo = com_arte
    with capture_eventos(app) as eventos:
        body = {"arquivo_id": arquivo["id"], "mensagem": "Confira as cores"}
        answer = client.post(f"/pedidos/{pedido['id']}/provas", json=body, headers=auth)
    assert answer.status_code == 201, answer.get_json()
    prova = answer.get_json()
    token = prova["link"].removeprefix("/aprovacao/")
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", token) and prova["decisao"] is None  # 192 bits
    assert [e["type"] for e in eventos] == ["pedido_atualizado"]
    with app.app_context():
        guardada = db.session.scalar(select(Prova))
        assert guardada.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in guardada.token_hash
    atual = client.get(f"/pedidos/{pedido['id']}", headers=auth).get_json()
    assert atual["itens"][0]["status_arte"] == "em_aprovacao"
    assert client.post(f"/pedidos/{pedido['id']}/provas", json={"arquivo_id": 999}, headers=auth).status_code == 422
    assert client.post(f"/pedidos/{pedido['id']}/provas", json={"arquivo_id": arquivo["id"]}).status_code == 401


def test_the_customer_approves_from_the_page_once_without_an_account(app, client, auth, com_arte):
    pedido, item, arquivo = com_arte
    link = client.post(f"/pedidos/{pedido['id']}/provas", json={"arquivo_id": arquivo["id"], "mensagem": "Confira"},
                       headers=auth).get_json()["link"]  # fmt: skip
    pagina = client.get(link)
    assert pagina.status_code == 200 and pagina.mimetype == "text/html"
    csp = pagina.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "frame-ancestors 'none'" in csp
    html = pagina.get_data(as_text=True)
    assert f"Pedido nº <strong>{int(pedido['numero'])}</strong>" in html and "Banner 3x1" in html and "Confira" in html
    assert "<script" not in html and "http://" not in html and "https://" not in html  # nothing from elsewhere
    imagem_src = re.search(r'<img src="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert client.get(imagem_src).status_code == 200  # a signed link: no token needed
    with capture_eventos(app) as eventos:
        decidida = client.post(
            f"{link}/formulario", data={"decisao": "aprovada", "nome": "Dona Marta", "comentario": ""}
        )
    assert decidida.status_code == 303 and [e["usuario"] for e in eventos] == [None]
    depois = client.get(link).get_data(as_text=True)
    assert "Arte aprovada" in depois and "Dona Marta" in depois and "<form" not in depois
    assert client.post(link, json={"decisao": "recusada"}).status_code == 409  # once
    assert client.get(f"/pedidos/{pedido['id']}", headers=auth).get_json()["itens"][0]["status_arte"] == "aprovada"
    ultima = client.get(f"/pedidos/{pedido['id']}/historico", headers=auth).get_json()[-1]
    assert ultima["usuario"] is None and ultima["cliente"] == {"nome": "Dona Marta"}
    assert ultima["alteracoes"]["status_arte"]["para"] == {"item_id": item["id"], "status": "aprovada"}
    provas = client.get(f"/pedidos/{pedido['id']}/provas", headers=auth).get_json()
    assert [(p["decisao"], p["nome_cliente"]) for p in provas] == [("aprovada", "Dona Marta")]


def test_a_change_asked_for_over_json_sets_the_item_recusada(client, auth, com_arte):
    pedido, _, arquivo = com_arte
    link = client.post(f"/pedidos/{pedido['id']}/provas", json={"arquivo_id": arquivo["id"]}, headers=auth).get_json()[
        "link"
    ]
    assert client.post(link, json={"decisao": "talvez"}).status_code == 422
    answer = client.post(link, json={"decisao": "recusada", "comentario": "Aumentar o logo", "nome": "Marta"})
    assert answer.status_code == 200 and answer.get_json()["comentario"] == "Aumentar o logo"
    assert client.get(f"/pedidos/{pedido['id']}", headers=auth).get_json()["itens"][0]["status_arte"] == "recusada"


def test_unknown_and_expired_links_look_the_same(app, client, auth, com_arte):
    pedido, _, arquivo = com_arte
    link = client.post(f"/pedidos/{pedido['id']}/provas", json={"arquivo_id": arquivo["id"]}, headers=auth).get_json()[
        "link"
    ]
    with app.app_context():
        prova = db.session.scalar(select(Prova))
        prova.expira_em = utcnow() - timedelta(seconds=1)
        db.session.commit()
    vencida, desconhecida = client.get(link), client.get("/aprovacao/" + "x" * 32)
    assert vencida.status_code == desconhecida.status_code == 404
    assert vencida.get_data() == desconhecida.get_data()
    assert client.post(link, json={"decisao": "aprovada"}).status_code == 404
    assert client.post("/aprovacao/" + "y" * 300, json={"decisao": "aprovada"}).status_code == 404


def test_a_pdf_proof_shows_its_first_page_and_links_the_file(client, auth, com_arte):
    pedido, item, _ = com_arte
    pdf = enviar(client, auth, pedido["id"], PDF, nome="prova.pdf", item_id=str(item["id"])).get_json()
    link = client.post(f"/pedidos/{pedido['id']}/provas", json={"arquivo_id": pdf["id"]}, headers=auth).get_json()[
        "link"
    ]
    html = client.get(link).get_data(as_text=True)
    assert "/miniatura?" in html and "abrir o PDF" in html


def test_the_public_routes_are_rate_limited(app, client, auth, com_arte):
    app.config["SGP_PROOF_RATE_LIMIT"] = "3 per minute"
    answers = [client.get("/aprovacao/" + "z" * 32).status_code for _ in range(5)]
    assert answers[:3] == [404, 404, 404] and answers[3:] == [429, 429]
