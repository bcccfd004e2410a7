"""The closing report, reckoned by the database: one pass over the period's orders and items.

The rows are items (an order without items is one row worth its ``valor_itens``), each carrying its order's
freight and paid amount split over the order's items by value, to the cent: every item gets the
floor of its share, and the cents left go one each to the items with the largest remainders (the
largest remainder method, so an order's shares add up exactly to its freight). An order whose items
are worth nothing splits by count. Those rows are summed per (groups, order), then per group: a
group's ``pedidos`` counts each order once, and with ``frete=por_pedido`` its freight is each of its
orders' whole freight. Money stays integer cents in SQL and becomes ``Decimal`` here.
"""

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    case,
    cast,
    func,
    literal_column,
    null,
    select,
    type_coerce,
    union_all,
)

from ..extensions import db
from ..models import CENT, Cliente, Designer, ItemPedido, Pedido, TipoProducao, Vendedor
from ..nomes import chave as nome_chave
from ..pedidos.estados import STATUSES
from .schemas import FiltroFechamento

POR_ITEM = ("vendedor", "designer", "tipo_producao", "material")  # the groupings by an item's field
RATEADAS = ("frete_rateado", "pago_rateado")
MEDIDAS = ("itens", "quantidade", "metro_quadrado", "valor_itens", "frete_rateado", "pago_rateado")
ROTULO_STATUS = {
    "pendente": "Pendente",
    "em_producao": "Em produção",
    "pronto": "Pronto",
    "entregue": "Entregue",
    "cancelado": "Cancelado",
}
SEM = {
    "vendedor": "Sem vendedor",
    "designer": "Sem designer",
    "cliente": "Sem cliente",
    "forma_envio": "Sem forma de envio",
    "tipo_producao": "Sem tipo",
    "material": "Sem material",
    "status": "",
    "dia": "Sem data",
}


def cents(column: Any) -> ColumnElement[int]:
    """A money column as the integer cents it is stored as (not the ``Decimal`` it reads as)."""
    return type_coerce(column, BigInteger)


@dataclass
class Periodo:
    inicio: date | None
    fim: date | None


def periodo(filtro: FiltroFechamento, hoje: date) -> Periodo:
    """The period asked for; with neither end given, this month (the shop's)."""
    if filtro.data_inicio is None and filtro.data_fim is None:
        ultimo = calendar.monthrange(hoje.year, hoje.month)[1]
        return Periodo(hoje.replace(day=1), hoje.replace(day=ultimo))
    return Periodo(filtro.data_inicio, filtro.data_fim)


