"""The shapes of orders in and out, as pydantic models: the server validates with them, answers
with them, and ``/openapi.json`` is generated from them."""

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
)

from ..events import TIPOS
from ..fields import (
    DATE,
    MAX_MONEY,
    MONEY,
    Choice,
    DateOut,
    Money,
    MoneyOut,
    OptionalDate,
    OptionalDateOut,
    OptionalMoney,
    OptionalMoneyOut,
    QueryInteger,
    Rule,
    Text,
    Timestamp,
    WholeNumber,
    iso_date,
    money,
    optional,
    text,
    whole_number,
)
from ..models import CENT
from ..validation import parse
from .estados import FINAL_STATUSES, PRIORIDADES, STATUSES, TRANSITIONS

__all__ = ["FINAL_STATUSES", "MAX_MONEY", "PRIORIDADES", "STATUSES", "TRANSITIONS", "iso_date", "money", "text"]

TEXT_FIELDS = {
    "cliente": 200,
    "telefone_cliente": 40,
    "cidade_cliente": 120,
    "estado_cliente": 2,
    "observacao": 2000,
    "forma_envio": 80,
    "tipo_pagamento": 80,
}
READ_ONLY = ("id", "numero", "valor_itens", "criado_em", "atualizado_em", "versao")
ITEM_TEXT_FIELDS = {"descricao": 300, "tipo_producao": 80}
ITEM_FIELDS = ("descricao", "tipo_producao", "quantidade", "valor_unitario", "largura", "altura")
STRICT = ConfigDict(extra="forbid", validate_default=False)
MAX_ID = 2**31 - 1  # a 32-bit integer column (PostgreSQL's integer)
MAX_EVENTO_ID = 2**63 - 1


def _estado(value: object) -> str:
    value = text(TEXT_FIELDS["estado_cliente"])(value)
    if value and not (value.isascii() and value.isalpha() and len(value) == 2):
        raise ValueError("Sigla de estado com duas letras, como ES")
    return value.upper()


def _itens(value: object, info: ValidationInfo) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError("Deve ser uma lista de itens")
    limit = (info.context or {}).get("SGP_MAX_ITENS", 200)  # the context is the app's settings
    if len(value) > limit:  # checked first: 18,000 items would cost seconds to look at
        raise ValueError(f"No máximo {limit} itens por pedido")
    return value


ESTADO = Rule(_estado, {"type": "string", "pattern": "^([A-Za-z]{2})?$", "description": "a state, as ES"})


class ItemInput(BaseModel):
    """One item of an order; items are always sent, and replaced, as a whole list."""

    model_config = STRICT
    id: Annotated[  # ignored: a client may send back the items it received
        int | None, Rule(optional(whole_number(1, 2**31 - 1)), {"type": "integer", "minimum": 1, "nullable": True})
    ] = None
    descricao: Annotated[str, Text(ITEM_TEXT_FIELDS["descricao"], required=True)]
    tipo_producao: Annotated[str, Text(ITEM_TEXT_FIELDS["tipo_producao"])] = ""
    quantidade: Annotated[int, WholeNumber(1, 1_000_000)]
    valor_unitario: Money
    largura: OptionalMoney = None
    altura: OptionalMoney = None


class PedidoUpdate(BaseModel):
    """PATCH /pedidos/<id>: any of these fields; ``status`` moves only as the status machine allows (409).

    Rules across fields: ``data_entrega`` not before ``data_entrada``; with ``itens``,
    ``valor_total`` equals Σ quantidade × valor_unitario + ``valor_frete`` (422 otherwise).
    """

    model_config = STRICT
    read_only: ClassVar[tuple[str, ...]] = READ_ONLY
    cliente: Annotated[str | None, Text(TEXT_FIELDS["cliente"], required=True)] = None
    telefone_cliente: Annotated[str | None, Text(TEXT_FIELDS["telefone_cliente"])] = None
    cidade_cliente: Annotated[str | None, Text(TEXT_FIELDS["cidade_cliente"])] = None
    estado_cliente: Annotated[str | None, ESTADO] = None
    data_entrada: Annotated[date | None, DATE] = None
    data_entrega: OptionalDate = None
    prioridade: Annotated[str | None, Choice(PRIORIDADES)] = None
    status: Annotated[str | None, Choice(STATUSES)] = None
    observacao: Annotated[str | None, Text(TEXT_FIELDS["observacao"])] = None
    forma_envio: Annotated[str | None, Text(TEXT_FIELDS["forma_envio"])] = None
    tipo_pagamento: Annotated[str | None, Text(TEXT_FIELDS["tipo_pagamento"])] = None
    # Omitted: None. Not "list | None": a union would name its branches in the items' error paths
    # (itens.list[ItemInput][0]); and null is refused anyway, by _itens.
    itens: Annotated[list[ItemInput], BeforeValidator(_itens)] = None  # type: ignore[assignment]
    valor_frete: Annotated[Decimal | None, MONEY] = None
    valor_total: Annotated[Decimal | None, MONEY] = None


