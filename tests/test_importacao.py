"""``flask import-api-sgp``: a database built from api-sgp's own tables (tests/fixtures/api_sgp_schema.sql)
with rows shaped like its fixture dataset, odd ones included (a blank entry date, blank money, an
unknown production type, a broken image path, unreadable money), on SQLite, or on PostgreSQL when
the suite runs there. Checked through the API: customers, catalogs, orders with their numbers,
items, prices, steps and images; a second run updates and never duplicates; an order changed in SGP
is left alone unless --overwrite; --dry-run changes nothing; the report names every failure."""

import base64
import io
import json
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import create_engine, select, text

from sgp_app.extensions import db
from sgp_app.models import Recarga
from tests.conftest import PASSWORD
from tests.live import make_user
from tests.sse import SseClient
from tests.ws import connect, expect_silence, recv_json, run

SCHEMA = Path(__file__).parent / "fixtures" / "api_sgp_schema.sql"
CATALOGOS = {
    "vendedor": [{"id": 1, "nome": "Joao", "comissao_percentual": 5.0, "ativo": True}],
    "designer": [{"id": 1, "nome": "Maria", "ativo": True}, {"id": 2, "nome": "Ana", "ativo": True}],
    "material": [
        {"id": 1, "nome": "Lona 440g", "tipo": "lona", "valor_metro": 35.5, "estoque_metros": 0, "ativo": True}
    ],
    "envio": [{"id": 1, "nome": "Motoboy", "valor": 15.0, "prazo_dias": 1, "ativo": True}],
    "payment": [{"id": 1, "nome": "Pix", "parcelas_max": 1, "taxa_percentual": 0, "ativo": True}],
    "cliente": [
        {"id": 1, "nome": "Cliente Alpha", "cep": "01001-000", "cidade": "Sao Paulo", "estado": "SP",
         "telefone": "(11) 99999-1111"},
        {"id": 2, "nome": "Cliente Beta", "cep": "", "cidade": "Rio de Janeiro - RJ", "estado": "",
         "telefone": "(21) 98888-2222"},
        {"id": 3, "nome": "Cliente Gama", "cep": "123", "cidade": "Belo Horizonte||MG", "estado": "",
         "telefone": "(31) 97777-3333"},
    ],
}  # fmt: skip


def png(cor, tamanho=(40, 30)):
    out = io.BytesIO()
    Image.new("RGB", tamanho, cor).save(out, "PNG")
    return out.getvalue()


def pedido(id_, numero, cliente, **campos):
    row = {
        "id": id_, "numero": numero, "data_entrada": "2026-01-20", "data_entrega": None, "observacao": None,
        "prioridade": "NORMAL", "status": "pendente", "cliente": cliente, "telefone_cliente": None,
        "cidade_cliente": None, "valor_total": None, "valor_frete": None, "valor_itens": None,
        "tipo_pagamento": None, "obs_pagamento": None, "forma_envio": None, "forma_envio_id": 0,
        "financeiro": False, "conferencia": False, "sublimacao": False, "costura": False, "expedicao": False,
        "pronto": False, "items": "[]", "data_criacao": "2026-01-18 13:00:00",
        "ultima_atualizacao": "2026-01-19 10:00:00",
    }  # fmt: skip
    row.update(campos)
    if isinstance(row["items"], list):
        row["items"] = json.dumps(row["items"])
    return row


