"""The shapes of ``/clientes``: a customer as created, as changed and as answered, and the list's filters."""

from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from .. import documentos
from ..catalogos.schemas import EMAIL, clean
from ..fields import BOOLEAN, TEXT_CHARS, QueryBoolean, Rule, Text, Timestamp, text
from ..pedidos.schemas import Paginacao

__all__ = ["clean"]

STRICT = ConfigDict(extra="forbid")
TEXT_FIELDS = {"nome": 200, "telefone": 40, "endereco": 300, "cidade": 120, "observacao": 2000}
READ_ONLY = ("id", "versao", "criado_em", "atualizado_em")


def _digits_rule(check: Any, max_length: int, description: str) -> Rule:
    def clean(value: object) -> str:
        return check(text(max_length)(value))

    return Rule(clean, {"type": "string", "maxLength": max_length, "pattern": TEXT_CHARS, "description": description})


DOCUMENTO = _digits_rule(
    documentos.documento_digitos, 30, "a CPF or CNPJ, with or without punctuation; check digits verified"
)
CEP = _digits_rule(documentos.cep_digitos, 12, "eight digits, as 29000-000 or 29000000")
ESTADO = Rule(
    lambda value: documentos.uf(text(2)(value)),
    {"type": "string", "enum": ["", *sorted(documentos.UFS), *sorted(u.lower() for u in documentos.UFS)]},
)


class ClienteAlteracao(BaseModel):
    """PATCH /clientes/<id>: any field; ``ativo: false`` retires the customer (never deleted)."""

    model_config = STRICT
    read_only: ClassVar[tuple[str, ...]] = READ_ONLY
    nome: Annotated[str | None, Text(TEXT_FIELDS["nome"], required=True)] = None
    documento: Annotated[str | None, DOCUMENTO] = None
    telefone: Annotated[str | None, Text(TEXT_FIELDS["telefone"])] = None
    email: Annotated[str | None, EMAIL] = None
    cep: Annotated[str | None, CEP] = None
    endereco: Annotated[str | None, Text(TEXT_FIELDS["endereco"])] = None
    cidade: Annotated[str | None, Text(TEXT_FIELDS["cidade"])] = None
    estado: Annotated[str | None, ESTADO] = None
    observacao: Annotated[str | None, Text(TEXT_FIELDS["observacao"])] = None
    ativo: Annotated[bool | None, BOOLEAN] = None


class ClienteNovo(ClienteAlteracao):
    """POST /clientes: ``nome`` is required; ``documento``, when given, is unique (409)."""

    nome: Annotated[str, Text(TEXT_FIELDS["nome"], required=True)]


class Cliente(BaseModel):
    """A customer as the API answers it; ``documento`` and ``cep`` as digits."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    nome: str
    documento: Annotated[str, BeforeValidator(lambda v: v or "")] = Field(
        description="CPF (11 digits) or CNPJ (14), or empty"
    )
    telefone: str
    email: str
    cep: str
    endereco: str
    cidade: str
    estado: str
    observacao: str
    ativo: bool
    versao: int
    criado_em: Timestamp
    atualizado_em: Timestamp


class FiltroClientes(Paginacao):
    """GET /clientes: ``q`` finds by words of the name (their beginnings, ignoring case and accents)
    and by the digits of document and phone; ``ativo`` keeps the customers in use or the retired."""

    q: Annotated[str, Text(200)] = Field("", description="what is typed: words of the name, document or phone digits")
    ativo: Annotated[bool | None, QueryBoolean()] = None


class Rejeicao(BaseModel):
    linha: int = Field(description="the row's line in the file (the header is line 1)")
    erros: dict[str, str]


class Importacao(BaseModel):
    """What an import did (or, with ``?simular=1``, would do)."""

    criados: int
    atualizados: int
    inalterados: int = Field(description="rows that matched a customer and changed nothing")
    rejeitados: list[Rejeicao]
    colunas_ignoradas: list[str] = Field(description="header names that are no field of a customer")
    simulacao: bool


def _sim_ou_nao(value: object) -> bool:
    if value not in ("0", "1", "true", "false"):
        raise ValueError("Deve ser 1 (só simular) ou 0")
    return value in ("1", "true")


class FiltroImportacao(BaseModel):
    """``?simular=1``: check and match every row, report, and keep nothing."""

    simular: Annotated[bool, Rule(_sim_ou_nao, {"type": "string", "enum": ["0", "1", "true", "false"]})] = False
