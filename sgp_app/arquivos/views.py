"""Files on orders: upload (multipart, streamed), list, download (ETag, Range, signed links), delete."""

from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, current_app, g, request, stream_with_context

from ..auth.guard import authorize
from ..contract import contract
from ..errors import ApiError, ValidationError
from ..models import Arquivo
from . import conteudo, schemas, service

bp = Blueprint("arquivos", __name__)


def _answer(arquivo: Arquivo) -> schemas.Arquivo:
    return schemas.Arquivo(
        id=arquivo.id, pedido_id=arquivo.pedido_id, item_id=arquivo.item_id, nome=arquivo.nome, tipo=arquivo.tipo,
        tamanho=arquivo.tamanho, sha256=arquivo.sha256, legenda=arquivo.legenda,
        enviado_por=arquivo.enviado_por,
        criado_em=arquivo.criado_em, url=service.link(arquivo.id, "arquivo"),
        miniatura_url=service.link(arquivo.id, "miniatura") if arquivo.tem_miniatura else None,
    )  # fmt: skip


def _form() -> tuple[int | None, str]:
    """``item_id`` and ``legenda`` of the multipart form; 422 naming the field otherwise."""
    item = request.form.get("item_id", "").strip()
    if item and not (item.isascii() and item.isdigit() and 0 < int(item) < 2**31):
        raise ValidationError({"item_id": "Deve ser o id de um item deste pedido"})
    try:
        legenda = schemas.LEGENDA.check(request.form.get("legenda", ""))
    except ValueError as exc:
        raise ValidationError({"legenda": str(exc)}) from None
    return (int(item) if item else None), legenda


@bp.post("/pedidos/<id:pedido_id>/arquivos")
@contract(
    answer=schemas.Arquivo, status=201, raw_body={"multipart/form-data": schemas.UPLOAD_SCHEMA},
    errors=(404, 409, 422), tag="arquivos",
)  # fmt: skip
def create_arquivo(pedido_id: int) -> tuple[schemas.Arquivo, int]:
    """Add a file to an order, or to one of its items (event pedido_atualizado).

    `multipart/form-data` with `arquivo`, and optionally `item_id` and `legenda`. The type is read
    from the content: PNG, JPEG, WebP, TIFF and PDF are taken, anything else is 415, whatever its
    name. Larger than SGP_MAX_FILE_BYTES: 413. It is streamed to disk, and kept once per content.
    """
    if request.mimetype != "multipart/form-data":
        raise ApiError(415, "Envie o arquivo como multipart/form-data, no campo arquivo")
    request.max_content_length = current_app.config["SGP_MAX_FILE_BYTES"] + 1024 * 1024  # and the form around it
    enviado = request.files.get("arquivo")
    if enviado is None:
        raise ValidationError({"arquivo": "Obrigatório: o arquivo, no campo arquivo"})
    item_id, legenda = _form()
    arquivo = service.receber(pedido_id, enviado.stream, enviado.filename, item_id, legenda, g.sessao)
    return _answer(arquivo), 201


@bp.get("/pedidos/<id:pedido_id>/arquivos")
@contract(answer=list[schemas.Arquivo], errors=(404,), tag="arquivos")
def list_arquivos(pedido_id: int) -> list[schemas.Arquivo]:
    """The order's files, oldest first, with fresh signed links."""
    return [_answer(a) for a in service.listar(pedido_id)]


def _acesso(arquivo_id: int, parte: str) -> None:
    """A signed link of this very file part, or a live Bearer token."""
    expira, dada = request.args.get("expira"), request.args.get("assinatura")
    if dada is not None:
        if not service.assinado(arquivo_id, parte, expira, dada):
            raise ApiError(403, "Link inválido ou expirado; peça um novo", code="forbidden")
        return
    authorize("login")


