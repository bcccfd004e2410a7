"""The shapes of ``/usuarios``."""

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, WithJsonSchema

from .. import nomes
from ..config import etapas
from ..fields import BOOLEAN, TEXT_CHARS, Boolean, PreciseTimestamp, Rule
from ..http import storable_text

MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # a hash of a longer one costs the same, but nobody types it
MAX_USERNAME = nomes.MAX_USERNAME
# No control, format (zero-width, bidi), separator, surrogate or private-use character; see sgp_app.nomes.
USERNAME_CHARS = r"^[^\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u206f\uD800-\uF8FF\uFEFF]*$"


def _password(value: object) -> str:
    if not isinstance(value, str) or not storable_text(value) or not MIN_PASSWORD <= len(value) <= MAX_PASSWORD:
        raise ValueError(f"A senha deve ter de {MIN_PASSWORD} a {MAX_PASSWORD} caracteres")
    return value


USERNAME = Rule(
    nomes.check,
    {"allOf": [{"type": "string", "maxLength": MAX_USERNAME, "pattern": USERNAME_CHARS}, {"pattern": r"\S"}]},
)
PASSWORD = Rule(
    _password, {"type": "string", "minLength": MIN_PASSWORD, "maxLength": MAX_PASSWORD, "pattern": TEXT_CHARS}
)
STRICT = ConfigDict(extra="forbid")


def _setores(value: object, info: ValidationInfo) -> list[str]:
    steps = (*etapas(info.context), *(() if "financeiro" in etapas(info.context) else ("financeiro",)))
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise ValueError("Deve ser uma lista de etapas")
    unknown = [s for s in value if s not in steps]
    if unknown:
        raise ValueError(f"Etapa desconhecida: {unknown[0][:40]}; as etapas são: " + ", ".join(steps))
    return list(dict.fromkeys(value))


SETORES_CHECK = BeforeValidator(_setores)
SETORES_SCHEMA = WithJsonSchema(
    {"type": "array", "items": {"type": "string", "pattern": "^[a-z0-9_]{1,40}$"}, "description": "SGP_ETAPAS steps"},
    mode="validation",
)


class UsuarioCreate(BaseModel):
    """POST /usuarios: 409 if the username is taken."""

    model_config = STRICT
    username: Annotated[str, USERNAME]
    password: Annotated[str, PASSWORD]
    is_admin: Boolean = False
    setores: Annotated[list[str], SETORES_CHECK, SETORES_SCHEMA] = Field(default_factory=list)


class UsuarioUpdate(BaseModel):
    """PATCH /usuarios/<id>: disabling a user or a new password revokes every token of theirs at once;
    the last active admin cannot be disabled or demoted (409)."""

    model_config = STRICT
    ativo: Annotated[bool | None, BOOLEAN] = None
    is_admin: Annotated[bool | None, BOOLEAN] = None
    password: Annotated[str | None, PASSWORD] = None
    setores: Annotated[list[str] | None, SETORES_CHECK, SETORES_SCHEMA] = None


class UsuarioAdmin(BaseModel):
    """A user as the admin routes show it."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    username: str
    is_admin: bool
    ativo: bool
    setores: list[str] = Field(description="the production steps this user may do or undo")
    criado_em: PreciseTimestamp
