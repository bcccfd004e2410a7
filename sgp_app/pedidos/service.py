"""Order rules: totals, the status machine, versions, and the evento of every change."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from flask import current_app
from sqlalchemy import and_, exists, false, func, or_, select

from .. import events
from ..config import etapas, hoje
from ..db import begin_write, next_value
from ..errors import ApiError, ValidationError
from ..extensions import db
from ..models import (
    Cliente,
    Designer,
    EtapaPedido,
    HistoricoPedido,
    ItemPedido,
    Maquina,
    Pedido,
    TipoProducao,
    Usuario,
    Vendedor,
    utcnow,
)
from . import estados, precos, schemas
from .schemas import ITEM_FIELDS, MAX_MONEY, valor_itens

if TYPE_CHECKING:
    from ..auth.tokens import Sessao

ZERO = Decimal("0.00")
SEM_ACABAMENTO = {"overloque": False, "elastico": False, "bainha": False, "ilhos": None, "cordinha": None}
# Fields a request sets as they come; the rest (status, totals, items) go through the rules.
DIRECT_FIELDS = (
    "cliente_id",
    "cliente",
    "telefone_cliente",
    "cidade_cliente",
    "estado_cliente",
    "observacao",
    "forma_envio",
    "tipo_pagamento",
    "data_entrada",
    "data_entrega",
    "prioridade",
)
CHANGEABLE = (*DIRECT_FIELDS, "status", "valor_itens", "valor_frete")
# What the history shows of a change: what a client set, and the total that follows from it.
HISTORY_FIELDS = (*DIRECT_FIELDS, "status", "valor_frete", "valor_total", "itens", "etapas")
SEARCH_KEY_LENGTH: int = Pedido.__table__.c.cliente_busca.type.length  # type: ignore[attr-defined]  # a String


def search_key(text: str) -> str:
    """The words of ``text``, lower-case, without accents or punctuation: "Arco-Íris" is "arco iris".

    Stored beside each order (``cliente_busca``) and applied to the list's ``cliente`` filter, so
    "arco iris", "ARCO-IRIS" and "arco íris" all find "Arco-Íris". Migration 0004 applied it to
    the orders stored before.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = "".join(c if c.isalnum() else " " for c in letters).split()
    # Cut to the column: decomposition can lengthen text ("½" is "1⁄2").
    return " ".join(words)[:SEARCH_KEY_LENGTH]


def _totals(pedido: Pedido, clean: Mapping[str, Any], itens: list[dict[str, Any]]) -> None:
    """Set ``valor_itens`` and ``valor_frete`` from ``clean``, checking a given ``valor_total``."""
    frete = clean.get("valor_frete", pedido.valor_frete)
    total = clean.get("valor_total")
    if itens:
        base = valor_itens(itens)
        if total is not None and total != base + frete:
            raise ValidationError(
                {"valor_total": f"Difere do calculado: {base + frete} (itens {base} + frete {frete})"}
            )
    elif total is not None:
        base = total - frete
        if base < 0:
            raise ValidationError({"valor_total": "Menor que o valor do frete"})
    else:
        base = pedido.valor_itens if pedido.valor_itens is not None else ZERO
    if base + frete > MAX_MONEY:
        raise ValidationError({"valor_total": f"No máximo {MAX_MONEY}"})
    pedido.valor_itens, pedido.valor_frete = base, frete


