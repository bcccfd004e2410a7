"""The shapes of orders in and out, as pydantic models: the server validates with them, answers
with them, and ``/openapi.json`` is generated from them."""

import json
import math
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
    WithJsonSchema,
    field_validator,
)

from ..config import etapas
from ..events import TIPOS
from ..fields import (
    BOOLEAN,
    DATE,
    MAX_MONEY,
    MONEY,
    MONEY_IN_SCHEMA,
    Choice,
    ChoiceList,
    DateOut,
    MoneyOut,
    OptionalDate,
    OptionalDateOut,
    OptionalMoney,
    OptionalMoneyOut,
    PreciseTimestamp,
    QueryInteger,
    Rule,
    SignedMoneyOut,
    Text,
    Timestamp,
    WholeNumber,
    iso_date,
    money,
    optional,
    text,
    whole_number,
)
from ..http import storable_text
from ..models import CENT
from ..validation import parse
from . import precos
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
READ_ONLY = (
    "id",
    "numero",
    "valor_itens",
    "criado_em",
    "atualizado_em",
    "versao",
    "valor_pago",
    "saldo",
    "situacao_pagamento",
)
ITEM_TEXT_FIELDS = {"descricao": 300, "tipo_producao": 80}
# What an item stores (and its history shows): what the client set, the price computed from it, the area.
ITEM_FIELDS = (
    "descricao", "tipo_producao", "quantidade", "valor_unitario", "valor_base", "valores_adicionais",
    "largura", "altura", "material", "vendedor_id", "designer_id", "acabamento", "emenda_quantidade",
    "observacao", "detalhes", "metro_quadrado",
)  # fmt: skip
MAX_DETALHES = 4096
STRICT = ConfigDict(extra="forbid", validate_default=False)
MAX_ID = 2**31 - 1  # a 32-bit integer column (PostgreSQL's integer)
MAX_EVENTO_ID = 2**63 - 1


SITUACOES = ("em_aberto", "parcial", "pago", "credito")
STATUS_ARTE = ("sem_arte", "em_aprovacao", "aprovada", "recusada")


def _positivo(value: object) -> Decimal:
    amount = money(value)
    if amount <= 0:
        raise ValueError("Deve ser maior que zero")
    return amount


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


