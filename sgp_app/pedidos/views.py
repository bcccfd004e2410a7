"""``/pedidos`` routes: order CRUD and the event catch-up feed."""

from typing import Any

from flask import Blueprint, current_app, g, request, url_for

from .. import events, models
from ..config import etapas
from ..contract import contract
from ..precondicoes import IF_MATCH, if_match
from . import estados, pagamentos, service
from .schemas import (
    SITUACOES,
    Contrato,
    EtapaAlteracao,
    Evento,
    FiltroEventos,
    FiltroPedidos,
    HistoricoEntrada,
    Mensagem,
    Pagamento,
    PagamentoNovo,
    Paginacao,
    Pedido,
    PedidoCreate,
    PedidoUpdate,
    given,
)

bp = Blueprint("pedidos", __name__, url_prefix="/pedidos")


def _order_response(pedido: models.Pedido, status: int = 200) -> tuple[dict[str, Any], int, dict[str, str]]:
    return service.serialize(pedido), status, {"ETag": f'"{pedido.versao}"'}


@bp.post("/", strict_slashes=False)
@contract(body=PedidoCreate, answer=Pedido, status=201, headers=("Location", "ETag"))
def create_pedido(body: PedidoCreate) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Create an order (event pedido_criado); it starts ``pendente``."""
    pedido = service.create(given(body), g.sessao)
    answer, status, headers = _order_response(pedido, 201)
    headers["Location"] = url_for("pedidos.get_pedido", pedido_id=pedido.id)
    return answer, status, headers


@bp.get("/", strict_slashes=False)
@contract(query=FiltroPedidos, answer=list[Pedido], headers=("X-Total-Count", "X-Ultimo-Evento-Id", "Link"))
def list_pedidos(query: FiltroPedidos) -> tuple[list[dict[str, Any]], int, dict[str, str]]:
    """List orders, newest first, with filters and paging.

    ``X-Total-Count`` has the total and ``Link`` the next and prev pages (RFC 8288).
    ``X-Ultimo-Evento-Id`` is read before the orders: every event up to it is reflected in the
    list, so a client that resumes the socket from it misses nothing. An empty parameter is 422.
    """
    ultimo_evento_id = events.newest_id()
    pedidos, total = service.search(query)
    headers = {"X-Ultimo-Evento-Id": str(ultimo_evento_id), **page_headers(query, total)}
    return [service.serialize(p) for p in pedidos], 200, headers


def page_headers(page: Paginacao, total: int) -> dict[str, str]:
    """``X-Total-Count``, and RFC 8288 ``next``/``prev`` links to the neighbouring pages with the same arguments."""
    skip, limit = page.skip, page.limit
    pages = []
    if limit and skip + limit < total:
        pages.append(("next", skip + limit))
    if limit and skip > 0:
        pages.append(("prev", max(0, skip - limit)))
    args = {**(request.view_args or {}), **request.args.to_dict()}
    links = ", ".join(
        f'<{url_for(str(request.endpoint), **{**args, "skip": page_skip, "limit": limit})}>; rel="{rel}"'
        for rel, page_skip in pages
    )
    return {"X-Total-Count": str(total), **({"Link": links} if links else {})}


@bp.get("/contrato")
@contract(answer=Contrato)
def get_contrato() -> Contrato:
    """The status machine (statuses in column order, allowed moves, finals) and the event types."""
    return Contrato(
        **estados.contrato(),
        tipos_evento=list(events.TIPOS),
        etapas=list(etapas(current_app.config)),
        situacoes_pagamento=list(SITUACOES),
        fuso_horario=current_app.config["SGP_TIMEZONE"],
    )


@bp.get("/<id:pedido_id>")
@contract(answer=Pedido, headers=("ETag",), errors=(404,))
def get_pedido(pedido_id: int) -> tuple[dict[str, Any], int, dict[str, str]]:
    """One order."""
    return _order_response(service.get(pedido_id))


@bp.patch("/<id:pedido_id>")
@contract(body=PedidoUpdate, answer=Pedido, headers=("ETag",), request_headers=(IF_MATCH,), errors=(400, 404, 409, 412))
def update_pedido(pedido_id: int, body: PedidoUpdate) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Change an order (event pedido_atualizado or pedido_cancelado); ``If-Match`` guards against lost updates.

    ``status`` moves only as the status machine (``GET /pedidos/contrato``) allows: 409 otherwise.
    """
    return _order_response(service.update(pedido_id, given(body), if_match(), g.sessao))