def pedidos_da_loja():
    adesivo = "data:image/png;base64," + base64.b64encode(png("red", (12, 12))).decode()
    return [
        pedido(1, "0000000115", "Cliente Alpha", telefone_cliente="(11) 99999-1111", cidade_cliente="Sao Paulo - SP",
               data_entrega="2026-01-25", prioridade="ALTA", status="Em Produção", valor_frete="15,00",
               forma_envio="Motoboy", tipo_pagamento="Pix", financeiro=True, conferencia=True,
               items=[{"tipo_producao": "lona", "descricao": "Banner promocional", "valor_unitario": "1.250,90",
                       "quantidade_lona": "2", "largura": "1,00", "altura": "2,00", "vendedor": "Joao",
                       "designer": "Maria", "tecido": "Lona 440g", "imagem_path": "pedidos/115/banner.png",
                       "acabamento": {"overloque": False, "elastico": False, "ilhos": True},
                       "quantidade_ilhos": "10", "espaco_ilhos": "20cm"},
                      {"tipo_producao": "adesivo", "descricao": "Adesivo vitrine", "valor_unitario": "3.50",
                       "quantidade_adesivo": 50, "vendedor": "Carlos", "tipo_adesivo": "Recorte", "imagem": adesivo}]),
        pedido(2, "0000000116", "Cliente Beta", telefone_cliente="(21) 98888-2222",
               cidade_cliente="Rio de Janeiro||RJ", valor_frete="", observacao="Sem pressa",
               items=[{"tipo_producao": "bandeira", "descricao": "Bandeira", "valor_unitario": "", "quantity": 3}]),
        pedido(3, "0000000117", "Cliente Gama", data_entrada="", status="Concluido", valor_total="80,00",
               valor_frete="10,00", items=[{"tipo_producao": "totem", "descricao": "Totem", "valor_unitario": "70",
                                            "imagem_path": "pedidos/117/sumiu.png"}]),
        pedido(4, "0000000118", "Cliente Delta", valor_frete="cinco reais"),
        pedido(9, None, "Avulso", valor_total="R$ 40,00", status="cancelado"),
    ]  # fmt: skip


