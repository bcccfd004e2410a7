"""``/webhooks`` routes, for admins only (403 for everyone else)."""

import json

from flask import Blueprint, current_app, url_for
from sqlalchemy import delete, select

from .. import events
from ..contract import contract
from ..db import begin_write
from ..errors import ApiError, ValidationError
from ..extensions import db
from ..models import EntregaWebhook, Webhook
from .delivery import KEEP_ATTEMPTS, new_segredo
from .schemas import Entrega, WebhookCreate, WebhookCriado, WebhookUpdate
from .schemas import Webhook as WebhookOut
from .targets import TargetRefused, check_target

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


def _shown(webhook: Webhook, model: type[WebhookOut] = WebhookOut) -> WebhookOut:
    return model.model_validate(webhook)


def _get(webhook_id: int) -> Webhook:
    webhook = db.session.get(Webhook, webhook_id)
    if webhook is None:
        raise ApiError(404, "Webhook não encontrado")
    return webhook


def _check_target(url: str) -> None:
    """422 on ``url`` for a loopback, private or link-local target (unless allowed)."""
    try:
        check_target(url, current_app.config["SGP_WEBHOOK_ALLOW_PRIVATE"])
    except TargetRefused as exc:
        raise ValidationError({"url": str(exc)}) from None


def _tipos(tipos: list[str] | None) -> str | None:
    return None if tipos is None else json.dumps(tipos)


@bp.get("/", strict_slashes=False)
@contract(access="admin", answer=list[WebhookOut])
def list_webhooks() -> list[WebhookOut]:
    """Every endpoint, oldest first, without its secret."""
    return [_shown(w) for w in db.session.scalars(select(Webhook).order_by(Webhook.id))]


@bp.post("/", strict_slashes=False)
@contract(access="admin", body=WebhookCreate, answer=WebhookCriado, status=201, headers=("Location",))
def create_webhook(body: WebhookCreate) -> tuple[WebhookOut, int, dict[str, str]]:
    """Register an endpoint; it gets the events committed from now on.

    ``segredo`` is generated when absent and shown only in this answer. Loopback, private and
    link-local targets are 422 unless ``SGP_WEBHOOK_ALLOW_PRIVATE=1``.
    """
    novo = body
    _check_target(novo.url)
    begin_write()
    webhook = Webhook(
        url=novo.url,
        segredo=novo.segredo or new_segredo(),
        tipos=_tipos(novo.tipos),
        ativo=True,
        ultimo_evento_id=events.newest_id(),  # read under the write lock: the next event is the first one sent
    )
    db.session.add(webhook)
    db.session.commit()
    location = url_for("webhooks.get_webhook", webhook_id=webhook.id)
    return _shown(webhook, WebhookCriado), 201, {"Location": location}


@bp.get("/<id:webhook_id>")
@contract(access="admin", answer=WebhookOut, errors=(404,))
def get_webhook(webhook_id: int) -> WebhookOut:
    """One endpoint, without its secret."""
    return _shown(_get(webhook_id))


@bp.patch("/<id:webhook_id>")
@contract(access="admin", body=WebhookUpdate, answer=WebhookOut, errors=(404,))
def update_webhook(webhook_id: int, body: WebhookUpdate) -> WebhookOut:
    """Disable or enable an endpoint, or change its URL or event types.

    Enabling resumes from the endpoint's cursor (``ultimo_evento_id``).
    """
    changes = body
    if changes.url is not None:
        _check_target(changes.url)
    begin_write()
    webhook = _get(webhook_id)
    given = changes.model_fields_set
    if "url" in given and changes.url is not None:
        webhook.url = changes.url
    if "tipos" in given:
        webhook.tipos = _tipos(changes.tipos)
    if "ativo" in given and changes.ativo is not None and changes.ativo != webhook.ativo:
        webhook.ativo = changes.ativo
        webhook.falhando_desde = None  # enabled again: the give-up clock starts anew
    db.session.commit()
    return _shown(webhook)


@bp.delete("/<id:webhook_id>")
@contract(access="admin", status=204, errors=(404,))
def delete_webhook(webhook_id: int) -> tuple[str, int]:
    """Remove an endpoint and its delivery attempts; its deliverer stops."""
    begin_write()
    webhook = _get(webhook_id)
    db.session.execute(delete(EntregaWebhook).where(EntregaWebhook.webhook_id == webhook.id))
    db.session.delete(webhook)
    db.session.commit()
    return "", 204


@bp.get("/<id:webhook_id>/entregas")
@contract(access="admin", answer=list[Entrega], errors=(404,))
def list_entregas(webhook_id: int) -> list[Entrega]:
    """The latest delivery attempts, newest first (at most 100)."""
    _get(webhook_id)
    rows = db.session.scalars(
        select(EntregaWebhook)
        .where(EntregaWebhook.webhook_id == webhook_id)
        .order_by(EntregaWebhook.id.desc())
        .limit(KEEP_ATTEMPTS)
    )
    return [Entrega.model_validate(row) for row in rows]
