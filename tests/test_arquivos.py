"""Files on orders: the type read from the bytes, stored once per content, downloaded with ETag and
Range through a signed link or a token, thumbnails without metadata and never of a bomb, deletion
by the uploader or an admin, and every upload and deletion a change of its order."""

import io
import os
import struct
import zlib

import pytest
from PIL import Image

from sgp_app.arquivos import conteudo, service
from sgp_app.testing import capture_eventos
from tests.conftest import PASSWORD, bearer
from tests.live import make_user


def imagem(formato, tamanho=(1600, 900), cor="red", **opcoes):
    saida = io.BytesIO()
    Image.new("RGB", tamanho, cor).save(saida, formato, **opcoes)
    return saida.getvalue()


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 1190 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF"
)


@pytest.fixture
def pedido(client, auth):
    body = {"cliente": "Gráfica Sol", "itens": [{"descricao": "Banner", "quantidade": 1, "valor_unitario": "10.00"}]}
    return client.post("/pedidos/", json=body, headers=auth).get_json()


def enviar(client, headers, pedido_id, dados, nome="arte.png", **campos):
    return client.post(
        f"/pedidos/{pedido_id}/arquivos",
        data={"arquivo": (io.BytesIO(dados), nome), **campos},
        headers=headers,
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    ("formato", "tipo"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp"), ("TIFF", "image/tiff")],
)
def test_images_are_taken_by_their_bytes_with_a_thumbnail_of_320_px(client, auth, pedido, formato, tipo):
    answer = enviar(client, auth, pedido["id"], imagem(formato), nome="qualquer.nome")
    assert answer.status_code == 201, answer.get_json()
    arquivo = answer.get_json()
    assert (arquivo["tipo"], arquivo["nome"], arquivo["pedido_id"]) == (tipo, "qualquer.nome", pedido["id"])
    miniatura = client.get(arquivo["miniatura_url"])
    assert miniatura.status_code == 200 and miniatura.mimetype == "image/webp"
    assert Image.open(io.BytesIO(miniatura.data)).size == (320, 180)


def test_a_pdf_is_an_attachment_and_its_thumbnail_is_its_first_page(client, auth, pedido):
    arquivo = enviar(client, auth, pedido["id"], PDF, nome="prova final.pdf").get_json()
    assert arquivo["tipo"] == "application/pdf"
    baixado = client.get(arquivo["url"])
    assert baixado.data == PDF and baixado.headers["Content-Disposition"].startswith("attachment;")
    largura, altura = Image.open(io.BytesIO(client.get(arquivo["miniatura_url"]).data)).size
    assert largura == 320 and altura in (226, 227)  # A4 landscape: 1190 × 842 points


@pytest.mark.parametrize(
    "dados",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b"<!doctype html><script>alert(1)</script>",
        b"MZ\x90\x00\x03\x00\x00\x00",  # a Windows executable
        b"GIF89a\x01\x00\x01\x00",  # an image, but not a type taken
        b"",
    ],
)
def test_anything_else_is_415_whatever_its_name(client, auth, pedido, dados):
    answer = enviar(client, auth, pedido["id"], dados, nome="foto.png")
    assert answer.status_code == 415 and answer.get_json()["error"]["message"].startswith("Tipo de arquivo")
    assert client.get(f"/pedidos/{pedido['id']}/arquivos", headers=auth).get_json() == []


def test_a_file_beyond_the_limit_is_413_and_keeps_nothing(app, client, auth, pedido):
    app.config["SGP_MAX_FILE_BYTES"] = 50_000
    dados = imagem("PNG", (600, 600), "white") + os.urandom(60_000)  # a PNG with bytes after its end
    answer = enviar(client, auth, pedido["id"], dados)
    assert answer.status_code == 413
    assert client.get(f"/pedidos/{pedido['id']}/arquivos", headers=auth).get_json() == []


