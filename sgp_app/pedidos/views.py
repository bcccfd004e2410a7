"""``/pedidos`` routes: order CRUD and the event catch-up feed."""

import re
from typing import Any

from flask import Blueprint, current_app, g, request, url_for

from .. import events, models
from ..config import etapas
from ..contract import RequestHeader, contract
from ..errors import ApiError
from . import estados, service
from .schemas import (
    Contrato,
    EtapaAlteracao,
    Evento,
    FiltroEventos,
    FiltroPedidos,
    HistoricoEntrada,
    Mensagem,
    Paginacao,
    Pedido,
    PedidoCreate,
    PedidoUpdate,
    given,
)

bp = Blueprint("pedidos", __name__, url_prefix="/pedidos")

# One member of If-Match's list (RFC 9110, section 13.1.1): an entity-tag, strong ("3") or weak
# (W/"3"), or, as a convenience, the bare version (3); then a comma or the end.
IF_MATCH_MEMBER = re.compile(r'[ \t]*(?:(W/)?"([\x21\x23-\x7e\x80-\xff]*)"|([0-9]{1,9}))[ \t]*(?:,|\Z)')
IF_MATCH = RequestHeader(
    "If-Match",
    {
        "type": "string",
        "pattern": r'^(\*|(W/)?"[\x21\x23-\x7e]*"|[0-9]{1,9})([ \t]*,[ \t]*((W/)?"[\x21\x23-\x7e]*"|[0-9]{1,9}))*$',
    },
    'The order\'s versao as its ETag ("3"), a list ("3", "4"), or * for any (RFC 9110; the bare 3 is taken too); '
    "weak tags never match. 412 if none matches, 400 if malformed",
)


def _if_match() -> frozenset[int] | None:
    """The versions ``If-Match`` accepts, or ``None`` when it is absent or ``*``; 400 when malformed.

    A list matches when any of its tags does (``"6", "7"``). As RFC 9110 asks, tags are compared
    strongly: a weak one (``W/"3"``) or one that is not a version matches nothing (412). ``*``
    matches any current representation: the order must exist.
    """
    raw = request.headers.get("If-Match")
    if raw is None or raw.strip() == "*":
        return None
    versions, position = set(), 0
    while position < len(raw) or not position:
        member = IF_MATCH_MEMBER.match(raw, position)
        if member is None or member.end() == position:
            raise ApiError(400, 'If-Match deve conter versões do pedido entre aspas, como "3" ou "3", "4", ou *')
        weak, tag, bare = member.groups()
        tag = bare if tag is None else tag
        if not weak and tag.isascii() and tag.isdigit() and len(tag) <= 9:
            versions.add(int(tag))
        position = member.end()
    return frozenset(versions)


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
    headers = {"X-Ultimo-Evento-Id": str(ultimo_evento_id), **_page_headers(query, total)}
    return [service.serialize(p) for p in pedidos], 200, headers


def _page_headers(page: Paginacao, total: int) -> dict[str, str]:
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
    return Contrato(**estados.contrato(), tipos_evento=list(events.TIPOS), etapas=list(etapas(current_app.config)))


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
    return _order_response(service.update(pedido_id, given(body), _if_match(), g.sessao))


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
    versoes = _if_match()
    pedido = service.marcar_etapa(pedido_id, body.etapa, body.feita, body.maquina_id, versoes, g.sessao)
    return _order_response(pedido)


@bp.delete("/<id:pedido_id>")
@contract(answer=Mensagem, request_headers=(IF_MATCH,), errors=(400, 404, 409, 412))
def cancel_pedido(pedido_id: int) -> Mensagem:
    """Cancel an order: it is kept, with status ``cancelado`` (event pedido_cancelado)."""
    service.cancel(pedido_id, _if_match(), g.sessao)
    return Mensagem(message="Pedido cancelado com sucesso")


@bp.get("/<id:pedido_id>/historico")
@contract(query=Paginacao, answer=list[HistoricoEntrada], headers=("X-Total-Count", "Link"), errors=(404,))
def get_historico_pedido(pedido_id: int, query: Paginacao) -> tuple[list[dict[str, Any]], int, dict[str, str]]:
    """The order's changes, oldest first, each with its author (kept as long as the order).

    Paged like the order list: ``X-Total-Count`` has the total, ``Link`` the next and prev pages.
    """
    entradas, total = service.historico(pedido_id, query.skip, query.limit)
    return entradas, 200, _page_headers(query, total)


@bp.get("/eventos")
@contract(query=FiltroEventos, answer=list[Evento], headers=("X-Ultimo-Evento-Id",))
def list_eventos(query: FiltroEventos) -> tuple[list[dict[str, Any]], int, dict[str, str]]:
    """Stored events after ``desde``, oldest first, exactly as sent on the socket."""
    rows = events.eventos_after(query.desde, query.limit)
    return [e.to_message() for e in rows], 200, {"X-Ultimo-Evento-Id": str(events.newest_id())}