def _entregar(arquivo: Arquivo, parte: str) -> Response:
    """The bytes of a file or its thumbnail: ETag (its sha256), Range, nosniff, images inline."""
    if parte == "miniatura":
        if not arquivo.tem_miniatura:
            raise ApiError(404, "Este arquivo não tem miniatura")
        chave, media = service.miniatura_chave(arquivo.sha256), "image/webp"
        tamanho, etag = service.armazem().tamanho(chave), f"{arquivo.sha256}-miniatura"
    else:
        chave, media = service.conteudo_chave(arquivo.sha256), arquivo.tipo
        tamanho, etag = arquivo.tamanho, arquivo.sha256
    headers: dict[str, Any] = {
        "ETag": f'"{etag}"', "Accept-Ranges": "bytes", "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, max-age=3600",
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    }  # fmt: skip
    if parte == "arquivo":
        inline = media.startswith("image/")
        headers["Content-Disposition"] = _disposicao("inline" if inline else "attachment", arquivo.nome)
    if etag in request.if_none_match:
        return Response(status=304, headers=headers)
    inicio, fim, status = 0, tamanho, 200
    pedida = request.range
    if_range = request.headers.get("If-Range")
    if pedida is not None and (if_range is None or if_range == f'"{etag}"'):
        faixa = pedida.range_for_length(tamanho)
        if faixa is None:
            raise ApiError(416, "Faixa fora do arquivo", headers={"Content-Range": f"bytes */{tamanho}"})
        inicio, fim = faixa
        status = 206
        headers["Content-Range"] = f"bytes {inicio}-{fim - 1}/{tamanho}"
    headers["Content-Length"] = str(fim - inicio)
    corpo: Iterator[bytes] = service.armazem().ler(chave, inicio, fim)
    return Response(stream_with_context(corpo), status=status, mimetype=media, headers=headers)


def _disposicao(tipo: str, nome: str) -> str:
    """``Content-Disposition`` with the name in ASCII and, for the rest, RFC 5987's UTF-8 form."""
    from urllib.parse import quote

    ascii_ = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in nome)
    return f"{tipo}; filename=\"{ascii_}\"; filename*=UTF-8''{quote(nome, safe='')}"


BYTES = {"type": "string", "format": "binary"}
PARCIAL = {206: "Partial Content: the Range asked for", 304: "Not Modified: If-None-Match has its ETag"}


@bp.get("/arquivos/<id:arquivo_id>")
@contract(
    access="public", answer=BYTES, media_type="application/octet-stream",
    downloads=dict.fromkeys(conteudo.TIPOS, BYTES), also=PARCIAL, errors=(401, 403, 404, 416), tag="arquivos",
)  # fmt: skip
def get_arquivo(arquivo_id: int) -> Response:
    """A file's bytes: images inline, anything else as an attachment; `ETag`, `Range`, `nosniff`.

    With a Bearer token, or with the `expira` and `assinatura` of a signed link (as `url` gives):
    401 with neither, 403 for a link altered or expired.
    """
    _acesso(arquivo_id, "arquivo")
    return _entregar(service.get(arquivo_id), "arquivo")


@bp.get("/arquivos/<id:arquivo_id>/miniatura")
@contract(
    access="public", answer=BYTES, media_type="image/webp", also=PARCIAL, errors=(401, 403, 404, 416), tag="arquivos"
)
def get_miniatura(arquivo_id: int) -> Response:
    """A file's thumbnail (WebP, at most 320 px on its longer side; a PDF's first page).

    With a Bearer token, or with the `expira` and `assinatura` of a signed link (as `miniatura_url`
    gives): 401 with neither, 403 for a link altered or expired.
    """
    _acesso(arquivo_id, "miniatura")
    return _entregar(service.get(arquivo_id), "miniatura")


@bp.delete("/arquivos/<id:arquivo_id>")
@contract(status=204, errors=(403, 404), tag="arquivos")
def delete_arquivo(arquivo_id: int) -> tuple[str, int]:
    """Delete a file (admins and whoever sent it; event pedido_atualizado); its bytes go when no
    other file has the same content."""
    service.apagar(arquivo_id, g.sessao)
    return "", 204
