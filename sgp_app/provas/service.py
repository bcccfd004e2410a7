"""Proof links: made by the shop for one file, decided once by its customer, without an account.

The token is random (192 bits, ``secrets.token_urlsafe``) and only its SHA-256 is stored; a link
expires after ``SGP_PROOF_TTL_DAYS``. An unknown token and an expired one are the same 404. Sending
a proof sets the file's item ``em_aprovacao``; the decision sets it ``aprovada`` or ``recusada``.
Both are changes of the order (a version, history, ``pedido_atualizado`` on every worker); the
decision's history entry has no user but the customer's name.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from flask import current_app
from sqlalchemy import select

from .. import events
from ..db import begin_write
from ..errors import ApiError, ValidationError
from ..extensions import db
from ..models import Arquivo, ItemPedido, Pedido, Prova, utcnow
from ..pedidos import service as pedidos

if TYPE_CHECKING:
    from ..auth.tokens import Sessao

DECISOES = ("aprovada", "recusada")
NAO_ENCONTRADA = "Link de aprovação inexistente ou vencido; peça um novo à gráfica"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _resumo(prova: Prova) -> dict[str, Any]:
    return {"id": prova.id, "arquivo_id": prova.arquivo_id, "item_id": prova.item_id, "decisao": prova.decisao}


def _arte(item: ItemPedido | None, status: str) -> dict[str, Any]:
    """Set an item's art status; the history's entry for it (empty when there is no item)."""
    if item is None or item.status_arte == status:
        return {}
    antes, item.status_arte = item.status_arte, status
    return {
        "status_arte": {"de": {"item_id": item.id, "status": antes}, "para": {"item_id": item.id, "status": status}}
    }


def criar(pedido_id: int, arquivo_id: int, mensagem: str, autor: Sessao | None = None) -> tuple[Prova, str]:
    """Make a proof link for one of the order's files; ``(the proof, its token)`` (the token is never kept)."""
    begin_write()
    pedido = pedidos.locked(pedido_id, None)
    if pedido.status == "cancelado":
        db.session.rollback()
        raise ApiError(409, "Pedido cancelado não recebe provas", code="final_status")
    arquivo = db.session.get(Arquivo, arquivo_id)
    if arquivo is None or arquivo.pedido_id != pedido_id:
        db.session.rollback()
        raise ValidationError({"arquivo_id": "Não é um arquivo deste pedido"})
    token = secrets.token_urlsafe(24)
    agora = utcnow()
    prova = Prova(
        pedido_id=pedido_id, arquivo_id=arquivo.id, item_id=arquivo.item_id, token_hash=hash_token(token),
        mensagem=mensagem, criado_em=agora, expira_em=agora + timedelta(days=current_app.config["SGP_PROOF_TTL_DAYS"]),
        criado_por_id=autor.usuario_id if autor else None, criado_por_nome=autor.username if autor else None,
        comentario="", nome_cliente="",
    )  # fmt: skip
    db.session.add(prova)
    db.session.flush()
    item = db.session.get(ItemPedido, arquivo.item_id) if arquivo.item_id else None
    arte = _arte(item, "em_aprovacao")
    pedidos.commit_with(
        pedido, events.PEDIDO_ATUALIZADO, autor, lambda: {"prova": {"de": None, "para": _resumo(prova)}, **arte}
    )
    return prova, token


def aberta(token: str) -> Prova:
    """The proof of ``token``, if it exists and has not expired (decided or not); 404 otherwise."""
    if not token or len(token) > 200:
        raise ApiError(404, NAO_ENCONTRADA)
    prova = db.session.scalar(select(Prova).where(Prova.token_hash == hash_token(token)))
    if prova is None or prova.expira_em <= utcnow():
        raise ApiError(404, NAO_ENCONTRADA)
    return prova


def decidir(token: str, decisao: str, comentario: str, nome: str) -> Prova:
    """Record the customer's decision, once (409 after); the item's art status follows it."""
    begin_write()
    prova = aberta(token)
    pedido = pedidos.locked(prova.pedido_id, None)
    db.session.refresh(prova)
    if prova.decisao is not None:
        db.session.rollback()
        raise ApiError(409, "Esta prova já foi respondida", code="already_decided")
    antes = _resumo(prova)
    prova.decisao, prova.comentario, prova.nome_cliente, prova.decidido_em = decisao, comentario, nome, utcnow()
    item = db.session.get(ItemPedido, prova.item_id) if prova.item_id else None
    arte = _arte(item, decisao)
    alteracoes = {"prova": {"de": antes, "para": {**_resumo(prova), "comentario": comentario}}, **arte}
    pedidos.commit_with(pedido, events.PEDIDO_ATUALIZADO, None, lambda: alteracoes, cliente_nome=nome or "cliente")
    return prova


def contexto(prova: Prova) -> dict[str, Any]:
    """What the customer's page shows: the order's number, the item, the file."""
    pedido = db.session.get(Pedido, prova.pedido_id)
    item = db.session.get(ItemPedido, prova.item_id) if prova.item_id else None
    arquivo = db.session.get(Arquivo, prova.arquivo_id) if prova.arquivo_id else None
    return {"prova": prova, "pedido": pedido, "item": item, "arquivo": arquivo}
