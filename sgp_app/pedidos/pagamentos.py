"""Payments of an order: record, list, reverse (a reversal is kept, never erased).

Each payment and reversal is a change of the order like any other: a new version, a history entry
(``valor_pago`` before and after, and the payment) and the event ``pedido_atualizado``. The order
keeps the sum of its payments not reversed (``valor_pago``), in the same transaction, so lists,
filters and reports read it without adding payments up.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from flask import current_app
from sqlalchemy import select

from .. import events
from ..config import hoje
from ..db import begin_write
from ..errors import ApiError, ValidationError
from ..extensions import db
from ..models import FormaPagamento, Pagamento, Pedido, Usuario, utcnow
from . import service

if TYPE_CHECKING:
    from ..auth.tokens import Sessao

SETOR = "financeiro"  # the sector that takes payments, besides admins (a sector even without such a step)


def reais(valor: Decimal) -> str:
    """``Decimal("1234.50")`` as people in Brazil read it: "R$ 1.234,50"."""
    return "R$ " + f"{valor:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def exige_financeiro(
    autor: Sessao | None, mensagem: str = "Só administradores e o setor financeiro registram pagamentos"
) -> None:
    """403 unless ``autor`` is an admin or of sector ``financeiro`` (``None``: the CLI, which may)."""
    if autor is None or autor.is_admin:
        return
    setores = db.session.scalar(select(Usuario.setores).where(Usuario.id == autor.usuario_id)) or []
    if SETOR not in setores:
        raise ApiError(403, mensagem, code="forbidden")


def listar(pedido_id: int) -> list[Pagamento]:
    """The order's payments, oldest first, reversed ones included; 404 for an unknown order."""
    service.get(pedido_id)
    return list(db.session.scalars(select(Pagamento).where(Pagamento.pedido_id == pedido_id).order_by(Pagamento.id)))


def _resumo(pagamento: Pagamento) -> dict[str, Any]:
    """A payment as the order's history shows it."""
    return {
        "id": pagamento.id,
        "valor": str(pagamento.valor),
        "forma_pagamento": pagamento.forma_pagamento.nome,
        "data": pagamento.data.isoformat(),
        "estornado": pagamento.estornado_em is not None,
    }


def _commit(pedido: Pedido, pagamento: Pagamento, autor: Sessao | None, pago_antes: Decimal,
            antes: dict[str, Any] | None) -> Pagamento:  # fmt: skip
    def alteracoes() -> dict[str, Any]:
        return {
            "valor_pago": {"de": str(pago_antes), "para": str(pedido.valor_pago)},
            "pagamento": {"de": antes, "para": _resumo(pagamento)},
        }

    service.commit_with(pedido, events.PEDIDO_ATUALIZADO, autor, alteracoes)
    return pagamento


def registrar(
    pedido_id: int, valor: Decimal, forma_pagamento_id: int, data: date | None, observacao: str,
    autor: Sessao | None = None,
) -> Pagamento:  # fmt: skip
    """Record a payment; 409 on a cancelled order, 422 past the balance or for an inactive method."""
    exige_financeiro(autor)
    begin_write()
    pedido = service.locked(pedido_id, None)
    if pedido.status == "cancelado":
        db.session.rollback()
        raise ApiError(409, "Pedido cancelado não recebe pagamentos", code="final_status")
    forma = db.session.get(FormaPagamento, forma_pagamento_id)
    if forma is None or not forma.ativo:
        db.session.rollback()
        raise ValidationError({"forma_pagamento_id": "Inexistente ou inativa em /catalogos/formas-pagamento"})
    if pedido.valor_pago + valor > pedido.valor_total:
        saldo = max(pedido.saldo, Decimal("0.00"))
        db.session.rollback()
        raise ValidationError({"valor": f"Maior que o saldo do pedido ({reais(saldo)})"})
    pago_antes = pedido.valor_pago
    pagamento = Pagamento(
        pedido_id=pedido.id, valor=valor, forma_pagamento=forma, data=data or hoje(current_app.config),
        observacao=observacao, usuario_id=autor.usuario_id if autor else None,
        usuario_nome=autor.username if autor else None,
    )  # fmt: skip
    db.session.add(pagamento)
    pedido.valor_pago = pago_antes + valor
    return _commit(pedido, pagamento, autor, pago_antes, None)


def estornar(pedido_id: int, pagamento_id: int, autor: Sessao | None = None) -> Pagamento:
    """Reverse a payment: it stays listed, marked, and leaves ``valor_pago``; twice is 409."""
    exige_financeiro(autor)
    begin_write()
    pedido = service.locked(pedido_id, None)
    pagamento = db.session.get(Pagamento, pagamento_id)
    if pagamento is None or pagamento.pedido_id != pedido_id:
        db.session.rollback()
        raise ApiError(404, "Pagamento não encontrado neste pedido")
    if pagamento.estornado_em is not None:
        db.session.rollback()
        raise ApiError(409, "Este pagamento já foi estornado", code="already_reversed")
    antes, pago_antes = _resumo(pagamento), pedido.valor_pago
    pagamento.estornado_em = utcnow()
    pagamento.estornado_por_id = autor.usuario_id if autor else None
    pagamento.estornado_por_nome = autor.username if autor else None
    pedido.valor_pago = pago_antes - pagamento.valor
    return _commit(pedido, pagamento, autor, pago_antes, antes)