def test_bad_form_fields_are_422(client, auth, pedido):
    assert enviar(client, auth, pedido["id"], PDF, item_id="abc").status_code == 422
    assert enviar(client, auth, pedido["id"], PDF, item_id="999").get_json()["error"]["fields"] == {
        "item_id": "Não é um item deste pedido"
    }
    assert enviar(client, auth, pedido["id"], PDF, legenda="x" * 301).status_code == 422
    sem = client.post(f"/pedidos/{pedido['id']}/arquivos", data={"legenda": "x"}, headers=auth,
                      content_type="multipart/form-data")  # fmt: skip
    assert sem.status_code == 422 and "arquivo" in sem.get_json()["error"]["fields"]
    assert client.post(f"/pedidos/{pedido['id']}/arquivos", json={}, headers=auth).status_code == 415
    assert enviar(client, auth, 999, PDF).status_code == 404


def test_downloads_have_etag_range_and_nosniff(client, auth, pedido):
    dados = imagem("PNG")
    arquivo = enviar(client, auth, pedido["id"], dados).get_json()
    inteiro = client.get(arquivo["url"])
    assert inteiro.data == dados and inteiro.headers["X-Content-Type-Options"] == "nosniff"
    assert inteiro.headers["Content-Disposition"].startswith("inline;")
    etag = inteiro.headers["ETag"]
    assert etag == f'"{arquivo["sha256"]}"'
    assert client.get(arquivo["url"], headers={"If-None-Match": etag}).status_code == 304
    parte = client.get(arquivo["url"], headers={"Range": "bytes=10-19"})
    assert parte.status_code == 206 and parte.data == dados[10:20]
    assert parte.headers["Content-Range"] == f"bytes 10-19/{len(dados)}"
    fim = client.get(arquivo["url"], headers={"Range": "bytes=-5"})
    assert fim.data == dados[-5:]
    fora = client.get(arquivo["url"], headers={"Range": f"bytes={len(dados) + 10}-"})
    assert fora.status_code == 416 and fora.headers["Content-Range"] == f"bytes */{len(dados)}"
    # If-Range with another tag: the whole file.
    assert client.get(arquivo["url"], headers={"Range": "bytes=0-1", "If-Range": '"x"'}).status_code == 200


def test_signed_links_open_one_file_part_until_they_expire_and_a_token_opens_any(app, client, auth, pedido):
    primeiro = enviar(client, auth, pedido["id"], imagem("PNG", cor="blue")).get_json()
    segundo = enviar(client, auth, pedido["id"], imagem("PNG", cor="green")).get_json()
    assert client.get(primeiro["url"]).status_code == 200
    outro = primeiro["url"].replace(f"/arquivos/{primeiro['id']}?", f"/arquivos/{segundo['id']}?")
    assert client.get(outro).status_code == 403  # the signature is that file's
    miniatura = primeiro["url"].replace("?", "/miniatura?")
    assert client.get(miniatura).status_code == 403  # and that part's
    expira = primeiro["url"].split("expira=")[1].split("&")[0]
    mais_tarde = primeiro["url"].replace(f"expira={expira}", f"expira={int(expira) + 1000}")
    assert client.get(mais_tarde).status_code == 403
    with app.test_request_context():
        vencido = service.assinatura(primeiro["id"], "arquivo", 1000)
    assert client.get(f"/arquivos/{primeiro['id']}?expira=1000&assinatura={vencido}").status_code == 403
    assert client.get(f"/arquivos/{primeiro['id']}").status_code == 401
    assert client.get(f"/arquivos/{segundo['id']}/miniatura", headers=auth).status_code == 200


def test_one_content_is_stored_once_and_goes_with_its_last_file(app, client, auth, pedido):
    pasta = app.config["SGP_FILES_DIR"]
    dados = imagem("JPEG")
    primeiro = enviar(client, auth, pedido["id"], dados, nome="a.jpg").get_json()
    segundo = enviar(client, auth, pedido["id"], dados, nome="b.jpg").get_json()
    assert primeiro["sha256"] == segundo["sha256"] and primeiro["id"] != segundo["id"]
    conteudo_ = os.path.join(pasta, "conteudo", primeiro["sha256"])
    assert os.listdir(os.path.join(pasta, "conteudo")) == [primeiro["sha256"]]
    assert client.delete(f"/arquivos/{primeiro['id']}", headers=auth).status_code == 204
    assert os.path.exists(conteudo_)  # the other file still has it
    assert client.get(segundo["url"]).data == dados
    assert client.delete(f"/arquivos/{segundo['id']}", headers=auth).status_code == 204
    assert not os.path.exists(conteudo_)
    assert not os.listdir(os.path.join(pasta, "miniaturas"))
    assert client.delete(f"/arquivos/{segundo['id']}", headers=auth).status_code == 404