def _linhas(filtro: FiltroFechamento, quando: Periodo, statuses: Sequence[str]) -> Any:
    """Item rows of the period's orders with their share of freight and paid (see the module's doc).

    Two steps: each item's floor and remainder (its order's ``valor_itens`` is the sum of the
    weights); then the cents left, to the largest remainders (the only windows; no subquery per
    row, which PostgreSQL's planner would price high enough to start parallel workers for a month).
    """
    p, i = Pedido.__table__, ItemPedido.__table__
    data = p.c.data_entrada if filtro.data_por == "entrada" else p.c.data_entrega
    # An order without items (its total typed whole) is one row worth its valor_itens.
    valor = func.coalesce(cents(i.c.valor_unitario) * i.c.quantidade, cents(p.c.valor_itens))
    todas = {
        "vendedor": i.c.vendedor_id,
        "designer": i.c.designer_id,
        "cliente": p.c.cliente_id,
        "cliente_nome": case((p.c.cliente_id.is_(None), p.c.cliente_busca)),
        "forma_envio": func.nullif(p.c.forma_envio, ""),
        "tipo_producao": func.nullif(i.c.tipo_producao, ""),
        "material": func.nullif(i.c.material, ""),
        "status": p.c.status,
        "dia": data,
    }
    chaves = {nome: todas[nome] for dimensao in filtro.agrupar for nome in _colunas(dimensao)}
    query = (
        select(
            p.c.id.label("pedido_id"),
            i.c.id.label("item_id"),
            p.c.cliente.label("rotulo_cliente"),
            cents(p.c.valor_frete).label("frete"),
            cents(p.c.valor_pago).label("pago"),
            func.coalesce(i.c.quantidade, 0).label("quantidade"),
            func.coalesce(cents(i.c.metro_quadrado), 0).label("metro_quadrado"),
            valor.label("valor"),
            cents(p.c.valor_itens).label("total"),
            *(column.label(nome) for nome, column in chaves.items()),
        )
        .select_from(p.outerjoin(i, i.c.pedido_id == p.c.id))
        .where(p.c.status.in_(statuses))
    )
    if quando.inicio is not None:
        query = query.where(data >= quando.inicio)
    if quando.fim is not None:
        query = query.where(data <= quando.fim)
    itens = query.subquery("itens")
    # The order keeps valor_itens = the sum of its items' values: the weights' sum without a window.
    # An order worth nothing is split by count, below.
    peso = case((itens.c.total > 0, itens.c.valor), else_=0)
    base = case((itens.c.total > 0, itens.c.total), else_=1)
    simples = (
        "pedido_id",
        "item_id",
        "rotulo_cliente",
        "frete",
        "pago",
        "quantidade",
        "metro_quadrado",
        "valor",
        "total",
    )
    a = select(
        *(itens.c[nome] for nome in (*simples, *chaves)),
        ((itens.c.frete * peso) // base).label("frete_piso"),
        ((itens.c.frete * peso) % base).label("frete_resto"),
        ((itens.c.pago * peso) // base).label("pago_piso"),
        ((itens.c.pago * peso) % base).label("pago_resto"),
    ).subquery("partes")

    def rateio(piso: Any, resto: Any, inteiro: Any) -> ColumnElement[int]:
        pedido = a.c.pedido_id
        ordem = func.row_number().over(partition_by=pedido, order_by=(resto.desc(), a.c.item_id))
        faltam = inteiro - cast(func.sum(piso).over(partition_by=pedido), BigInteger)
        conta = func.count().over(partition_by=pedido)  # the same window as the sum: no other sort
        return case(
            (a.c.total > 0, piso + case((ordem <= faltam, 1), else_=0)),
            else_=inteiro // conta + case((ordem <= inteiro % conta, 1), else_=0),
        )

    # Grouped by the order's own fields only, an order falls whole in one group: no split to reckon
    # (the per-order sum takes its freight and paid once, see _somas).
    dividir = any(d in POR_ITEM for d in filtro.agrupar)
    return select(
        *(a.c[nome] for nome in ("pedido_id", "item_id", "rotulo_cliente", "frete", "quantidade", "metro_quadrado")),
        a.c.valor.label("valor_itens"),
        (rateio(a.c.frete_piso, a.c.frete_resto, a.c.frete) if dividir else a.c.frete).label("frete_rateado"),
        (rateio(a.c.pago_piso, a.c.pago_resto, a.c.pago) if dividir else a.c.pago).label("pago_rateado"),
        *(a.c[nome] for nome in chaves),
    ).subquery("linhas")


def _colunas(dimensao: str) -> tuple[str, ...]:
    return ("cliente", "cliente_nome") if dimensao == "cliente" else (dimensao,)


def _somas(linhas: Any, dimensoes: Sequence[str], frete: str) -> Select[Any]:
    """Every level of the report in one statement: a row per group of both groupings (``nivel`` 2),
    per group of the first (1), and the total (0); each order counted once in each.

    The rows are first summed per (groups, order), kept once (``MATERIALIZED``) and read by each level.
    """
    todas = [c for d in dimensoes for c in _colunas(d)]
    dividir = any(d in POR_ITEM for d in dimensoes)
    fino = (
        select(
            *(linhas.c[c] for c in todas),
            linhas.c.pedido_id,
            func.max(linhas.c.frete).label("frete"),
            func.min(linhas.c.rotulo_cliente).label("rotulo_cliente"),
            func.count(linhas.c.item_id).label("itens"),
            *(func.sum(linhas.c[m]).label(m) for m in MEDIDAS if m not in ("itens", *RATEADAS)),
            # Split over the items (a grouping by item), or the order's whole on each of its rows.
            *((func.sum if dividir else func.max)(linhas.c[m]).label(m) for m in RATEADAS),
        )
        .group_by(*(linhas.c[c] for c in todas), linhas.c.pedido_id)
        .cte("por_pedido")
        .prefix_with("MATERIALIZED")
    )

    def nivel(n: int, chaves: list[str]) -> Select[Any]:
        grao: Any = fino
        if chaves != todas:  # each order once per group of this level
            grao = (
                select(
                    *(fino.c[c] for c in chaves),
                    fino.c.pedido_id,
                    func.max(fino.c.frete).label("frete"),
                    func.min(fino.c.rotulo_cliente).label("rotulo_cliente"),
                    *(func.sum(fino.c[m]).label(m) for m in MEDIDAS),
                )
                .group_by(*(fino.c[c] for c in chaves), fino.c.pedido_id)
                .subquery()
            )
        do_grupo = grao.c.frete if frete == "por_pedido" else grao.c.frete_rateado
        return select(
            literal_column(str(n)).label("nivel"),
            *(grao.c[c] if c in chaves else type_coerce(null(), fino.c[c].type).label(c) for c in todas),
            func.count().label("pedidos"),
            func.min(grao.c.rotulo_cliente).label("rotulo_cliente"),
            *(func.sum(grao.c[m]).label(m) for m in MEDIDAS if m != "frete_rateado"),
            func.sum(do_grupo).label("frete"),
        ).group_by(*(grao.c[c] for c in chaves))

    primeira = list(_colunas(dimensoes[0]))
    niveis = [nivel(0, []), nivel(1, primeira)]
    if len(dimensoes) > 1:
        niveis.append(nivel(2, todas))
    # The finest level first: a union reads its columns' types (a date, for dia) from its first select.
    return union_all(*reversed(niveis))  # type: ignore[return-value]


def de_centavos(centavos: int | Decimal | None) -> Decimal:
    return (Decimal(centavos or 0) / 100).quantize(CENT)


def _figuras(row: Any) -> dict[str, Any]:
    itens, frete, pago = de_centavos(row.valor_itens), de_centavos(row.frete), de_centavos(row.pago_rateado)
    return {
        "pedidos": row.pedidos,
        "itens": int(row.itens or 0),
        "quantidade": int(row.quantidade or 0),
        "metro_quadrado": de_centavos(row.metro_quadrado),
        "valor_itens": itens,
        "valor_frete": frete,
        "valor_total": itens + frete,
        "valor_pago": pago,
        "saldo": itens + frete - pago,
    }


class Rotulos:
    """How people read a group's key: the names of the catalog entries and customers the report has."""

    LOTE = 500

    def __init__(self, dimensoes: Sequence[str], rows: Sequence[Any]) -> None:
        self.nomes: dict[str, dict[Any, str]] = {}
        tabelas: dict[str, tuple[Any, Any]] = {
            "vendedor": (Vendedor.id, Vendedor.nome),
            "designer": (Designer.id, Designer.nome),
            "cliente": (Cliente.id, Cliente.nome),
            "tipo_producao": (TipoProducao.codigo, TipoProducao.nome),
        }
        for dimensao in dimensoes:
            if dimensao not in tabelas:
                continue
            chave, nome = tabelas[dimensao]
            chaves = sorted({row._mapping.get(dimensao) for row in rows} - {None})
            nomes = self.nomes[dimensao] = {}
            for n in range(0, len(chaves), self.LOTE):
                lote = select(chave, nome).where(chave.in_(chaves[n : n + self.LOTE]))
                nomes.update((k, v) for k, v in db.session.execute(lote))

    def chave_e_rotulo(self, dimensao: str, row: Any) -> tuple[Any, str]:
        chave = getattr(row, dimensao)
        if dimensao == "cliente" and chave is None:
            nome = row.cliente_nome
            return nome, row.rotulo_cliente if nome is not None else SEM[dimensao]
        if chave is None:
            return None, SEM[dimensao]
        if dimensao == "dia":
            return chave.isoformat(), chave.strftime("%d/%m/%Y")
        if dimensao == "status":
            return chave, ROTULO_STATUS.get(chave, chave)
        return chave, self.nomes.get(dimensao, {}).get(chave, str(chave))


def _ordem(dimensao: str, ordenar: str) -> Any:
    def chave(grupo: dict[str, Any]) -> Any:
        vazio = grupo["chave"] is None
        if ordenar == "valor_total":
            return (vazio, -grupo["valor_total"], grupo["rotulo"].casefold())
        if dimensao == "status":
            return (vazio, STATUSES.index(grupo["chave"]))
        if dimensao == "dia":
            return (vazio, grupo["chave"] or "")
        return (vazio, nome_chave(grupo["rotulo"]), str(grupo["chave"]))

    return chave


def fechamento(filtro: FiltroFechamento, hoje: date) -> dict[str, Any]:
    """The report (the :class:`~.schemas.Fechamento` shape) for ``filtro``; ``hoje`` is the shop's today."""
    quando = periodo(filtro, hoje)
    statuses = filtro.status or tuple(s for s in STATUSES if s != "cancelado")
    linhas = _linhas(filtro, quando, statuses)
    primeira, segunda = filtro.agrupar[0], filtro.agrupar[1] if len(filtro.agrupar) > 1 else None
    por_nivel: dict[int, list[Any]] = {0: [], 1: [], 2: []}
    for row in db.session.execute(_somas(linhas, filtro.agrupar, filtro.frete)):
        por_nivel[int(row.nivel)].append(row)
    (total,), de_cima, de_baixo = por_nivel[0], por_nivel[1], por_nivel[2]
    rotulos = Rotulos(filtro.agrupar, [*de_cima, *de_baixo])

    def grupo(dimensao: str, row: Any) -> dict[str, Any]:
        chave, rotulo = rotulos.chave_e_rotulo(dimensao, row)
        return {"chave": chave, "rotulo": rotulo, **_figuras(row), "subgrupos": []}

    grupos = {tuple(getattr(row, c) for c in _colunas(primeira)): grupo(primeira, row) for row in de_cima}
    if segunda is not None:
        for row in de_baixo:
            grupos[tuple(getattr(row, c) for c in _colunas(primeira))]["subgrupos"].append(grupo(segunda, row))
        for pai in grupos.values():
            pai["subgrupos"].sort(key=_ordem(segunda, filtro.ordenar))
    return {
        "filtros": {
            "data_inicio": quando.inicio,
            "data_fim": quando.fim,
            "data_por": filtro.data_por,
            "agrupar": list(filtro.agrupar),
            "status": list(statuses),
            "frete": filtro.frete,
            "ordenar": filtro.ordenar,
        },
        "grupos": sorted(grupos.values(), key=_ordem(primeira, filtro.ordenar)),
        "total": _figuras(total),
    }
