"""The board's strip: the day's figures, each a filter of the order list, in the shop's today."""

import calendar
from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, case, func, literal_column, select

from ..config import etapas
from ..extensions import db
from ..models import NAO_CANCELADO_SQL, SALDO_SQL, EtapaPedido, ItemPedido, Pedido
from ..pedidos.estados import FINAL_STATUSES, STATUSES
from .fechamento import cents, de_centavos

ABERTOS = tuple(s for s in STATUSES if s not in FINAL_STATUSES)
SEMANA = 7


def _conta(condicao: Any) -> Any:
    return func.coalesce(func.sum(case((condicao, 1), else_=0)), 0)


def resumo(hoje: date) -> dict[str, Any]:
    """The :class:`~.schemas.Resumo` of ``hoje``: four counts over the open orders (one query, by the
    status index), what is owed (one pass over the orders not cancelled), the sectors' queues, this month's m²."""
    entrega = Pedido.data_entrega
    prazos = db.session.execute(
        select(
            _conta(entrega < hoje),
            _conta(entrega == hoje),
            _conta(and_(entrega > hoje, entrega <= hoje + timedelta(days=SEMANA))),
            _conta(Pedido.status == "pronto"),
        ).where(Pedido.status.in_(ABERTOS))
    ).one()
    # Written as the partial index ix_pedidos_saldo is (the literal too: a bound parameter would not
    # prove the index's WHERE), so the database reads only the orders that owe.
    saldo: Any = literal_column(SALDO_SQL)
    devendo = db.session.execute(
        select(func.count(), func.coalesce(func.sum(saldo), 0))
        .select_from(Pedido)
        .where(literal_column(NAO_CANCELADO_SQL), saldo > 0)
    ).one()
    inicio = hoje.replace(day=1)
    fim = hoje.replace(day=calendar.monthrange(hoje.year, hoje.month)[1])
    area = db.session.scalar(
        select(func.coalesce(func.sum(cents(ItemPedido.metro_quadrado)), 0))
        .join(Pedido, Pedido.id == ItemPedido.pedido_id)
        .where(Pedido.data_entrada.between(inicio, fim), Pedido.status != "cancelado")
    )
    return {
        "hoje": hoje,
        "atrasados": int(prazos[0]),
        "entrega_hoje": int(prazos[1]),
        "entrega_7_dias": int(prazos[2]),
        "prontos_nao_entregues": int(prazos[3]),
        "saldo_em_aberto": {"pedidos": devendo[0], "valor": de_centavos(devendo[1])},
        "por_etapa": filas(),
        "metro_quadrado_mes": de_centavos(area),
    }


def filas() -> dict[str, int]:
    """How many open orders wait on each step: an order is in the queue of its first step not done
    (as ``GET /pedidos/?etapa=`` reckons it: every earlier step done, this one not)."""
    steps = etapas(current_app.config)
    contagem = dict.fromkeys(steps, 0)
    if not steps:
        return contagem
    feitas: dict[int, set[str]] = {}
    abertos = (
        select(Pedido.id, EtapaPedido.etapa)
        .outerjoin(EtapaPedido, EtapaPedido.pedido_id == Pedido.id)
        .where(Pedido.status.in_(ABERTOS))
    )
    for pedido_id, etapa in db.session.execute(abertos):
        feitas.setdefault(pedido_id, set()).add(etapa)
    for feitas_do_pedido in feitas.values():
        proxima = next((s for s in steps if s not in feitas_do_pedido), None)
        if proxima is not None:
            contagem[proxima] += 1
    return contagem