@pytest.fixture
def fonte(tmp_path, db_url):
    """An api-sgp database (SQLite beside the test, or a PostgreSQL database of its own when the suite
    runs on PostgreSQL) with its tables, catalogs, customers and orders, and its media folder."""
    if db_url.startswith("postgresql"):
        admin = create_engine(db_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS test_api_sgp"))
            conn.execute(text("CREATE DATABASE test_api_sgp"))
        admin.dispose()
        url = db_url.rsplit("/", 1)[0] + "/test_api_sgp"
    else:
        url = f"sqlite:///{tmp_path / 'api-sgp.sqlite3'}"
    engine = create_engine(url)
    sql = "\n".join(line for line in SCHEMA.read_text().splitlines() if not line.lstrip().startswith("--"))
    with engine.begin() as conn:
        for statement in sql.split(";"):
            if statement.strip():
                conn.execute(text(statement))
    escrever(engine, CATALOGOS)
    escrever(engine, {"pedidos": pedidos_da_loja()})
    escrever(engine, {"pedido_imagens": [{"id": 1, "pedido_id": 1, "item_index": 0, "item_identificador": None,
                                          "filename": "arte.png", "mime_type": "image/png",
                                          "path": "pedidos/115/arte.png", "tamanho": 0,
                                          "criado_em": "2026-01-18 13:00:00"}]})  # fmt: skip
    media = tmp_path / "media"
    (media / "pedidos" / "115").mkdir(parents=True)
    (media / "pedidos" / "115" / "banner.png").write_bytes(png("blue", (64, 32)))
    (media / "pedidos" / "115" / "arte.png").write_bytes(png("green", (30, 60)))
    yield engine, media
    engine.dispose()


def escrever(engine, tabelas):
    with engine.begin() as conn:
        for tabela, rows in tabelas.items():
            for row in rows:
                nomes = ", ".join(f'"{k}"' for k in row)
                conn.execute(text(f'INSERT INTO "{tabela}" ({nomes}) VALUES ({", ".join(":" + k for k in row)})'), row)


def importar(runner, engine, media, *extra):
    args = ["import-api-sgp", engine.url.render_as_string(hide_password=False), "--media-dir", str(media), *extra]
    return runner.invoke(args=args)


def por_numero(client, headers):
    answer = client.get("/pedidos/?limit=500&status=pendente,em_producao,pronto,entregue,cancelado", headers=headers)
    return {p["numero"]: p for p in answer.get_json()}


def test_a_shop_comes_in_with_its_customers_catalogs_orders_steps_and_images(runner, client, admin, fonte):
    engine, media = fonte
    result = importar(runner, engine, media)
    assert result.exit_code == 1, result.output  # two rows could not come in: listed, and the status says so
    assert "pedido: 4 criados, 1 falhas" in result.stdout
    assert "cliente: 3 criados" in result.stdout
    assert "vendedor: 2 criados" in result.stdout  # Joao from its table, Carlos named only by an item
    assert "pedido 0000000118 (id 4): valor_frete: valor ilegível ('cinco reais')" in result.stdout
    assert "pedidos/117/sumiu.png: arquivo não encontrado em --media-dir" in result.stdout
    assert "pedidos: 5/5 (100%)" in result.stderr  # progress, as plain lines off a terminal

    pedidos = por_numero(client, admin)
    assert sorted(pedidos) == ["0000000009", "0000000115", "0000000116", "0000000117"]
    alpha = pedidos["0000000115"]
    assert (alpha["status"], alpha["prioridade"], alpha["data_entrada"], alpha["data_entrega"]) == (
        "em_producao", "ALTA", "2026-01-20", "2026-01-25")  # fmt: skip
    assert (alpha["cidade_cliente"], alpha["estado_cliente"], alpha["forma_envio"]) == ("Sao Paulo", "SP", "Motoboy")
    assert (alpha["valor_itens"], alpha["valor_frete"], alpha["valor_total"]) == ("2676.80", "15.00", "2691.80")
    lona, adesivo = alpha["itens"]
    assert (lona["tipo_producao"], lona["quantidade"], lona["valor_unitario"], lona["metro_quadrado"]) == (
        "lona", 2, "1250.90", "4.00")  # fmt: skip
    assert (
        lona["vendedor"]["nome"] == "Joao" and lona["designer"]["nome"] == "Maria" and lona["material"] == "Lona 440g"
    )
    assert lona["detalhes"] == {"quantidade_ilhos": "10", "espaco_ilhos": "20cm", "acabamento_ilhos": True}
    assert adesivo["quantidade"] == 50 and adesivo["vendedor"]["nome"] == "Carlos"  # a seller only items name
    assert [e["etapa"] for e in alpha["etapas"] if e["feita"]] == ["financeiro", "conferencia"]
    cliente = client.get(f"/clientes/{alpha['cliente_id']}", headers=admin).get_json()
    assert (cliente["nome"], cliente["cep"], cliente["cidade"], cliente["estado"]) == (
        "Cliente Alpha", "01001000", "Sao Paulo", "SP")  # fmt: skip
    arquivos = client.get(f"/pedidos/{alpha['id']}/arquivos", headers=admin).get_json()
    assert sorted(a["nome"] for a in arquivos) == ["arte.png", "banner.png", "item-2.png"]
    assert all(a["tipo"] == "image/png" and a["miniatura_url"] for a in arquivos)
    assert {a["item_id"] for a in arquivos} == {lona["id"], adesivo["id"]}
    historico = client.get(f"/pedidos/{alpha['id']}/historico", headers=admin).get_json()
    assert [(h["tipo"], h["alteracoes"]) for h in historico] == [
        ("pedido_criado", {"importado": {"de": None, "para": {"sistema": "api-sgp", "id": 1}}})
    ]

    beta = pedidos["0000000116"]  # blank money, an unknown type
    assert (beta["valor_total"], beta["estado_cliente"], beta["observacao"]) == ("0.00", "RJ", "Sem pressa")
    assert beta["itens"][0]["tipo_producao"] == "" and beta["itens"][0]["detalhes"] == {
        "tipo_producao_api_sgp": "bandeira"
    }
    gama = pedidos["0000000117"]  # no entry date: the day it was created; its image is missing
    assert (gama["data_entrada"], gama["status"], gama["valor_total"]) == ("2026-01-18", "entregue", "80.00")
    avulso = pedidos["0000000009"]  # no number: its id; no items: its typed total
    assert (avulso["status"], avulso["valor_total"]) == ("cancelado", "40.00")
    assert client.get("/clientes?q=gama", headers=admin).get_json()[0]["observacao"] == "CEP no api-sgp: 123"
    # New orders are numbered after the imported ones.
    novo = client.post("/pedidos/", json={"cliente": "Depois", "valor_total": "1.00"}, headers=admin).get_json()
    assert novo["numero"] == "0000000118"


def test_running_again_updates_what_changed_and_never_duplicates(runner, client, admin, fonte):
    engine, media = fonte
    importar(runner, engine, media)
    again = importar(runner, engine, media)
    assert "pedido: 4 iguais, 1 falhas" in again.stdout and "cliente: 3 iguais" in again.stdout
    assert len(por_numero(client, admin)) == 4
    assert len(client.get("/clientes?limit=50", headers=admin).get_json()) == 3
    with engine.begin() as conn:
        conn.execute(text("UPDATE pedidos SET observacao = 'Com pressa', valor_frete = '7,00' WHERE id = 2"))
        conn.execute(text("UPDATE pedidos SET valor_frete = '1,00' WHERE id = 4"))  # now it can come in
    third = importar(runner, engine, media)
    assert "pedido: 1 criados, 1 atualizados, 3 iguais" in third.stdout
    beta = por_numero(client, admin)["0000000116"]
    assert (beta["observacao"], beta["valor_frete"], beta["versao"]) == ("Com pressa", "7.00", 2)
    arquivos = client.get(f"/pedidos/{por_numero(client, admin)['0000000115']['id']}/arquivos", headers=admin)
    assert len(arquivos.get_json()) == 3  # images are not added twice


def test_an_order_changed_in_sgp_is_left_alone_unless_overwrite(runner, client, admin, fonte):
    engine, media = fonte
    importar(runner, engine, media)
    alpha = por_numero(client, admin)["0000000115"]
    client.patch(f"/pedidos/{alpha['id']}", json={"observacao": "Cliente ligou"}, headers=admin)
    with engine.begin() as conn:
        conn.execute(text("UPDATE pedidos SET observacao = 'Mudou no api-sgp' WHERE id = 1"))
    kept = importar(runner, engine, media)
    assert "1 alterados no sgp" in kept.stdout
    assert "Pedidos alterados no SGP desde a importação, mantidos como estão" in kept.stdout
    assert "0000000115" in kept.stdout
    assert por_numero(client, admin)["0000000115"]["observacao"] == "Cliente ligou"
    overwritten = importar(runner, engine, media, "--overwrite")
    assert overwritten.exception is None or isinstance(overwritten.exception, SystemExit), overwritten.exc_info
    assert "pedido: 1 atualizados" in overwritten.stdout, overwritten.output
    assert por_numero(client, admin)["0000000115"]["observacao"] == "Mudou no api-sgp"


def test_a_dry_run_reports_the_same_and_changes_nothing(runner, client, admin, fonte, tmp_path):
    engine, media = fonte
    result = importar(runner, engine, media, "--dry-run")
    assert result.exit_code == 1 and "simulação: nada foi gravado" in result.stdout
    assert "pedido: 4 criados, 1 falhas" in result.stdout
    assert por_numero(client, admin) == {}
    assert client.get("/clientes", headers=admin).get_json() == []
    assert client.get("/catalogos/vendedores", headers=admin).get_json() == []
    assert not any((tmp_path / "arquivos").rglob("*.*")) if (tmp_path / "arquivos").exists() else True


def test_what_is_no_api_sgp_database_is_said_plainly(runner, tmp_path):
    vazio = f"sqlite:///{tmp_path / 'vazio.sqlite3'}"
    create_engine(vazio).connect().close()
    result = runner.invoke(args=["import-api-sgp", vazio])
    assert result.exit_code == 1 and "Não é um banco do api-sgp: falta a tabela pedidos" in result.output
    broken = runner.invoke(args=["import-api-sgp", "postgresql+psycopg://nobody@127.0.0.1:1/none"])
    assert broken.exit_code == 1 and "Não foi possível ler o banco do api-sgp" in broken.output


def test_a_changed_customer_is_updated_and_found_by_its_new_name(runner, client, admin, fonte):
    engine, media = fonte
    importar(runner, engine, media)
    with engine.begin() as conn:
        conn.execute(text("UPDATE cliente SET nome = 'Cliente Ômega', cidade = 'Serra - ES' WHERE id = 3"))
    again = importar(runner, engine, media)
    assert "cliente: 1 atualizados, 2 iguais" in again.stdout
    (omega,) = client.get("/clientes?q=omega", headers=admin).get_json()
    assert (omega["cidade"], omega["estado"], omega["versao"]) == ("Serra", "ES", 2)
    assert client.get("/clientes?q=gama", headers=admin).get_json() == []


def test_orders_the_shop_names_come_in_paid_once(runner, client, admin, fonte):
    engine, media = fonte
    importar(runner, engine, media)  # by default nothing is paid: api-sgp keeps no payments
    assert {n: p["valor_pago"] for n, p in por_numero(client, admin).items()}["0000000115"] == "0.00"
    with engine.begin() as conn:
        conn.execute(text("UPDATE pedidos SET financeiro_liberado_em = '2026-01-21 09:30:00' WHERE id = 1"))
        conn.execute(text("UPDATE pedidos SET observacao = 'Paga na entrega' WHERE id = 2"))
    result = importar(runner, engine, media, "--quitar", "entregues", "--quitar", "financeiro")
    assert "pagamento: 2 criados" in result.stdout, result.output
    pedidos = por_numero(client, admin)
    situacao = {n: (p["valor_pago"], p["saldo"], p["situacao_pagamento"]) for n, p in pedidos.items()}
    assert situacao == {
        "0000000115": ("2691.80", "0.00", "pago"),  # released by finance
        "0000000116": ("0.00", "0.00", "pago"),  # nothing to pay (its items had no price)
        "0000000117": ("80.00", "0.00", "pago"),  # delivered
        "0000000009": ("0.00", "40.00", "em_aberto"),  # cancelled: never paid by the import
    }
    (pago,) = client.get(f"/pedidos/{pedidos['0000000115']['id']}/pagamentos", headers=admin).get_json()
    assert (pago["valor"], pago["data"], pago["forma_pagamento"]["nome"]) == ("2691.80", "2026-01-21", "Pix")
    assert pago["observacao"] == "Importado do api-sgp: liberado pelo financeiro" and pago["usuario"] is None
    (entregue,) = client.get(f"/pedidos/{pedidos['0000000117']['id']}/pagamentos", headers=admin).get_json()
    assert entregue["forma_pagamento"]["nome"] == "Não informada"  # api-sgp named no method
    with engine.begin() as conn:
        conn.execute(text("UPDATE pedidos SET valor_frete = '20,00' WHERE id = 1"))
    again = importar(runner, engine, media, "--quitar", "financeiro", "--overwrite")
    assert "pagamento" not in again.stdout  # paid once: the new freight is owed, not paid again
    alpha = por_numero(client, admin)["0000000115"]
    assert (alpha["valor_pago"], alpha["saldo"]) == ("2691.80", "5.00")


def test_catalog_names_that_read_the_same_are_one_entry(runner, client, admin, fonte):
    """Accents, case and invisible characters aside, as the catalogs' own routes keep them unique:
    the shop's "JOÃO" is api-sgp's "Joao", and "Pi\u200bx" (a zero-width space) is "Pix"."""
    engine, media = fonte
    assert client.post("/catalogos/vendedores", json={"nome": "JOÃO"}, headers=admin).status_code == 201
    with engine.begin() as conn:
        conn.execute(text("UPDATE pedidos SET tipo_pagamento = 'Pi\u200bx' WHERE id = 3"))
        conn.execute(text("UPDATE designer SET nome = 'Má\u200bria' WHERE id = 1"))
    result = importar(runner, engine, media, "--quitar", "entregues")
    assert "vendedor: 1 criados, 1 existentes" in result.stdout, result.output  # Carlos only
    assert "payment: 1 criados" in result.stdout and "designer: 2 criados" in result.stdout
    vendedores = client.get("/catalogos/vendedores", headers=admin).get_json()
    assert sorted(v["nome"] for v in vendedores) == ["Carlos", "JOÃO"]
    designers = client.get("/catalogos/designers", headers=admin).get_json()
    assert sorted(d["nome"] for d in designers) == ["Ana", "Mária"]
    formas = client.get("/catalogos/formas-pagamento", headers=admin).get_json()
    assert [f["nome"] for f in formas] == ["Pix"]  # the delivered order's payment went to it
    # What the import created is unique for the routes too: the same name, spelt otherwise, is refused.
    assert client.post("/catalogos/designers", json={"nome": "MARIA"}, headers=admin).status_code != 201


def recargas(app):
    with app.app_context():
        hints = [(r.id, r.motivo) for r in db.session.scalars(select(Recarga).order_by(Recarga.id))]
        db.session.remove()
    return hints


def test_open_boards_get_one_reload_hint_and_no_event_per_order(app, runner, client, admin, fonte):
    engine, media = fonte
    importar(runner, engine, media, "--dry-run")
    assert recargas(app) == []  # a dry run tells nobody anything
    importar(runner, engine, media)
    ((hint, motivo),) = recargas(app)
    assert motivo == "importacao"
    eventos = client.get("/pedidos/eventos?desde=0", headers=admin)
    assert eventos.get_json() == [] and eventos.headers["X-Ultimo-Evento-Id"] == str(hint)
    importar(runner, engine, media)  # nothing changed: nothing to reload
    assert recargas(app) == [(hint, "importacao")]
    with engine.begin() as conn:
        conn.execute(text("UPDATE pedidos SET observacao = 'Com pressa' WHERE id = 2"))
    importar(runner, engine, media)
    assert [motivo for _, motivo in recargas(app)] == ["importacao", "importacao"]


def test_an_import_reloads_the_boards_open_on_a_real_server(app, runner, fonte, live_server):
    """The command runs in another process than the server: the hint reaches the sockets and streams
    through the event log, as ``sincronizado`` with ``completo: false``; a resume across it says the same."""
    engine, media = fonte
    make_user(app, "ana", PASSWORD)
    server = live_server()
    token = server.login("ana", PASSWORD)
    stream = SseClient(server, f"?token={token}")
    assert stream.status == 200

    async def scenario():
        async with await connect(server, token) as ws:
            await expect_silence(ws, 0.3)  # registered and live before the import starts
            importar(runner, engine, media)
            ((hint, _),) = recargas(app)
            assert await recv_json(ws, timeout=10) == {
                "type": "sincronizado", "ultimo_evento_id": hint, "completo": False}  # fmt: skip
            await expect_silence(ws, 0.5)  # and not one event per imported order
        assert stream.next() == {"event": "sincronizado", "data": {"ultimo_evento_id": hint, "completo": False}}
        async with await connect(server, token, query="ultimo_evento_id=0") as ws:
            assert await recv_json(ws) == {"type": "sincronizado", "ultimo_evento_id": hint, "completo": False}

    run(scenario())
    stream.sock.close()


def test_an_open_board_shows_the_imported_orders_without_being_reloaded(app, runner, client, admin, fonte,
                                                                        live_server, open_board):  # fmt: skip
    from playwright.sync_api import expect

    engine, media = fonte
    make_user(app, "ana", PASSWORD)
    board = open_board(live_server(), "ana")
    board.wait_live()
    importar(runner, engine, media)
    pedidos = por_numero(client, admin)
    expect(board.card_in("em_producao", pedidos["0000000115"]["id"])).to_be_visible(timeout=15000)
    expect(board.card_in("pendente", pedidos["0000000116"]["id"])).to_be_visible()
    assert board.stored_ultimo_evento_id() == recargas(app)[0][0]


def test_a_run_that_stops_halfway_keeps_its_committed_batches_and_the_next_run_carries_on(
    runner, client, admin, fonte, monkeypatch
):
    from sgp_app.importacao import api_sgp, importador

    engine, media = fonte
    monkeypatch.setattr(importador, "LOTE", 2)
    lidos = []
    itens = api_sgp.itens

    def falha_no_terceiro(texto):
        lidos.append(texto)
        if len(lidos) == 3:
            raise RuntimeError("o disco encheu")  # not a row's fault: the run stops
        return itens(texto)

    monkeypatch.setattr(api_sgp, "itens", falha_no_terceiro)
    stopped = importar(runner, engine, media)
    assert stopped.exit_code != 0
    assert sorted(por_numero(client, admin)) == ["0000000115", "0000000116"]  # the first batch, whole
    assert len(recargas(runner.app)) == 1  # open boards reload what did come in
    monkeypatch.setattr(api_sgp, "itens", itens)
    again = importar(runner, engine, media)
    assert "pedido: 2 criados, 2 iguais, 1 falhas" in again.stdout
    assert sorted(por_numero(client, admin)) == ["0000000009", "0000000115", "0000000116", "0000000117"]
