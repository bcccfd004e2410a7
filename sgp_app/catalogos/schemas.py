"""The shapes of ``/catalogos``: for each catalog, an entry as created, as changed, and as answered."""

import re
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from ..fields import (
    BOOLEAN,
    MONEY,
    MoneyOut,
    OptionalMoney,
    OptionalMoneyOut,
    PreciseTimestamp,
    QueryBoolean,
    Rule,
    Text,
    WholeNumber,
    money,
    optional,
    text,
    whole_number,
)

STRICT = ConfigDict(extra="forbid")
NOME = Text(120, required=True)
TELEFONE = Text(40)
CODIGO_TEXT = re.compile(r"[a-z0-9_]{1,40}")
EMAIL_TEXT = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _percentual(value: object) -> Decimal:
    amount = money(value)
    if amount > 100:
        raise ValueError("No máximo 100")
    return amount


def _codigo(value: object) -> str:
    if not isinstance(value, str) or not CODIGO_TEXT.fullmatch(value):
        raise ValueError("De 1 a 40 letras minúsculas sem acento, dígitos ou _, como impressao_3d")
    return value


def _email(value: object) -> str:
    value = text(254)(value)
    if value and not EMAIL_TEXT.fullmatch(value):
        raise ValueError("E-mail inválido")
    return value


PERCENTUAL = Rule(
    _percentual,
    {
        "description": "0 to 100, at most two decimals; a string or a number",
        "oneOf": [
            {"type": "string", "pattern": r"^(100(\.0*)?|[0-9]{1,2}(\.[0-9]{1,2}0*)?)$", "example": "5.50"},
            {"type": "number", "minimum": 0, "maximum": 100, "multipleOf": 0.01},
        ],
    },
)
CODIGO = Rule(_codigo, {"type": "string", "pattern": "^[a-z0-9_]{1,40}$"})
EMAIL = Rule(_email, {"type": "string", "maxLength": 254, "pattern": r"^([^@\s]+@[^@\s]+\.[^@\s]+)?$"})
USUARIO_ID = Rule(
    optional(whole_number(1, 2**31 - 1)),
    {"type": "integer", "minimum": 1, "maximum": 2**31 - 1, "nullable": True},
)


# -- every catalog ------------------------------------------------------------------------------


class Nova(BaseModel):
    """A new entry: a name unique in its catalog, ignoring case and accents (409)."""

    model_config = STRICT
    read_only: ClassVar[tuple[str, ...]] = ("id", "ativo", "criado_em")
    nome: Annotated[str, NOME]


class Alteracao(BaseModel):
    """A change: any field; ``ativo: false`` retires the entry (orders keep what they had)."""

    model_config = STRICT
    read_only: ClassVar[tuple[str, ...]] = ("id", "criado_em")
    nome: Annotated[str | None, NOME] = None
    ativo: Annotated[bool | None, BOOLEAN] = None


class Entrada(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    nome: str
    ativo: bool
    criado_em: PreciseTimestamp


class FiltroCatalogo(BaseModel):
    """``?ativo=true`` for the entries in use, ``false`` for the retired ones; absent: all."""

    ativo: Annotated[bool | None, QueryBoolean()] = None


# -- tipos-producao -----------------------------------------------------------------------------


class TipoProducaoNovo(Nova):
    codigo: Annotated[str, CODIGO]


class TipoProducaoAlteracao(Alteracao):
    read_only: ClassVar[tuple[str, ...]] = ("id", "criado_em", "codigo")


class TipoProducao(Entrada):
    """A production type; items name it by ``codigo``, which never changes."""

    codigo: str


# -- materiais ------------------------------------------------------------------------------------


class MaterialNovo(Nova):
    valor_metro_quadrado: OptionalMoney = None


class MaterialAlteracao(Alteracao):
    valor_metro_quadrado: OptionalMoney = None


class Material(Entrada):
    valor_metro_quadrado: OptionalMoneyOut


# -- vendedores -----------------------------------------------------------------------------------


class VendedorNovo(Nova):
    comissao_percentual: Annotated[Decimal, PERCENTUAL] = Decimal("0.00")
    email: Annotated[str, EMAIL] = ""
    telefone: Annotated[str, TELEFONE] = ""


class VendedorAlteracao(Alteracao):
    comissao_percentual: Annotated[Decimal | None, PERCENTUAL] = None
    email: Annotated[str | None, EMAIL] = None
    telefone: Annotated[str | None, TELEFONE] = None


class Vendedor(Entrada):
    """A seller, with the commission the month-end report pays."""

    comissao_percentual: MoneyOut
    email: str
    telefone: str


# -- designers ------------------------------------------------------------------------------------


class DesignerNovo(Nova):
    email: Annotated[str, EMAIL] = ""
    telefone: Annotated[str, TELEFONE] = ""
    usuario_id: Annotated[int | None, USUARIO_ID] = Field(None, description="the designer's login, if any")


class DesignerAlteracao(Alteracao):
    email: Annotated[str | None, EMAIL] = None
    telefone: Annotated[str | None, TELEFONE] = None
    usuario_id: Annotated[int | None, USUARIO_ID] = None


class Designer(Entrada):
    email: str
    telefone: str
    usuario_id: int | None


# -- formas-pagamento -----------------------------------------------------------------------------


class FormaPagamentoNova(Nova):
    parcelas_max: Annotated[int, WholeNumber(1, 360)] = 1
    taxa_percentual: Annotated[Decimal, PERCENTUAL] = Decimal("0.00")


class FormaPagamentoAlteracao(Alteracao):
    parcelas_max: Annotated[int | None, WholeNumber(1, 360)] = None
    taxa_percentual: Annotated[Decimal | None, PERCENTUAL] = None


class FormaPagamento(Entrada):
    parcelas_max: int
    taxa_percentual: MoneyOut


# -- formas-envio ---------------------------------------------------------------------------------


class FormaEnvioNova(Nova):
    valor: Annotated[Decimal, MONEY] = Field(Decimal("0.00"), description="the default freight")
    prazo_dias: Annotated[int, WholeNumber(0, 3650)] = 0


class FormaEnvioAlteracao(Alteracao):
    valor: Annotated[Decimal | None, MONEY] = None
    prazo_dias: Annotated[int | None, WholeNumber(0, 3650)] = None


class FormaEnvio(Entrada):
    valor: MoneyOut
    prazo_dias: int


# -- maquinas -------------------------------------------------------------------------------------


class MaquinaNova(Nova):
    descricao: Annotated[str, Text(300)] = ""


class MaquinaAlteracao(Alteracao):
    descricao: Annotated[str | None, Text(300)] = None


class Maquina(Entrada):
    descricao: str


class Catalogos(BaseModel):
    """Every catalog at once, retired entries included (``ativo: false``), for the board's pickers."""

    model_config = ConfigDict(populate_by_name=True)
    tipos_producao: list[TipoProducao] = Field(alias="tipos-producao")
    materiais: list[Material]
    vendedores: list[Vendedor]
    designers: list[Designer]
    formas_pagamento: list[FormaPagamento] = Field(alias="formas-pagamento")
    formas_envio: list[FormaEnvio] = Field(alias="formas-envio")
    maquinas: list[Maquina]


def clean(model: BaseModel) -> dict[str, Any]:
    """The fields a request gave, with their clean values."""
    return {name: getattr(model, name) for name in model.model_fields_set}
