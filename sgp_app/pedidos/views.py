"""``/pedidos`` routes: order CRUD and the event catch-up feed."""

import re

from flask import Blueprint, current_app, g, request, url_for

from .. import events
from ..auth import login_required
from ..errors import ApiError, ValidationError
from ..http import json_body
from . import estados, service
from .schemas import PRIORIDADES, STATUSES, TEXT_FIELDS, iso_date, text, validate

bp = Blueprint("pedidos", __name__, url_prefix="/pedidos")

# One member of If-Match's list (RFC 9110, section 13.1.1): an entity-tag, strong ("3") or weak
# (W/"3"), or, as a convenience, the bare version (3); then a comma or the end.
IF_MATCH_MEMBER = re.compile(r'[ \t]*(?:(W/)?"([\x21\x23-\x7e\x80-\xff]*)"|([0-9]{1,9}))[ \t]*(?:,|\Z)')
INTEGER = re.compile(r"-?[0-9]{1,30}")
MAX_ID = 2**31 - 1  # a 32-bit integer column (PostgreSQL's integer)
MAX_EVENTO_ID = 2**63 - 1


def _int_arg(name, default, minimum, maximum=None):
    raw = request.args.get(name)
    if raw is None:
        return default
    if not INTEGER.fullmatch(raw):  # int() would also take " 5", "+5", "1_000" and other scripts' digits
        raise ValidationError({name: "Deve ser um número inteiro"})
    value = int(raw)
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"entre {minimum} e {maximum}" if maximum is not None else f"no mínimo {minimum}"
        raise ValidationError({name: f"Deve estar {bound}"})
    return value


def _if_match():
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


def _order_response(pedido, status=200):
    response = service.serialize(pedido)
    return response, status, {"ETag": f'"{pedido.versao}"'}


@bp.post("/", strict_slashes=False)
@login_required
def create_pedido():
    """Create an order; it starts ``pendente``."""
    pedido = service.create(validate(json_body(), max_itens=current_app.config["SGP_MAX_ITENS"]), g.sessao)
    body, status, headers = _order_response(pedido, 201)
    headers["Location"] = url_for("pedidos.get_pedido", pedido_id=pedido.id)
    return body, status, headers


@bp.get("/", strict_slashes=False)
@login_required
def list_pedidos():
    """List orders newest first, with filters and paging; ``X-Total-Count`` has the total.

    ``X-Ultimo-Evento-Id`` is read before the orders: every event up to it is reflected in
    the list, so a client that resumes the socket from it misses nothing.
    """
    ultimo_evento_id = events.newest_id()
    filters, errors = {}, {}
    # A parameter given empty (?status=) is a mistake the client should hear about, not "absent".
    for name, options in (("status", STATUSES), ("prioridade", PRIORIDADES)):
        if name in request.args:
            if request.args[name] not in options:
                errors[name] = "Deve ser um de: " + ", ".join(options)
            filters[name] = request.args[name]
    for name in ("data_inicio", "data_fim"):
        if name in request.args:
            try:
                filters[name] = iso_date(request.args[name])
            except ValueError as exc:
                errors[name] = str(exc)
    try:
        filters["cliente"] = text(TEXT_FIELDS["cliente"])(request.args.get("cliente", ""))
    except ValueError as exc:
        errors["cliente"] = str(exc)
    if errors:
        raise ValidationError(errors)
    skip, limit = _paging()
    pedidos, total = service.search(filters, skip, limit)
    headers = {"X-Ultimo-Evento-Id": str(ultimo_evento_id), **_page_headers(skip, limit, total)}
    return [service.serialize(p) for p in pedidos], 200, headers


def _paging():
    """``(skip, limit)`` from the query: ``skip`` from 0, ``limit`` 50 by default and at most 500 (else 422)."""
    return _int_arg("skip", 0, 0, MAX_ID), _int_arg("limit", 50, 0, 500)


def _page_headers(skip, limit, total):
    """``X-Total-Count``, and RFC 8288 ``next``/``prev`` links to the neighbouring pages with the same arguments."""
    pages = []
    if limit and skip + limit < total:
        pages.append(("next", skip + limit))
    if limit and skip > 0:
        pages.append(("prev", max(0, skip - limit)))
    args = {**request.view_args, **request.args.to_dict()}
    links = ", ".join(
        f'<{url_for(request.endpoint, **{**args, "skip": page_skip, "limit": limit})}>; rel="{rel}"'
        for rel, page_skip in pages
    )
    return {"X-Total-Count": str(total), **({"Link": links} if links else {})}


@bp.get("/contrato")
@login_required
def contrato():
    """The status machine and the event types, as the board and other clients read them."""
    return {**estados.contrato(), "tipos_evento": list(events.TIPOS)}


@bp.get("/<id:pedido_id>")
@login_required
def get_pedido(pedido_id):
    """One order."""
    return _order_response(service.get(pedido_id))


@bp.patch("/<id:pedido_id>")
@login_required
def update_pedido(pedido_id):
    """Change an order's fields or status; ``If-Match`` guards against lost updates."""
    expected = _if_match()
    changes = validate(json_body(), partial=True, max_itens=current_app.config["SGP_MAX_ITENS"])
    return _order_response(service.update(pedido_id, changes, expected, g.sessao))


@bp.delete("/<id:pedido_id>")
@login_required
def cancel_pedido(pedido_id):
    """Cancel an order; it is kept, with status ``cancelado``."""
    service.cancel(pedido_id, _if_match(), g.sessao)
    return {"message": "Pedido cancelado com sucesso"}


@bp.get("/<id:pedido_id>/historico")
@login_required
def historico_pedido(pedido_id):
    """The order's changes, oldest first, each with its author, a page at a time; kept as long as the order."""
    skip, limit = _paging()
    entradas, total = service.historico(pedido_id, skip, limit)
    return entradas, 200, _page_headers(skip, limit, total)


@bp.get("/eventos")
@login_required
def list_eventos():
    """Stored events after ``desde``, oldest first, exactly as sent on the socket."""
    desde = _int_arg("desde", 0, 0, MAX_EVENTO_ID)
    limit = _int_arg("limit", 100, 1, 1000)
    rows = events.eventos_after(desde, limit)
    return [e.to_message() for e in rows], 200, {"X-Ultimo-Evento-Id": str(events.newest_id())}
