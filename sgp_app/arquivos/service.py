"""Files on orders: receive (hash, sniff, keep once per content, thumbnail), list, sign, drop.

An upload is copied to a temporary file of its own while its sha256 is reckoned (never held in
memory), its type read from its first bytes, and its bytes kept under ``conteudo/<sha256>`` only
if no other file has that content. Keeping a content and dropping the last file that uses it take
the ``arquivos`` counter's row lock, so one cannot drop bytes another is about to use. Each upload
and deletion is a change of its order: a new version, a history entry and ``pedido_atualizado``.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import re
import tempfile
import time
import unicodedata
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any, TypeVar

from flask import current_app
from sqlalchemy import func, select

from .. import events
from ..db import begin_write, next_value
from ..errors import ApiError, ValidationError
from ..extensions import db
from ..models import Arquivo, ItemPedido
from ..pedidos import service as pedidos
from . import armazem as armazens
from . import conteudo

if TYPE_CHECKING:
    from ..auth.tokens import Sessao

T = TypeVar("T")
CHUNK = 256 * 1024
FINAIS_PARA_ARQUIVOS = ("cancelado",)  # a delivered order still takes a photo of the job done


def armazem() -> armazens.Armazem:
    """The app's storage (one per process, as the settings name it)."""
    app = current_app
    if "sgp_armazem" not in app.extensions:
        app.extensions["sgp_armazem"] = armazens.do_config(app.config, app.instance_path)
    return app.extensions["sgp_armazem"]


def conteudo_chave(sha256: str) -> str:
    return f"conteudo/{sha256}"


def miniatura_chave(sha256: str) -> str:
    return f"miniaturas/{sha256}"


def em_thread(fn: Callable[..., T], *args: Any) -> T:
    """Run CPU work (hashing, decoding an image) off the gevent loop, in its thread pool, so the
    worker's sockets keep being served meanwhile; called directly outside gevent."""
    from gevent import monkey

    if monkey.is_module_patched("socket"):
        import gevent

        return gevent.get_hub().threadpool.apply(fn, args)
    return fn(*args)


def nome_seguro(nome: str | None, media: str) -> str:
    """The name people gave the file, for showing and downloading only: its last path part, without
    control characters, at most 255 characters; a name of its type when nothing is left."""
    nome = re.split(r"[/\\]", nome or "")[-1]
    nome = "".join(c for c in unicodedata.normalize("NFC", nome) if unicodedata.category(c)[0] != "C").strip()
    return nome[:255] or f"arquivo.{conteudo.EXTENSAO[media]}"


def _copiar(origem: IO[bytes], destino: IO[bytes], limite: int) -> tuple[str, int]:
    """Copy ``origem`` to ``destino``, returning its sha256 and size; 413 past ``limite`` bytes."""
    soma, tamanho = hashlib.sha256(), 0
    while chunk := origem.read(CHUNK):
        tamanho += len(chunk)
        if tamanho > limite:
            raise ApiError(413, f"Arquivo grande demais (no máximo {limite // (1024 * 1024)} MiB)")
        soma.update(chunk)
        destino.write(chunk)
    destino.flush()
    return soma.hexdigest(), tamanho


def _resumo(arquivo: Arquivo) -> dict[str, Any]:
    """A file as the order's history shows it."""
    return {"id": arquivo.id, "nome": arquivo.nome, "item_id": arquivo.item_id, "tipo": arquivo.tipo}


def guardar(origem: IO[bytes], copia: IO[bytes], guardar_bytes: bool = True) -> tuple[str, int, str, bool]:
    """Copy ``origem`` into the temporary file ``copia`` (sha256 on the way), read its type from its
    bytes (415 for any other), and keep it and its thumbnail in the storage once per content.

    :param guardar_bytes: ``False`` checks only (size and type: an import's dry run); nothing is stored.
    :returns: ``(sha256, size, media type, has a thumbnail)``.
    """
    config = current_app.config
    sha256, tamanho = em_thread(_copiar, origem, copia, config["SGP_MAX_FILE_BYTES"])
    copia.seek(0)
    media = conteudo.tipo(copia.read(16))
    if media is None:
        raise ApiError(415, "Tipo de arquivo não aceito: envie PNG, JPEG, WebP, TIFF ou PDF", code="unsupported_media")
    if not guardar_bytes:
        return sha256, tamanho, media, False
    guardado = armazem()
    if not guardado.existe(conteudo_chave(sha256)):
        guardado.guardar(conteudo_chave(sha256), copia)
    tem_miniatura = guardado.existe(miniatura_chave(sha256))
    if not tem_miniatura:
        imagem = conteudo.miniatura_isolada(
            copia.name, media, config["SGP_MAX_IMAGE_PIXELS"], config["SGP_THUMBNAIL_TIMEOUT"],
            config["SGP_THUMBNAIL_MEMORY_MIB"],
        )  # fmt: skip
        if imagem is not None:
            guardado.guardar(miniatura_chave(sha256), io.BytesIO(imagem))
            tem_miniatura = True
    return sha256, tamanho, media, tem_miniatura