def _itens(pedido: Pedido | None, itens: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items as stored: price and area computed, catalog references checked; 422 naming each problem.

    A production type, seller or designer must be an active catalog entry, or one this order's
    items already name (retired since, or a type from before the catalog): resending an order's
    items as received always works.
    """
    current = pedido.itens if pedido is not None else []
    tipos = set(db.session.scalars(select(TipoProducao.codigo).where(TipoProducao.ativo))) | {
        i.tipo_producao for i in current
    }
    vendedores = _usable(Vendedor, {i["vendedor_id"] for i in itens}, {i.vendedor_id for i in current})
    designers = _usable(Designer, {i["designer_id"] for i in itens}, {i.designer_id for i in current})
    problems: dict[str, str] = {}
    stored = []
    for n, item in enumerate(itens):
        key = f"itens[{n}]"
        if item["tipo_producao"] and item["tipo_producao"] not in tipos:
            problems[f"{key}.tipo_producao"] = (
                "Tipo de produção inexistente ou inativo (veja /catalogos/tipos-producao)"
            )
        for field, known in (("vendedor_id", vendedores), ("designer_id", designers)):
            if item[field] is not None and item[field] not in known:
                problems[f"{key}.{field}"] = "Inexistente ou inativo no catálogo"
        acabamento = _plain(item["acabamento"] or SEM_ACABAMENTO)
        try:
            price = precos.preco(item["valor_base"], item["valor_unitario"], item["valores_adicionais"], acabamento)
        except precos.PrecoInvalido as exc:
            problems[f"{key}.{exc.field}"] = str(exc)
            continue
        area = precos.metro_quadrado(item["largura"], item["altura"], item["quantidade"])
        if area is not None and area > MAX_MONEY:
            problems[f"{key}.largura"] = "Área grande demais: largura e altura são em metros"
            continue
        stored.append(
            {**item, "valor_base": price.valor_base, "valor_unitario": price.valor_unitario,
             "acabamento": acabamento, "metro_quadrado": area}
        )  # fmt: skip
    if problems:
        raise ValidationError(problems)
    return stored


Pessoa = TypeVar("Pessoa", Vendedor, Designer)


def _usable(model: type[Pessoa], wanted: set[int | None], kept: set[int | None]) -> set[int]:
    """Of the entries ``wanted``, those an item may name: active ones, or ones the order already has.

    Only the named entries are read, as whole rows: :func:`_rows` then finds them in the session.
    """
    ids = {i for i in wanted if i is not None}
    if not ids:
        return set()
    rows = db.session.scalars(select(model).where(model.id.in_(ids))).all()
    return {row.id for row in rows if row.ativo or row.id in kept}


def _rows(itens: list[dict[str, Any]], atuais: Sequence[ItemPedido] = ()) -> list[ItemPedido]:
    """Item rows, with the seller and designer they name (in the session already: see :func:`_usable`).

    An item that names the ``id`` of one of ``atuais`` (the order's items) is that row, changed in
    place: it keeps its id, and what hangs on it (its files, its art's approval). Any other is new.
    """
    por_id = {item.id: item for item in atuais}
    rows = []
    for item in itens:
        values = {k: v for k, v in item.items() if k != "id"}
        referencias = {
            "vendedor": None if item["vendedor_id"] is None else db.session.get(Vendedor, item["vendedor_id"]),
            "designer": None if item["designer_id"] is None else db.session.get(Designer, item["designer_id"]),
        }
        row = por_id.pop(item.get("id"), None)  # type: ignore[arg-type]  # None names no row
        if row is None:
            rows.append(ItemPedido(**values, **referencias))
            continue
        for name, value in {**values, **referencias}.items():
            setattr(row, name, value)
        rows.append(row)
    return rows


def _sem_id(itens: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Items as the history and the no-op check compare them: what they hold, not which rows they are."""
    return [{k: v for k, v in item.items() if k != "id"} for item in itens]


def _check_dates(pedido: Pedido) -> None:
    if pedido.data_entrega is not None and pedido.data_entrega < pedido.data_entrada:
        raise ValidationError({"data_entrega": "Anterior à data de entrada"})


def _com_cliente(clean: Mapping[str, Any], pedido: Pedido | None = None) -> Mapping[str, Any]:
    """``clean`` with the customer's name, phone, city and state where it names a new ``cliente_id``
    and does not give them itself; an order keeps its copy when the customer changes later."""
    cliente_id = clean.get("cliente_id")
    if cliente_id is None or (pedido is not None and cliente_id == pedido.cliente_id):
        if pedido is None and not clean.get("cliente"):
            raise ValidationError({"cliente": "Obrigatório (ou cliente_id)"})
        return clean
    cliente = db.session.get(Cliente, cliente_id)
    if cliente is None or not cliente.ativo:
        raise ValidationError({"cliente_id": "Cliente inexistente ou inativo"})
    copia = {"cliente": cliente.nome, "telefone_cliente": cliente.telefone, "cidade_cliente": cliente.cidade,
             "estado_cliente": cliente.estado}  # fmt: skip
    return {**copia, **{k: v for k, v in clean.items() if v is not None or k not in copia}}


def _apply_fields(pedido: Pedido, clean: Mapping[str, Any]) -> None:
    for name in DIRECT_FIELDS:
        if name in clean:
            setattr(pedido, name, clean[name])
    pedido.cliente_busca = search_key(pedido.cliente)


def _plain(value: Any) -> Any:
    """``value`` as JSON gives it in an order: money and dates as strings, items as objects."""
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, date):
        return value.isoformat()
    return str(value) if isinstance(value, Decimal) else value


def _alteracoes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{field: {"de": old, "para": new}}`` for every field that differs between two snapshots."""
    return {
        name: {"de": _plain(before[name]), "para": _plain(after[name])}
        for name in HISTORY_FIELDS
        if before[name] != after[name]
    }


def _record(
    tipo: str, pedido: Pedido, autor: Sessao | None, alteracoes: dict[str, Any], cliente_nome: str | None = None
) -> None:
    """Write the change's event (pruned with the log) and its history entry (kept with the order)."""
    evento = events.record(tipo, pedido, autor)
    db.session.add(
        HistoricoPedido(
            pedido_id=pedido.id,
            versao=pedido.versao,
            tipo=tipo,
            usuario_id=evento.usuario_id,
            usuario_nome=evento.usuario_nome,
            timestamp=evento.timestamp,
            alteracoes=json.dumps(alteracoes, ensure_ascii=False),
            cliente_nome=cliente_nome,
        )
    )


def create(clean: Mapping[str, Any], autor: Sessao | None = None) -> Pedido:
    """Create an order from validated input; commit; return it.

    :param autor: the :class:`~sgp_app.auth.tokens.Sessao` making the change, or ``None`` (CLI).
    """
    begin_write()
    clean = _com_cliente(clean)
    pedido = Pedido(
        status="pendente",
        versao=1,
        valor_pago=ZERO,
        data_entrada=clean.get("data_entrada") or hoje(current_app.config),
        valor_itens=None,
        valor_frete=clean.get("valor_frete", ZERO),
    )
    _apply_fields(pedido, clean)
    _check_dates(pedido)
    itens = _itens(None, clean.get("itens") or [])
    _totals(pedido, clean, itens)
    pedido.itens = _rows(itens)
    pedido.numero = f"{next_value('pedido_numero'):010d}"
    db.session.add(pedido)
    db.session.flush()
    _record(events.PEDIDO_CRIADO, pedido, autor, {})
    db.session.commit()
    return pedido


def locked(pedido_id: int, versoes: Collection[int] | None) -> Pedido:
    """The order, locked; 412 unless its version is one of ``versoes`` (``None``: any, as ``If-Match: *``)."""
    pedido = db.session.scalar(select(Pedido).where(Pedido.id == pedido_id).with_for_update())
    if pedido is None:
        raise ApiError(404, "Pedido não encontrado")
    if versoes is not None and pedido.versao not in versoes:
        raise ApiError(412, f"O pedido mudou (versão atual {pedido.versao}); recarregue-o", code="version_mismatch")
    return pedido


def _item_dicts(pedido: Pedido) -> list[dict[str, Any]]:
    return [{k: getattr(item, k) for k in ITEM_FIELDS} for item in pedido.itens]


def _snapshot(pedido: Pedido) -> dict[str, Any]:
    """Everything a client can change, to tell a real change from a no-op."""
    data = {name: getattr(pedido, name) for name in CHANGEABLE}
    data["valor_total"] = pedido.valor_total
    data["itens"] = _item_dicts(pedido)
    steps = etapas(current_app.config)
    posicao = {etapa: n for n, etapa in enumerate(steps)}
    feitas = sorted(pedido.etapas_feitas, key=lambda e: posicao.get(e.etapa, len(steps)))
    data["etapas"] = [_etapa_feita(e) for e in feitas]
    return data


def _etapa_feita(etapa: EtapaPedido) -> dict[str, Any]:
    """A done step as the history shows it: its name and the machine it was done on."""
    return {"etapa": etapa.etapa, "maquina_id": etapa.maquina_id}


def marcar_etapa(
    pedido_id: int,
    etapa: str,
    feita: bool,
    maquina_id: int | None = None,
    versoes: Collection[int] | None = None,
    autor: Sessao | None = None,
) -> Pedido:
    """Do or undo a production step; commit; return the order.

    A step can be done only when every earlier one is (409 ``etapa_fora_de_ordem``); undoing a step
    undoes every later one. Doing the first moves a ``pendente`` order to ``em_producao``; doing the
    last moves it to ``pronto``; undoing a step of a ``pronto`` order moves it back to ``em_producao``.
    ``autor`` may do only the steps of their sectors, unless an admin (403).
    """
    begin_write()
    pedido = locked(pedido_id, versoes)
    if autor is not None and not autor.is_admin:
        setores = db.session.scalar(select(Usuario.setores).where(Usuario.id == autor.usuario_id)) or []
        if etapa not in setores:
            db.session.rollback()
            raise ApiError(403, f"A etapa {etapa} não é de um setor seu", code="forbidden")
    if pedido.status in estados.FINAL_STATUSES:
        db.session.rollback()
        raise ApiError(409, f"Pedido {pedido.status} não pode ser alterado", code="final_status")
    steps = etapas(current_app.config)
    feitas = {e.etapa: e for e in pedido.etapas_feitas}
    posicao = steps.index(etapa)
    if feita == (etapa in feitas):
        return _unchanged(pedido_id)
    before = _snapshot(pedido)
    if feita:
        faltam = [s for s in steps[:posicao] if s not in feitas]
        if faltam:
            db.session.rollback()
            raise ApiError(409, "Faça antes: " + ", ".join(faltam), code="etapa_fora_de_ordem")
        if maquina_id is not None and not db.session.scalar(
            select(Maquina.id).where(Maquina.id == maquina_id, Maquina.ativo)
        ):
            db.session.rollback()
            raise ValidationError({"maquina_id": "Máquina inexistente ou inativa"})
        pedido.etapas_feitas.append(
            EtapaPedido(
                etapa=etapa,
                por_id=autor.usuario_id if autor else None,
                por_nome=autor.username if autor else None,
                maquina_id=maquina_id,
                maquina=None if maquina_id is None else db.session.get(Maquina, maquina_id),
            )
        )
        if pedido.status == "pendente":
            pedido.status = "em_producao"
        if posicao == len(steps) - 1:
            pedido.status = "pronto"
    else:
        desfeitas = set(steps[posicao:])
        pedido.etapas_feitas = [e for e in pedido.etapas_feitas if e.etapa not in desfeitas]
        if pedido.status == "pronto":
            pedido.status = "em_producao"
    return _commit_change(pedido, events.PEDIDO_ATUALIZADO, autor, before)


def _commit_change(pedido: Pedido, tipo: str, autor: Sessao | None, before: Mapping[str, Any]) -> Pedido:
    return commit_with(pedido, tipo, autor, lambda: _alteracoes(before, _snapshot(pedido)))


def commit_with(
    pedido: Pedido,
    tipo: str,
    autor: Sessao | None,
    alteracoes: Callable[[], dict[str, Any]],
    cliente_nome: str | None = None,
) -> Pedido:
    """Commit a change of ``pedido``: a new version, its event and its history entry (``alteracoes()``,
    reckoned once the change is flushed; ``cliente_nome``: made by the shop's customer, not a user)."""
    pedido.versao += 1
    pedido.atualizado_em = utcnow()
    db.session.flush()
    _record(tipo, pedido, autor, alteracoes(), cliente_nome)
    db.session.commit()
    return pedido


def _unchanged(pedido_id: int) -> Pedido:
    db.session.rollback()
    return get(pedido_id)


def update(
    pedido_id: int, clean: Mapping[str, Any], versoes: Collection[int] | None = None, autor: Sessao | None = None
) -> Pedido:
    """Apply a validated PATCH; commit; return the order.

    A PATCH that changes nothing returns the order as it is: no new version, no evento.
    """
    begin_write()
    pedido = locked(pedido_id, versoes)
    clean = _com_cliente(clean, pedido)
    before = _snapshot(pedido)
    old_status, new_status = pedido.status, clean.get("status", pedido.status)
    itens = clean.get("itens")
    if itens is not None:
        itens = _itens(pedido, itens)
    if itens is not None and _sem_id(itens) != _item_dicts(pedido):
        pedido.itens = _rows(itens, pedido.itens)
    _apply_fields(pedido, clean)
    _totals(pedido, clean, _sem_id(itens) if itens is not None else _item_dicts(pedido))
    pedido.status = new_status
    if _snapshot(pedido) == before:
        return _unchanged(pedido_id)
    if old_status in estados.FINAL_STATUSES:
        db.session.rollback()
        raise ApiError(409, f"Pedido {old_status} não pode ser alterado", code="final_status")
    if not estados.allowed(old_status, new_status):
        db.session.rollback()
        raise ApiError(409, f"Transição inválida: {old_status} → {new_status}", code="invalid_transition")
    _check_dates(pedido)
    tipo = events.PEDIDO_CANCELADO if new_status == "cancelado" else events.PEDIDO_ATUALIZADO
    return _commit_change(pedido, tipo, autor, before)


def cancel(pedido_id: int, versoes: Collection[int] | None = None, autor: Sessao | None = None) -> Pedido:
    """Cancel an order (never erase it); cancelling a cancelled order is a no-op."""
    begin_write()
    pedido = locked(pedido_id, versoes)
    if pedido.status == "cancelado":
        return _unchanged(pedido_id)
    if pedido.status == "entregue":
        db.session.rollback()
        raise ApiError(409, "Pedido entregue não pode ser cancelado", code="final_status")
    before = _snapshot(pedido)
    pedido.status = "cancelado"
    return _commit_change(pedido, events.PEDIDO_CANCELADO, autor, before)


def get(pedido_id: int) -> Pedido:
    pedido = db.session.get(Pedido, pedido_id)
    if pedido is None:
        raise ApiError(404, "Pedido não encontrado")
    return pedido


def historico(pedido_id: int, skip: int = 0, limit: int = 50) -> tuple[list[dict[str, Any]], int]:
    """``(a page of the order's changes, oldest first, how many there are)``; 404 for an unknown order."""
    get(pedido_id)
    mine = HistoricoPedido.pedido_id == pedido_id
    total = db.session.scalar(select(func.count()).select_from(HistoricoPedido).where(mine)) or 0
    rows = db.session.scalars(
        select(HistoricoPedido).where(mine).order_by(HistoricoPedido.id).offset(skip).limit(limit)
    )
    return [row.to_dict() for row in rows], total


def search(filtro: schemas.FiltroPedidos) -> tuple[Sequence[Pedido], int]:
    """Return ``(orders newest first, total count)`` for a :class:`~.schemas.FiltroPedidos`."""
    query = select(Pedido)
    if filtro.status is not None:
        query = query.where(Pedido.status.in_(filtro.status))
    if filtro.prioridade is not None:
        query = query.where(Pedido.prioridade == filtro.prioridade)
    if filtro.cliente:
        # Only letters, digits and single spaces are left: nothing LIKE would read as a wildcard.
        words = search_key(filtro.cliente)
        query = query.where(Pedido.cliente_busca.contains(words) if words else false())
    if filtro.data_inicio is not None:
        query = query.where(Pedido.data_entrada >= filtro.data_inicio)
    if filtro.data_fim is not None:
        query = query.where(Pedido.data_entrada <= filtro.data_fim)
    if filtro.entrega_de is not None:
        query = query.where(Pedido.data_entrega >= filtro.entrega_de)
    if filtro.entrega_ate is not None:
        query = query.where(Pedido.data_entrega <= filtro.entrega_ate)
    if filtro.etapa is not None:
        query = _fila(query, filtro.etapa)
    if filtro.pagamento is not None:
        query = query.where(or_(*(situacao(s) for s in filtro.pagamento)))
    if filtro.cliente_id is not None:
        query = query.where(Pedido.cliente_id == filtro.cliente_id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = query if filtro.etapa is not None else query.order_by(Pedido.id.desc())
    page = ordered.offset(filtro.skip).limit(filtro.limit)
    pedidos = db.session.scalars(page).all()
    return pedidos, total


def situacao(nome: str) -> Any:
    """The SQL condition of a payment situation (as :attr:`Pedido.situacao_pagamento` reckons it)."""
    saldo = Pedido.valor_itens + Pedido.valor_frete - Pedido.valor_pago
    return {
        "credito": saldo < 0,
        "pago": saldo == 0,
        "em_aberto": and_(saldo > 0, Pedido.valor_pago == 0),
        "parcial": and_(saldo > 0, Pedido.valor_pago > 0),
    }[nome]


def do_cliente(cliente_id: int, skip: int, limit: int) -> tuple[Sequence[Pedido], int]:
    """``(a page of a customer's orders, newest first; how many it has)``."""
    query = select(Pedido).where(Pedido.cliente_id == cliente_id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    return db.session.scalars(query.order_by(Pedido.id.desc()).offset(skip).limit(limit)).all(), total


def _fila(query: Any, etapa: str) -> Any:
    """A sector's queue: open orders whose every earlier step is done and this one not, oldest due date first."""
    steps = etapas(current_app.config)

    def feita(nome: str) -> Any:
        return exists().where(EtapaPedido.pedido_id == Pedido.id, EtapaPedido.etapa == nome)

    query = query.where(Pedido.status.not_in(estados.FINAL_STATUSES), ~feita(etapa))
    for anterior in steps[: steps.index(etapa)]:
        query = query.where(feita(anterior))
    return query.order_by(Pedido.data_entrega.is_(None), Pedido.data_entrega, Pedido.id)


def serialize(pedido: Pedido) -> dict[str, Any]:
    """The order as the API returns it (the :class:`~sgp_app.pedidos.schemas.Pedido` shape)."""
    capa = next((a for a in pedido.arquivos if a.tem_miniatura), None)
    answer = schemas.Pedido.model_validate(pedido)
    if capa is not None:
        from ..arquivos.service import link  # the files build on orders: imported where needed

        answer.capa_url = link(capa.id, "miniatura")
    return answer.model_dump(mode="json")
