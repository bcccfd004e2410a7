"""The shapes of ``/auth``: credentials in, a session and a user out."""

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from ..fields import TEXT_CHARS, PreciseTimestamp
from ..http import storable_text


def _credential(value: object) -> str:
    if not isinstance(value, str) or not storable_text(value) or not value:
        raise ValueError("Obrigatório (texto, sem caractere nulo)")
    return value


Credential = Annotated[
    str,
    BeforeValidator(_credential),
    WithJsonSchema({"allOf": [{"type": "string", "pattern": TEXT_CHARS}, {"minLength": 1}]}, mode="validation"),
]


class Credenciais(BaseModel):
    """POST /auth/login."""

    model_config = ConfigDict(extra="ignore")
    username: Credential
    password: Credential


class Usuario(BaseModel):
    """Who a token belongs to."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    username: str
    is_admin: bool
    setores: list[str] = Field(description="the production steps this user may do or undo (admins: any)")


class Sessao(BaseModel):
    """A new session."""

    session_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: PreciseTimestamp
    usuario: Usuario