@bp.patch("/<id:pedido_id>/etapas")
@contract(
    body=EtapaAlteracao, answer=Pedido, headers=("ETag",), request_headers=(IF_MATCH,), errors=(403, 404, 409, 412)
)
def update_etapa(pedido_id: int, body: EtapaAlteracao) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Do or undo a production step (event pedido_atualizado); ``If-Match`` honoured.

    A step can be done only when every earlier one is (409 ``etapa_fora_de_ordem``); undoing one
    undoes every later one. Doing the first moves a ``pendente`` order to ``em_producao``, the last
    to ``pronto``. Users do the steps of their ``setores``, admins any (403 otherwise); a final order is 409.
    """
    versoes = if_match()
    pedido = service.marcar_etapa(pedido_id, body.etapa, body.feita, body.maquina_id, versoes, g.sessao)
    return _order_response(pedido)


@bp.delete("/<id:pedido_id>")
@contract(answer=Mensagem, request_headers=(IF_MATCH,), errors=(400, 404, 409, 412))
def cancel_pedido(pedido_id: int) -> Mensagem:
    """Cancel an order: it is kept, with status ``cancelado`` (event pedido_cancelado)."""
    service.cancel(pedido_id, if_match(), g.sessao)
    return Mensagem(message="Pedido cancelado com sucesso")


@bp.get("/<id:pedido_id>/historico")
@contract(query=Paginacao, answer=list[HistoricoEntrada], headers=("X-Total-Count", "Link"), errors=(404,))
def get_historico_pedido(pedido_id: int, query: Paginacao) -> tuple[list[dict[str, Any]], int, dict[str, str]]:
    """The order's changes, oldest first, each with its author (kept as long as the order).

    Paged like the order list: ``X-Total-Count`` has the total, ``Link`` the next and prev pages.
    """
    entradas, total = service.historico(pedido_id, query.skip, query.limit)
    return entradas, 200, page_headers(query, total)


@bp.get("/eventos")
@contract(query=FiltroEventos, answer=list[Evento], headers=("X-Ultimo-Evento-Id",))
def list_eventos(query: FiltroEventos) -> tuple[list[dict[str, Any]], int, dict[str, str]]:
    """Stored events after ``desde``, oldest first, exactly as sent on the socket."""
    rows = events.eventos_after(query.desde, query.limit)
    return [e.to_message() for e in rows], 200, {"X-Ultimo-Evento-Id": str(events.newest_id())}


@bp.get("/<id:pedido_id>/pagamentos")
@contract(answer=list[Pagamento], errors=(404,))
def list_pagamentos(pedido_id: int) -> list[Pagamento]:
    """The order's payments, oldest first; reversed ones stay, with ``estornado_em``."""
    return [Pagamento.model_validate(p) for p in pagamentos.listar(pedido_id)]


@bp.post("/<id:pedido_id>/pagamentos")
@contract(body=PagamentoNovo, answer=Pagamento, status=201, errors=(403, 404, 409))
def create_pagamento(pedido_id: int, body: PagamentoNovo) -> tuple[Pagamento, int]:
    """Record a payment (admins and sector ``financeiro``; event pedido_atualizado).

    422 past the order's saldo or for an inactive payment method; 409 on a cancelled order.
    """
    pagamento = pagamentos.registrar(
        pedido_id, body.valor, body.forma_pagamento_id, body.data, body.observacao, g.sessao
    )
    return Pagamento.model_validate(pagamento), 201


@bp.post("/<id:pedido_id>/pagamentos/<id:pagamento_id>/estorno")
@contract(answer=Pagamento, errors=(403, 404, 409))
def reverse_pagamento(pedido_id: int, pagamento_id: int) -> Pagamento:
    """Reverse a payment (admins and sector ``financeiro``; event pedido_atualizado): it is kept,
    marked, and no longer counts in ``valor_pago``. Twice is 409."""
    return Pagamento.model_validate(pagamentos.estornar(pedido_id, pagamento_id, g.sessao))