def test_thumbnails_carry_no_metadata_and_a_bomb_gets_none(app, client, auth, pedido):
    exif = Image.Exif()
    exif[0x010F] = "Câmera do cliente"  # Make
    exif[0x8825] = {2: (20.0, 19.0, 1.0)}  # GPS latitude
    foto = enviar(client, auth, pedido["id"], imagem("JPEG", exif=exif.tobytes())).get_json()
    miniatura = Image.open(io.BytesIO(client.get(foto["miniatura_url"]).data))
    assert not miniatura.getexif() and "exif" not in miniatura.info and "icc_profile" not in miniatura.info
    # A PNG whose header claims 40,000 × 40,000 pixels: kept, no thumbnail, nothing decoded.
    bomba = _png_header_only(40_000, 40_000)
    answer = enviar(client, auth, pedido["id"], bomba, nome="bomba.png")
    assert answer.status_code == 201 and answer.get_json()["miniatura_url"] is None
    assert client.get(f"/arquivos/{answer.get_json()['id']}/miniatura", headers=auth).status_code == 404
    # A damaged image: kept as sent, no thumbnail.
    quebrada = imagem("PNG")[:200]
    assert enviar(client, auth, pedido["id"], quebrada).get_json()["miniatura_url"] is None


def _png_header_only(largura, altura):
    """A PNG with a valid header and one tiny compressed row: what decompression bombs look like."""

    def bloco(tipo, dados):
        return struct.pack(">I", len(dados)) + tipo + dados + struct.pack(">I", zlib.crc32(tipo + dados))

    cabecalho = struct.pack(">IIBBBBB", largura, altura, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + bloco(b"IHDR", cabecalho)
        + bloco(b"IDAT", zlib.compress(b"\x00" * 64))
        + bloco(b"IEND", b"")
    )


