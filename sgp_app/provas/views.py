"""Proof links: the shop makes one (``POST /pedidos/<id>/provas``); its customer opens the page
``/aprovacao/<token>`` (no login; a strict CSP; nothing loaded from elsewhere; no JavaScript) and
approves or asks for changes, once. The page's form posts to ``/aprovacao/<token>/formulario``;
other clients post JSON to ``/aprovacao/<token>``. The public routes are rate-limited per address."""

from typing import Annotated, Any

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, url_for
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from ..arquivos import service as arquivos
from ..contract import contract
from ..errors import ApiError, ValidationError
from ..extensions import db, limiter
from ..fields import Choice, PreciseTimestamp, Text, WholeNumber
from ..models import Prova
from ..pedidos.schemas import Autor
from ..validation import parse
from . import service

bp = Blueprint(
    "provas", __name__, template_folder="templates", static_folder="static", static_url_path="/aprovacao/static"
)
STRICT = ConfigDict(extra="forbid")
# The customer's page: its own stylesheet and the proof's image, nothing else; no script, no frame.
CSP = (
    "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def _limite() -> str:
    return current_app.config["SGP_PROOF_RATE_LIMIT"]


class ProvaNova(BaseModel):
    """POST /pedidos/<id>/provas: one of the order's files, and a message for the customer."""

    model_config = STRICT
    arquivo_id: Annotated[int, WholeNumber(1, 2**31 - 1)]
    mensagem: Annotated[str, Text(500)] = ""


class ProvaCriada(BaseModel):
    id: int
    link: str = Field(description="/aprovacao/<token>: send it to the customer; it is shown only now")
    expira_em: PreciseTimestamp
    decisao: None = None


class ProvaOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    arquivo_id: int | None
    item_id: int | None
    mensagem: str
    criado_em: PreciseTimestamp
    expira_em: PreciseTimestamp
    criado_por: Autor | None
    decisao: Annotated[str, Choice(service.DECISOES)] | None
    comentario: str
    nome_cliente: str
    decidido_em: PreciseTimestamp | None


class Decisao(BaseModel):
    """The customer's answer: ``aprovada``, or ``recusada`` with what to change."""

    model_config = STRICT
    decisao: Annotated[str, Choice(service.DECISOES)]
    comentario: Annotated[str, Text(1000)] = ""
    nome: Annotated[str, Text(120)] = ""


def _out(prova: Prova) -> ProvaOut:
    return ProvaOut.model_validate(
        {**{c: getattr(prova, c) for c in ProvaOut.model_fields if c != "criado_por"},
         "criado_por": None if prova.criado_por_id is None else {"id": prova.criado_por_id,
                                                                  "username": prova.criado_por_nome}}
    )  # fmt: skip


@bp.post("/pedidos/<id:pedido_id>/provas")
@contract(body=ProvaNova, answer=ProvaCriada, status=201, errors=(404, 409), tag="arquivos")
def create_prova(pedido_id: int, body: ProvaNova) -> tuple[ProvaCriada, int]:
    """Make a proof link for one of the order's files (event pedido_atualizado); its item goes `em_aprovacao`.

    The link is random (192 bits), kept only as a hash, and expires after SGP_PROOF_TTL_DAYS.
    """
    prova, token = service.criar(pedido_id, body.arquivo_id, body.mensagem, g.sessao)
    return ProvaCriada(id=prova.id, link=f"/aprovacao/{token}", expira_em=prova.expira_em), 201


@bp.get("/pedidos/<id:pedido_id>/provas")
@contract(answer=list[ProvaOut], errors=(404,), tag="arquivos")
def list_provas(pedido_id: int) -> list[ProvaOut]:
    """The order's proofs, oldest first, with their decisions (their links are never shown again)."""

    from ..pedidos.service import get

    get(pedido_id)
    return [_out(p) for p in db.session.scalars(select(Prova).where(Prova.pedido_id == pedido_id).order_by(Prova.id))]


@bp.post("/aprovacao/<token>")
@limiter.limit(_limite)
@contract(access="public", body=Decisao, answer=ProvaOut, errors=(404, 409, 429), tag="arquivos")
def decide_prova(token: str, body: Decisao) -> ProvaOut:
    """The customer's decision on a proof (no login): once; 409 after. The item's `status_arte`
    follows it, and the order's history has it with the customer's name (event pedido_atualizado)."""
    return _out(service.decidir(token, body.decisao, body.comentario, body.nome))


def _pagina(token: str, status: int = 200, **extra: Any) -> Response:
    try:
        dados = service.contexto(service.aberta(token))
    except ApiError:
        html = render_template("aprovacao.html", vencida=True, mensagem=service.NAO_ENCONTRADA)
        return _html(html, 404)
    arquivo = dados["arquivo"]
    if arquivo is not None:
        dados["imagem"] = arquivos.link(arquivo.id, "arquivo" if arquivo.tipo != "application/pdf" else "miniatura")
        dados["download"] = arquivos.link(arquivo.id, "arquivo")
    return _html(render_template("aprovacao.html", token=token, **dados, **extra), status)


def _html(html: str, status: int) -> Response:
    resposta = Response(html, status=status, mimetype="text/html")
    resposta.headers["Content-Security-Policy"] = CSP
    resposta.headers["Cache-Control"] = "no-store"
    return resposta


@bp.get("/aprovacao/<token>")
@limiter.limit(_limite)
@contract(
    access="public", answer={"type": "string"}, media_type="text/html",
    also={404: "The same page, saying the link is unknown or expired"}, errors=(429,), tag="arquivos",
)  # fmt: skip
def pagina_aprovacao(token: str) -> Response:
    """The customer's page (HTML, no login): the order's number, the item, the proof, and the two answers.

    Its form posts to `/aprovacao/{token}/formulario`; a strict Content-Security-Policy, no script.
    """
    return _pagina(token)


@bp.post("/aprovacao/<token>/formulario")
@limiter.limit(_limite)
def formulario_aprovacao(token: str) -> Response | WerkzeugResponse:
    """The page's form (no JavaScript): record the decision, then show the page again with it."""
    try:
        corpo = parse(Decisao, request.form.to_dict(), context=current_app.config)
        service.decidir(token, corpo.decisao, corpo.comentario, corpo.nome)
    except ValidationError as exc:
        return _pagina(token, 422, erros=exc.fields)
    except ApiError as exc:
        if exc.status == 409:
            return _pagina(token, 409)
        return _pagina(token)  # 404: the page says so
    return redirect(url_for("provas.pagina_aprovacao", token=token), code=303)