class PedidoCreate(PedidoUpdate):
    """POST /pedidos/: ``cliente`` is required, and a new order is always ``pendente``.

    The same rules across fields as :class:`PedidoUpdate`; at most ``SGP_MAX_ITENS`` items.
    """

    cliente: Annotated[str, Text(TEXT_FIELDS["cliente"], required=True)]
    status: Annotated[str | None, Choice(("pendente",))] = None

    @field_validator("status", mode="wrap")
    @classmethod
    def _new_orders_start_pending(cls, value: object, handler: ValidatorFunctionWrapHandler) -> str | None:
        try:
            return handler(value)
        except ValueError:
            raise ValueError("Um pedido novo sempre começa como pendente") from None


class Item(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    descricao: str
    tipo_producao: str
    quantidade: int
    valor_unitario: MoneyOut
    largura: OptionalMoneyOut
    altura: OptionalMoneyOut


class Pedido(BaseModel):
    """An order as the API answers it."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    numero: str
    cliente: str
    telefone_cliente: str
    cidade_cliente: str
    estado_cliente: str
    data_entrada: DateOut
    data_entrega: OptionalDateOut
    prioridade: Annotated[str, Choice(PRIORIDADES)]
    status: Annotated[str, Choice(STATUSES)]
    observacao: str
    forma_envio: str
    tipo_pagamento: str
    itens: list[Item]
    valor_itens: MoneyOut
    valor_frete: MoneyOut
    valor_total: MoneyOut
    criado_em: Timestamp
    atualizado_em: Timestamp
    versao: int


class Paginacao(BaseModel):
    """A page of a list: ``skip`` rows, then at most ``limit``."""

    skip: Annotated[int, QueryInteger(0, MAX_ID)] = 0
    limit: Annotated[int, QueryInteger(0, 500)] = 50


class FiltroPedidos(Paginacao):
    """GET /pedidos/: the list's filters. A parameter given empty (``?status=``) is 422, not "absent"."""

    status: Annotated[str | None, Choice(STATUSES)] = None
    prioridade: Annotated[str | None, Choice(PRIORIDADES)] = None
    cliente: Annotated[str, Text(TEXT_FIELDS["cliente"])] = Field(
        "", description="words, ignoring case, accents and punctuation"
    )
    data_inicio: Annotated[date | None, DATE] = Field(None, description="on data_entrada, inclusive")
    data_fim: Annotated[date | None, DATE] = Field(None, description="on data_entrada, inclusive")


class FiltroEventos(BaseModel):
    """GET /pedidos/eventos: the events after ``desde``, at most ``limit``."""

    desde: Annotated[int, QueryInteger(0, MAX_EVENTO_ID)] = 0
    limit: Annotated[int, QueryInteger(1, 1000)] = 100


class Contrato(BaseModel):
    """The status machine and the event types, as the board and other clients read them."""

    status: list[Annotated[str, Choice(STATUSES)]] = Field(description="in the board's column order")
    transicoes: dict[str, list[str]] = Field(description="the statuses each status may move to")
    finais: list[str]
    prioridades: list[str]
    tipos_evento: list[Annotated[str, Choice(TIPOS)]]


class Mensagem(BaseModel):
    """An answer that is only a sentence for people."""

    message: str


class Autor(BaseModel):
    """The user who made a change."""

    id: int
    username: str


class Evento(BaseModel):
    """An event, exactly as sent on the socket and listed by GET /pedidos/eventos."""

    type: Annotated[str, Choice(TIPOS)]
    evento_id: int
    pedido_id: int
    status_atual: Annotated[str, Choice(STATUSES)]
    cliente: str
    valor_total: MoneyOut
    timestamp: str
    usuario: Autor | None = Field(description="who made the change; null for a change made outside a request (CLI)")


class Alteracao(BaseModel):
    """A field's value before and after a change, as the order shows it."""

    de: Any
    para: Any


class HistoricoEntrada(BaseModel):
    """One change of an order, as GET /pedidos/<id>/historico lists it."""

    versao: int
    tipo: Annotated[str, Choice(TIPOS)]
    usuario: Autor | None
    timestamp: str
    alteracoes: dict[str, Alteracao] = Field(description="{} for pedido_criado")


def validate(data: object, partial: bool = False, max_itens: int = 200) -> dict[str, Any]:
    """The clean values ``data`` gives (only those given), for callers outside a request (CLI, tests);
    raise :class:`~sgp_app.errors.ValidationError` listing every problem.

    :param partial: validate a PATCH: every field optional, ``status`` any known one.
    :param max_itens: most items in one order (``SGP_MAX_ITENS``).
    """
    model = PedidoUpdate if partial else PedidoCreate
    return given(parse(model, data, context={"SGP_MAX_ITENS": max_itens}))


def given(model: PedidoUpdate) -> dict[str, Any]:
    """The clean values a validated :class:`PedidoUpdate` (or create) holds, only those the client sent."""
    clean = {name: getattr(model, name) for name in model.model_fields_set}
    if "itens" in clean:
        clean["itens"] = [item.model_dump(exclude={"id"}) for item in clean["itens"]]
    return clean


def valor_itens(itens: Iterable[Mapping[str, Any]]) -> Decimal:
    """Σ quantidade × valor_unitario."""
    return sum((i["quantidade"] * i["valor_unitario"] for i in itens), Decimal("0.00")).quantize(CENT)