def test_names_are_never_paths():
    assert service.nome_seguro("../../etc/passwd", "image/png") == "passwd"
    assert service.nome_seguro("C:\\Users\\ana\\arte final.pdf", "application/pdf") == "arte final.pdf"
    assert service.nome_seguro("a\u202eb\nc.png", "image/png") == "abc.png"
    assert service.nome_seguro("", "image/jpeg") == "arquivo.jpg"
    assert conteudo.tipo(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert conteudo.tipo(b"RIFF\x00\x00\x00\x00WAVEfmt ") is None


def test_uploader_or_admin_deletes_and_each_change_is_history_and_an_event(app, client, auth, admin, pedido):
    with capture_eventos(app) as eventos:
        arquivo = enviar(
            client, auth, pedido["id"], PDF, item_id=str(pedido["itens"][0]["id"]), legenda="prova"
        ).get_json()
    assert [e["type"] for e in eventos] == ["pedido_atualizado"]
    assert arquivo["item_id"] == pedido["itens"][0]["id"] and arquivo["enviado_por"]["username"] == "ana"
    make_user(app, "bia", PASSWORD)
    assert client.delete(f"/arquivos/{arquivo['id']}", headers=bearer(client, "bia")).status_code == 403
    with capture_eventos(app) as eventos:
        assert client.delete(f"/arquivos/{arquivo['id']}", headers=admin).status_code == 204
    assert [e["type"] for e in eventos] == ["pedido_atualizado"]
    historico = client.get(f"/pedidos/{pedido['id']}/historico", headers=auth).get_json()
    assert historico[-2]["alteracoes"]["arquivo"]["de"] is None
    assert historico[-1]["alteracoes"]["arquivo"] == {
        "de": {"id": arquivo["id"], "nome": "arte.png", "item_id": pedido["itens"][0]["id"], "tipo": "application/pdf"},
        "para": None,
    }
    assert client.get(f"/pedidos/{pedido['id']}", headers=auth).get_json()["versao"] == 3


def test_an_item_edited_in_place_keeps_its_files_and_a_removed_one_leaves_them_on_the_order(client, auth, pedido):
    item = pedido["itens"][0]
    arquivo = enviar(client, auth, pedido["id"], PDF, item_id=str(item["id"])).get_json()
    changed = client.patch(
        f"/pedidos/{pedido['id']}",
        json={
            "itens": [
                {**item, "descricao": "Banner 3x1"},
                {"descricao": "Novo", "quantidade": 1, "valor_unitario": "1"},
            ]
        },
        headers=auth,
    ).get_json()
    assert changed["itens"][0]["id"] == item["id"] and changed["itens"][0]["descricao"] == "Banner 3x1"
    assert changed["itens"][0]["status_arte"] == "sem_arte"
    assert client.get(f"/pedidos/{pedido['id']}/arquivos", headers=auth).get_json()[0]["item_id"] == item["id"]
    only_new = client.patch(f"/pedidos/{pedido['id']}", json={"itens": [changed["itens"][1]]}, headers=auth)
    assert [i["descricao"] for i in only_new.get_json()["itens"]] == ["Novo"]
    listed = client.get(f"/pedidos/{pedido['id']}/arquivos", headers=auth).get_json()
    assert [(a["id"], a["item_id"]) for a in listed] == [(arquivo["id"], None)]


def test_the_order_answers_its_first_thumbnail_as_its_cover(client, auth, pedido):
    assert client.get(f"/pedidos/{pedido['id']}", headers=auth).get_json()["capa_url"] is None
    enviar(client, auth, pedido["id"], imagem("PNG")[:100])  # no thumbnail: no cover
    foto = enviar(client, auth, pedido["id"], imagem("JPEG")).get_json()
    capa = client.get("/pedidos/", headers=auth).get_json()[0]["capa_url"]
    assert capa.startswith(f"/arquivos/{foto['id']}/miniatura?") and client.get(capa).mimetype == "image/webp"


def test_a_cancelled_order_takes_no_file(client, auth, pedido):
    client.delete(f"/pedidos/{pedido['id']}", headers=auth)
    assert enviar(client, auth, pedido["id"], PDF).status_code == 409


def test_thumbnails_are_made_in_a_child_with_a_time_limit_and_a_memory_ceiling(tmp_path):
    caminho = tmp_path / "foto.png"
    caminho.write_bytes(imagem("PNG"))
    feita = conteudo.miniatura_isolada(str(caminho), "image/png", 80_000_000, 30, 1024)
    assert Image.open(io.BytesIO(feita)).size == (320, 180)
    assert conteudo.miniatura_isolada(str(caminho), "image/png", 80_000_000, 0.001, 1024) is None  # too slow
    assert conteudo.miniatura_isolada(str(caminho), "image/png", 80_000_000, 30, 16) is None  # too little memory


def test_a_slow_thumbnail_leaves_the_file_without_one(app, client, auth, pedido):
    app.config["SGP_THUMBNAIL_TIMEOUT"] = 0.001
    answer = enviar(client, auth, pedido["id"], imagem("PNG"))
    assert answer.status_code == 201 and answer.get_json()["miniatura_url"] is None


def test_an_order_cancelled_while_its_file_is_copied_refuses_it_and_keeps_no_row(
    app, client, auth, pedido, monkeypatch
):
    from sqlalchemy import create_engine, text

    def cancelar_no_meio(*_args):  # another request cancels the order while the thumbnail is made
        engine = create_engine(app.config["SGP_DATABASE_URL"])
        with engine.begin() as conexao:
            conexao.execute(text("UPDATE pedidos SET status = 'cancelado' WHERE id = :id"), {"id": pedido["id"]})
        engine.dispose()
        return None

    monkeypatch.setattr(conteudo, "miniatura_isolada", cancelar_no_meio)
    assert enviar(client, auth, pedido["id"], imagem("PNG")).status_code == 409
    assert client.get(f"/pedidos/{pedido['id']}/arquivos", headers=auth).get_json() == []