def receber(
    pedido_id: int, origem: IO[bytes], nome: str | None, item_id: int | None, legenda: str,
    autor: Sessao | None = None,
) -> Arquivo:  # fmt: skip
    """Keep an uploaded file on an order (or one of its items); commit; return it."""
    pedido = pedidos.get(pedido_id)
    if pedido.status in FINAIS_PARA_ARQUIVOS:
        raise ApiError(409, "Pedido cancelado não recebe arquivos", code="final_status")
    if (
        item_id is not None
        and db.session.scalar(select(ItemPedido.id).where(ItemPedido.id == item_id, ItemPedido.pedido_id == pedido_id))
        is None
    ):
        raise ValidationError({"item_id": "Não é um item deste pedido"})
    db.session.rollback()  # no read transaction held while the file is copied
    with tempfile.NamedTemporaryFile(prefix="sgp-upload-") as copia:
        sha256, tamanho, media, tem_miniatura = guardar(origem, copia)
        guardado = armazem()
        begin_write()
        pedido = pedidos.locked(pedido_id, None)
        if pedido.status in FINAIS_PARA_ARQUIVOS:  # cancelled while the file was being copied
            db.session.rollback()
            raise ApiError(409, "Pedido cancelado não recebe arquivos", code="final_status")
        next_value("arquivos")  # held to the commit: no deletion drops this content meanwhile
        if not guardado.existe(conteudo_chave(sha256)):  # dropped by a deletion while it was copied
            guardado.guardar(conteudo_chave(sha256), copia)
    arquivo = Arquivo(
        pedido_id=pedido_id, item_id=item_id, nome=nome_seguro(nome, media), tipo=media, tamanho=tamanho,
        sha256=sha256, legenda=legenda, tem_miniatura=tem_miniatura,
        enviado_por_id=autor.usuario_id if autor else None, enviado_por_nome=autor.username if autor else None,
    )  # fmt: skip
    db.session.add(arquivo)
    db.session.flush()
    pedidos.commit_with(
        pedido, events.PEDIDO_ATUALIZADO, autor, lambda: {"arquivo": {"de": None, "para": _resumo(arquivo)}}
    )
    return arquivo


def listar(pedido_id: int) -> list[Arquivo]:
    pedidos.get(pedido_id)
    return list(db.session.scalars(select(Arquivo).where(Arquivo.pedido_id == pedido_id).order_by(Arquivo.id)))


def get(arquivo_id: int) -> Arquivo:
    arquivo = db.session.get(Arquivo, arquivo_id)
    if arquivo is None:
        raise ApiError(404, "Arquivo não encontrado")
    return arquivo


def apagar(arquivo_id: int, autor: Sessao | None = None) -> None:
    """Drop a file (admins and whoever sent it: 403 otherwise); its bytes go when no file uses them."""
    begin_write()
    arquivo = get(arquivo_id)
    if autor is not None and not autor.is_admin and arquivo.enviado_por_id != autor.usuario_id:
        db.session.rollback()
        raise ApiError(403, "Só quem enviou o arquivo ou um administrador pode apagá-lo", code="forbidden")
    pedido = pedidos.locked(arquivo.pedido_id, None)
    next_value("arquivos")
    resumo, sha256 = _resumo(arquivo), arquivo.sha256
    db.session.delete(arquivo)
    db.session.flush()
    if not db.session.scalar(select(func.count()).select_from(Arquivo).where(Arquivo.sha256 == sha256)):
        armazem().apagar(conteudo_chave(sha256))  # under the lock: no upload is about to use them
        armazem().apagar(miniatura_chave(sha256))
    pedidos.commit_with(pedido, events.PEDIDO_ATUALIZADO, autor, lambda: {"arquivo": {"de": resumo, "para": None}})


# -- signed links: an <img> loads a file without a token, for a while, and only that file -----------


def assinatura(arquivo_id: int, parte: str, expira: int) -> str:
    """The HMAC (SECRET_KEY) of one file's part (``arquivo`` or ``miniatura``) until ``expira``."""
    mensagem = f"{arquivo_id}:{parte}:{expira}".encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), mensagem, hashlib.sha256).hexdigest()


def link(arquivo_id: int, parte: str) -> str:
    expira = int(time.time()) + int(current_app.config["SGP_FILE_URL_TTL"])
    caminho = f"/arquivos/{arquivo_id}" + ("/miniatura" if parte == "miniatura" else "")
    return f"{caminho}?expira={expira}&assinatura={assinatura(arquivo_id, parte, expira)}"


def assinado(arquivo_id: int, parte: str, expira: str | None, dada: str | None) -> bool:
    """Whether a link's ``expira`` and ``assinatura`` are this file part's, and not expired."""
    if not expira or not dada or not expira.isascii() or not expira.isdigit() or len(expira) > 12:
        return False
    if int(expira) < time.time():
        return False
    return hmac.compare_digest(assinatura(arquivo_id, parte, int(expira)), dada)
