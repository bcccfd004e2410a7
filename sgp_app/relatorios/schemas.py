"""The shapes of the reports: their query strings and their answers."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, PlainSerializer, WithJsonSchema, model_validator

from ..fields import DATE, Choice, ChoiceList, DateOut, OptionalDateOut
from ..pedidos.estados import STATUSES

# What a report can be grouped by, and the heading each grouping has in tables and spreadsheets.
DIMENSOES = {
    "vendedor": "Vendedor",
    "designer": "Designer",
    "cliente": "Cliente",
    "forma_envio": "Forma de envio",
    "tipo_producao": "Tipo de produção",
    "material": "Material",
    "status": "Situação",
    "dia": "Dia",
}
FRETES = ("por_pedido", "proporcional")
DATAS = ("entrada", "entrega")
ORDENS = ("rotulo", "valor_total")
# A sum over many orders has no ten-digit ceiling, and a balance goes below zero.
SumOut = Annotated[
    Decimal,
    PlainSerializer(lambda d: f"{d:.2f}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$", "example": "1234.50"}),
]


class FiltroFechamento(BaseModel):
    """GET /relatorios/fechamento: the period, what to group by, which orders, how freight counts."""

    data_inicio: Annotated[date | None, DATE] = Field(
        None, description="inclusive; with data_fim also absent, the first day of this month (SGP_TIMEZONE)"
    )
    data_fim: Annotated[date | None, DATE] = Field(
        None, description="inclusive; with data_inicio also absent, the last day of this month"
    )
    data_por: Annotated[str, Choice(DATAS)] = Field(
        "entrada", description="the date the period reads: data_entrada or data_entrega (orders without one left out)"
    )
    agrupar: Annotated[tuple[str, ...], ChoiceList(tuple(DIMENSOES), at_most=2, distinct=True)] = Field(
        ("vendedor",), description="one or two groupings, comma-separated: vendedor,designer"
    )
    status: Annotated[tuple[str, ...] | None, ChoiceList(STATUSES)] = Field(
        None, description="comma-separated; absent: every status but cancelado"
    )
    frete: Annotated[str, Choice(FRETES)] = Field(
        "por_pedido",
        description="por_pedido: an order's freight counts once in each group it appears in; "
        "proporcional: split over its items by value, to the cent, so the groups add up to the total",
    )
    ordenar: Annotated[str, Choice(ORDENS)] = Field(
        "rotulo", description="rotulo: by name (days and statuses in their own order); valor_total: largest first"
    )

    @model_validator(mode="after")
    def _period(self) -> "FiltroFechamento":
        if self.data_inicio and self.data_fim and self.data_inicio > self.data_fim:
            raise ValueError("data_inicio depois de data_fim")
        return self


class Soma(BaseModel):
    """The figures of a group (or of the whole report)."""

    pedidos: int = Field(description="orders (each once)")
    itens: int
    quantidade: int
    metro_quadrado: SumOut
    valor_itens: SumOut
    valor_frete: SumOut
    valor_total: SumOut = Field(description="valor_itens + valor_frete")
    valor_pago: SumOut = Field(description="what was paid, split over an order's items by value")
    saldo: SumOut = Field(description="valor_total − valor_pago")


class Grupo(Soma):
    chave: Any = Field(
        description="what the group is: a catalog id, a text, a status, an ISO date, a customer id (or, for "
        "orders not linked to a customer, its name in lower case without accents); null: none"
    )
    rotulo: str = Field(description="how people read it")
    subgrupos: list["Grupo"] = Field(description="the second grouping within this group (empty with one)")


class FiltrosAplicados(BaseModel):
    data_inicio: OptionalDateOut
    data_fim: OptionalDateOut
    data_por: str
    agrupar: list[str]
    status: list[str]
    frete: str
    ordenar: str


class Fechamento(BaseModel):
    """A closing report: the filters it ran with, its groups, and the total over every order once."""

    filtros: FiltrosAplicados
    grupos: list[Grupo]
    total: Soma


class Saldo(BaseModel):
    pedidos: int
    valor: SumOut


class Resumo(BaseModel):
    """The board's strip: what is late, due, ready and owed, in the shop's today."""

    hoje: DateOut = Field(description="today in the shop's time zone (SGP_TIMEZONE)")
    atrasados: int = Field(description="open orders (not entregue nor cancelado) due before today")
    entrega_hoje: int = Field(description="open orders due today")
    entrega_7_dias: int = Field(description="open orders due in the next seven days (after today)")
    prontos_nao_entregues: int = Field(description="orders pronto")
    saldo_em_aberto: Saldo = Field(description="orders not cancelled that still owe, and how much")
    por_etapa: dict[str, int] = Field(description="open orders waiting on each production step (its queue)")
    metro_quadrado_mes: SumOut = Field(description="m² of this month's orders (by entry date), cancelled aside")


Formato = Literal["json", "csv", "xlsx"]