def _detalhes(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("Deve ser um objeto")
    for key, item in value.items():
        if not storable_text(key) or not 1 <= len(key) <= 60:
            raise ValueError("Cada nome deve ter de 1 a 60 caracteres")
        if isinstance(item, str):
            if not storable_text(item):
                raise ValueError(f"{key}: texto inválido")
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise ValueError(f"{key}: número inválido")
        elif not isinstance(item, (bool, int)):
            raise ValueError(f"{key}: deve ser texto, número ou true/false (um objeto plano)")
    if len(json.dumps(value, ensure_ascii=False).encode()) > MAX_DETALHES:
        raise ValueError(f"No máximo {MAX_DETALHES // 1024} KiB")
    return value


DETALHES = Rule(
    _detalhes,
    {
        "type": "object",
        "additionalProperties": {"oneOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]},
        "description": "what a production type needs beyond the item's fields: flat, at most 4 KiB",
    },
)
OPTIONAL_ID = Rule(
    optional(whole_number(1, 2**31 - 1)), {"type": "integer", "minimum": 1, "maximum": 2**31 - 1, "nullable": True}
)


class Extra(BaseModel):
    """Ilhós or cordinha: how many, how far apart (metres), and what each costs."""

    model_config = STRICT
    quantidade: Annotated[int, WholeNumber(0, 100_000)]
    espaco: OptionalMoney = None
    valor_unitario: Annotated[Decimal, MONEY] = Decimal("0.00")


class Acabamento(BaseModel):
    """An item's finishing; ilhós and cordinha add to its price."""

    model_config = STRICT
    overloque: Annotated[bool, BOOLEAN] = False
    elastico: Annotated[bool, BOOLEAN] = False
    bainha: Annotated[bool, BOOLEAN] = False
    ilhos: Extra | None = None
    cordinha: Extra | None = None


class ItemInput(BaseModel):
    """One item of an order; items are always sent, and replaced, as a whole list.

    The price: given ``valor_base``, ``valor_unitario`` = ``valor_base`` + ``valores_adicionais`` +
    ilhós + cordinha (a different ``valor_unitario`` too is 422); given only ``valor_unitario``, the
    base is what remains after the extras (422 if negative).
    """

    model_config = STRICT
    # An item sent back with its id stays that item (changed in place: its files and art approval
    # stay with it); without one, or with one the order does not have, it is a new item.
    id: Annotated[int | None, OPTIONAL_ID] = Field(
        None, description="this order's item, changed in place; absent or unknown: a new item"
    )
    metro_quadrado: Any = Field(None, json_schema_extra={"readOnly": True})
    subtotal: Any = Field(None, json_schema_extra={"readOnly": True})
    vendedor: Any = Field(None, json_schema_extra={"readOnly": True})
    designer: Any = Field(None, json_schema_extra={"readOnly": True})
    status_arte: Any = Field(None, json_schema_extra={"readOnly": True})
    descricao: Annotated[str, Text(ITEM_TEXT_FIELDS["descricao"], required=True)]
    tipo_producao: Annotated[str, Text(ITEM_TEXT_FIELDS["tipo_producao"])] = Field(
        "", description="an active code of /catalogos/tipos-producao (or one this order's items already have)"
    )
    quantidade: Annotated[int, WholeNumber(1, 1_000_000)]
    valor_base: OptionalMoney = Field(None, description="given: valor_unitario is computed from it")
    valores_adicionais: Annotated[Decimal, MONEY] = Decimal("0.00")
    acabamento: Acabamento | None = None
    # After what the price is made of: its check sees them (fields are validated in this order).
    valor_unitario: OptionalMoney = Field(None, validate_default=True, description="computed when valor_base is given")
    largura: OptionalMoney = Field(None, description="metres")
    altura: OptionalMoney = Field(None, description="metres")
    material: Annotated[str, Text(120)] = ""
    vendedor_id: Annotated[int | None, OPTIONAL_ID] = None
    designer_id: Annotated[int | None, OPTIONAL_ID] = None
    emenda_quantidade: Annotated[int, WholeNumber(0, 1000)] = 0
    observacao: Annotated[str, Text(1000)] = ""
    detalhes: Annotated[dict[str, Any], DETALHES] = Field(default_factory=dict)

    IGNORED: ClassVar[set[str]] = {"id", "metro_quadrado", "subtotal", "vendedor", "designer", "status_arte"}

    @field_validator("valor_unitario", mode="after")
    @classmethod
    def _price_adds_up(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        """The price rule, checked with the other fields' problems (the service computes it again, to store)."""
        parts = ("valor_base", "valores_adicionais", "acabamento")
        if not all(name in info.data for name in parts):
            return value  # one of them is invalid already: that is the problem to report
        acabamento = info.data["acabamento"]
        try:
            precos.preco(
                info.data["valor_base"],
                value,
                info.data["valores_adicionais"],
                acabamento.model_dump(mode="json") if acabamento else None,
            )
        except precos.PrecoInvalido as exc:
            raise ValueError(str(exc)) from None
        return value


class PedidoUpdate(BaseModel):
    """PATCH /pedidos/<id>: any of these fields; ``status`` moves only as the status machine allows (409).

    Rules across fields: ``data_entrega`` not before ``data_entrada``; with ``itens``,
    ``valor_total`` equals Σ quantidade × valor_unitario + ``valor_frete`` (422 otherwise).
    """

    model_config = STRICT
    read_only: ClassVar[tuple[str, ...]] = READ_ONLY
    cliente_id: Annotated[int | None, OPTIONAL_ID] = Field(
        None, description="a customer (/clientes): its name, phone, city and state are copied unless given"
    )
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
    """POST /pedidos/: ``cliente`` or ``cliente_id`` is required, and a new order is always ``pendente``.

    The same rules across fields as :class:`PedidoUpdate`; at most ``SGP_MAX_ITENS`` items.
    """

    cliente: Annotated[str | None, Text(TEXT_FIELDS["cliente"], required=True)] = Field(
        None, validate_default=True, description="required unless cliente_id names a customer"
    )
    status: Annotated[str | None, Choice(("pendente",))] = None

    @field_validator("cliente", mode="wrap")
    @classmethod
    def _cliente_or_cliente_id(cls, value: object, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Any:
        """``cliente`` may be left out for a ``cliente_id``, whose name is copied (checked with every other problem)."""
        if value is None:
            if info.data.get("cliente_id") is None:
                raise ValueError("Obrigatório")
            return None
        return handler(value)

    @field_validator("status", mode="wrap")
    @classmethod
    def _new_orders_start_pending(cls, value: object, handler: ValidatorFunctionWrapHandler) -> str | None:
        try:
            return handler(value)
        except ValueError:
            raise ValueError("Um pedido novo sempre começa como pendente") from None


class Autor(BaseModel):
    """The user who made a change."""

    id: int
    username: str


class Referencia(BaseModel):
    """A catalog entry an item names."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    nome: str


class ExtraOut(BaseModel):
    quantidade: int
    espaco: OptionalMoneyOut
    valor_unitario: MoneyOut


class AcabamentoOut(BaseModel):
    overloque: bool
    elastico: bool
    bainha: bool
    ilhos: ExtraOut | None
    cordinha: ExtraOut | None


class Item(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    descricao: str
    tipo_producao: str
    quantidade: int
    valor_unitario: MoneyOut
    valor_base: MoneyOut
    valores_adicionais: MoneyOut
    largura: OptionalMoneyOut
    altura: OptionalMoneyOut
    metro_quadrado: OptionalMoneyOut = Field(description="largura × altura × quantidade; null without both")
    subtotal: MoneyOut = Field(description="valor_unitario × quantidade")
    material: str
    vendedor_id: int | None
    vendedor: Referencia | None = Field(description="the seller vendedor_id names, with its name")
    designer_id: int | None
    designer: Referencia | None
    acabamento: AcabamentoOut
    emenda_quantidade: int
    observacao: str
    detalhes: dict[str, Any]
    status_arte: Annotated[str, Choice(STATUS_ARTE)] = Field(
        description="the art's approval: sem_arte, em_aprovacao (a proof was sent), aprovada, recusada"
    )


class Etapa(BaseModel):
    """A production step of an order (``SGP_ETAPAS``): done or not, by whom, when, on which machine."""

    etapa: str
    feita: bool
    por: Autor | None
    em: PreciseTimestamp | None
    maquina: Referencia | None


def _etapa(value: object, info: ValidationInfo) -> str:
    steps = etapas(info.context)
    if not isinstance(value, str) or value not in steps:
        raise ValueError("Deve ser uma das etapas: " + ", ".join(steps) if steps else "As etapas estão desligadas")
    return value


ETAPA_SCHEMA = {"type": "string", "pattern": "^[a-z0-9_]{1,40}$", "description": "one of SGP_ETAPAS"}


class EtapaAlteracao(BaseModel):
    """PATCH /pedidos/<id>/etapas: do (``feita: true``) or undo a step, naming the machine if any."""

    model_config = STRICT
    etapa: Annotated[str, BeforeValidator(_etapa), WithJsonSchema(ETAPA_SCHEMA)]
    feita: Annotated[bool, BOOLEAN]
    maquina_id: Annotated[int | None, OPTIONAL_ID] = None


class Pedido(BaseModel):
    """An order as the API answers it."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    numero: str
    cliente_id: int | None = Field(description="the customer it was made for, or null")
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
    etapas: list[Etapa] = Field(description="every step of SGP_ETAPAS, in order")
    valor_itens: MoneyOut
    valor_frete: MoneyOut
    valor_total: MoneyOut
    capa_url: str | None = Field(
        None, description="a signed link to the thumbnail of its first file that has one (for its card)"
    )
    valor_pago: MoneyOut = Field(description="the sum of the payments not reversed")
    saldo: SignedMoneyOut = Field(description="valor_total − valor_pago; below zero after the total went down")
    situacao_pagamento: Annotated[str, Choice(SITUACOES)] = Field(
        description="em_aberto (nothing paid), parcial, pago (saldo 0) or credito (saldo below 0)"
    )
    criado_em: Timestamp
    atualizado_em: Timestamp
    versao: int


class Paginacao(BaseModel):
    """A page of a list: ``skip`` rows, then at most ``limit``."""

    skip: Annotated[int, QueryInteger(0, MAX_ID)] = 0
    limit: Annotated[int, QueryInteger(0, 500)] = 50


class FiltroPedidos(Paginacao):
    """GET /pedidos/: the list's filters. A parameter given empty (``?status=``) is 422, not "absent"."""

    status: Annotated[tuple[str, ...] | None, ChoiceList(STATUSES)] = Field(
        None, description="statuses, comma-separated: pendente,em_producao,pronto is every open order"
    )
    prioridade: Annotated[str | None, Choice(PRIORIDADES)] = None
    cliente: Annotated[str, Text(TEXT_FIELDS["cliente"])] = Field(
        "", description="words, ignoring case, accents and punctuation"
    )
    data_inicio: Annotated[date | None, DATE] = Field(None, description="on data_entrada, inclusive")
    data_fim: Annotated[date | None, DATE] = Field(None, description="on data_entrada, inclusive")
    etapa: Annotated[str | None, BeforeValidator(_etapa), WithJsonSchema(ETAPA_SCHEMA)] = Field(
        None, description="a sector's queue: the orders whose next open step is this one, oldest due date first"
    )
    entrega_de: Annotated[date | None, DATE] = Field(None, description="on data_entrega, inclusive")
    entrega_ate: Annotated[date | None, DATE] = Field(None, description="on data_entrega, inclusive")
    pagamento: Annotated[tuple[str, ...] | None, ChoiceList(SITUACOES)] = Field(
        None, description="payment situations, comma-separated: em_aberto,parcial is every order that owes"
    )
    cliente_id: Annotated[int | None, QueryInteger(1, MAX_ID)] = Field(None, description="one customer's orders")


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
    situacoes_pagamento: list[str] = Field(description="the values of situacao_pagamento")
    etapas: list[str] = Field(description="the production steps every order goes through, in order (SGP_ETAPAS)")
    fuso_horario: str = Field(
        description="the shop's time zone (SGP_TIMEZONE): its today is the day of dates, lateness and reports"
    )


class PagamentoNovo(BaseModel):
    """POST /pedidos/<id>/pagamentos: an amount above zero, no more than the order's saldo (422)."""

    model_config = STRICT
    valor: Annotated[Decimal, Rule(_positivo, {**MONEY_IN_SCHEMA, "description": "above 0, at most the saldo"})]
    forma_pagamento_id: Annotated[int, WholeNumber(1, MAX_ID)] = Field(
        description="an active entry of /catalogos/formas-pagamento"
    )
    data: Annotated[date | None, DATE] = Field(None, description="the day it was paid; default today (SGP_TIMEZONE)")
    observacao: Annotated[str, Text(500)] = ""


class Pagamento(BaseModel):
    """A payment of an order; a reversed one keeps its place, with ``estornado_em``."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    valor: MoneyOut
    forma_pagamento: Referencia
    data: DateOut
    observacao: str
    usuario: Autor | None = Field(description="who recorded it")
    criado_em: PreciseTimestamp
    estornado_em: PreciseTimestamp | None
    estornado_por: Autor | None


class Mensagem(BaseModel):
    """An answer that is only a sentence for people."""

    message: str


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


class ClienteAutor(BaseModel):
    """The shop's customer, as they named themselves on a proof page."""

    nome: str


class HistoricoEntrada(BaseModel):
    """One change of an order, as GET /pedidos/<id>/historico lists it."""

    versao: int
    tipo: Annotated[str, Choice(TIPOS)]
    usuario: Autor | None
    cliente: ClienteAutor | None = Field(description="the shop's customer who made it (a proof's decision), or null")
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
        clean["itens"] = [item.model_dump(exclude=ItemInput.IGNORED - {"id"}) for item in clean["itens"]]
    return clean


def valor_itens(itens: Iterable[Mapping[str, Any]]) -> Decimal:
    """Σ quantidade × valor_unitario."""
    return sum((i["quantidade"] * i["valor_unitario"] for i in itens), Decimal("0.00")).quantize(CENT)
