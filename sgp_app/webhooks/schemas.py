"""The shapes of ``/webhooks``."""

import re
from typing import Annotated

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from ..events import TIPOS
from ..fields import BOOLEAN, PreciseTimestamp, Rule, choice
from .targets import MAX_URL, TargetRefused, normalize_url

SEGREDO_TEXT = re.compile(r"[\x21-\x7e]{16,200}")  # printable ASCII, no spaces: it goes into an HMAC key as typed
STRICT = ConfigDict(extra="forbid")


def _url(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("Deve ser texto")
    if not value.startswith(("http://", "https://")):
        raise ValueError("Use uma URL http:// ou https://")
    try:
        return normalize_url(value)  # stored, shown and posted to as it goes on the wire
    except TargetRefused as exc:
        raise ValueError(str(exc)) from None


def _segredo(value: object) -> str:
    if not isinstance(value, str) or not SEGREDO_TEXT.fullmatch(value):
        raise ValueError("De 16 a 200 caracteres ASCII visíveis (sem espaços)")
    return value


def _tipos(value: object) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise ValueError("Deve ser uma lista de tipos de evento")
    if not value:
        raise ValueError("Informe ao menos um tipo, ou omita o campo para receber todos")
    check = choice(TIPOS)
    tipos = [check(t) for t in value]
    if len(set(tipos)) != len(tipos):
        raise ValueError("Tipos repetidos")
    return tipos


URL_SCHEMA = {"type": "string", "maxLength": MAX_URL, "pattern": r"^https?://\S+$"}
TIPOS_SCHEMA = {"type": "array", "items": {"type": "string", "enum": list(TIPOS)}, "minItems": 1, "uniqueItems": True}

URL = Rule(_url, URL_SCHEMA)
SEGREDO = Rule(_segredo, {"type": "string", "minLength": 16, "maxLength": 200, "pattern": r"^[\x21-\x7e]+$"})
TIPOS_RULE = Rule(_tipos, TIPOS_SCHEMA)
OptionalTipos = Annotated[list[str] | None, Rule(_tipos, {**TIPOS_SCHEMA, "nullable": True})]


class WebhookCreate(BaseModel):
    """POST /webhooks: ``segredo`` is generated when absent; ``tipos`` absent means every type."""

    model_config = STRICT
    url: Annotated[str, URL]
    segredo: Annotated[str | None, SEGREDO] = None
    tipos: Annotated[list[str] | None, TIPOS_RULE] = None


class WebhookUpdate(BaseModel):
    """PATCH /webhooks/<id>: ``tipos: null`` means every type; enabling again resumes from the cursor."""

    model_config = STRICT
    ativo: Annotated[bool | None, BOOLEAN] = None
    tipos: OptionalTipos = None
    url: Annotated[str | None, URL] = None


class Webhook(BaseModel):
    """An endpoint as the routes show it (never its ``segredo``, but in the answer to its creation)."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    url: str
    tipos: list[str] | None = Field(
        validation_alias=AliasChoices("tipos_lista", "tipos"), description="null: every event type"
    )
    ativo: bool
    ultimo_evento_id: int = Field(description="its cursor: the last event delivered or passed over")
    falhando_desde: PreciseTimestamp | None
    criado_em: PreciseTimestamp


class WebhookCriado(Webhook):
    """The answer to POST /webhooks: the only time ``segredo`` is shown."""

    segredo: str


class Entrega(BaseModel):
    """One delivery attempt."""

    model_config = ConfigDict(from_attributes=True)
    evento_id: int
    tentativa: int
    status_http: int | None
    erro: str | None
    duracao_ms: int
    timestamp: PreciseTimestamp
