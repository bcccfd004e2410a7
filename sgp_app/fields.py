"""Field types for the API's shapes: each one its check (with the Portuguese message a person
reads), its serialization and its JSON Schema, in one place.

The pydantic models in ``*/schemas.py`` are built from these; the server validates and answers
with those models, and ``/openapi.json`` is generated from them, so the document cannot say other
than what the server does.
"""

import math
import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from annotated_types import GroupedMetadata
from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

from .http import storable_text
from .models import CENT

MAX_MONEY = Decimal("9999999999.99")
# Money as text: up to ten digits and two decimals, trailing zeros allowed ("-0" too, which is 0.00).
MONEY_PATTERN = r"-?0{1,10}(\.0*)?|[0-9]{1,10}(\.[0-9]{1,2}0*)?"
MONEY_TEXT = re.compile(MONEY_PATTERN)
DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# A whole number in a query string: int() would also take " 5", "+5", "1_000" and other scripts' digits.
INTEGER_TEXT = re.compile(r"-?[0-9]{1,30}")
TEXT_CHARS = r"^[^\u0000\uD800-\uDFFF]*$"  # no NUL, no lone surrogate
NOT_BLANK = r"\S"  # at least one character that is not whitespace


# -- checks (raise ValueError with the message for people) -----------------------------------


def money(value: object) -> Decimal:
    """A non-negative amount with at most two decimals, from a string or a number."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError('Deve ser um valor em texto ou número, como "150.00"')
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("Valor inválido")
    try:
        amount = Decimal(value if isinstance(value, str) else str(value))
    except InvalidOperation:
        raise ValueError('Valor inválido; use por exemplo "150.00"') from None
    if not amount.is_finite():
        raise ValueError("Valor inválido")
    if amount < 0:
        raise ValueError("Não pode ser negativo")
    if amount > MAX_MONEY:  # before quantize, which fails beyond the context's precision
        raise ValueError(f"No máximo {MAX_MONEY}")
    if amount != amount.quantize(CENT, rounding="ROUND_DOWN"):
        raise ValueError("No máximo duas casas decimais")
    if isinstance(value, str) and not MONEY_TEXT.fullmatch(value):  # "1e2", " 5", "5.": plain digits only
        raise ValueError('Valor inválido; use por exemplo "150.00"')
    return abs(amount.quantize(CENT))  # abs: "-0" is 0.00, not -0.00


def text(max_length: int, required: bool = False) -> Callable[[object], str]:
    """Text of at most ``max_length`` characters as sent, kept trimmed; ``required``: not blank."""

    def check(value: object) -> str:
        if not isinstance(value, str):
            raise ValueError("Deve ser texto")
        if "\x00" in value:  # PostgreSQL cannot store it; nobody types it
            raise ValueError("Caractere nulo não é aceito")
        if not storable_text(value):  # a lone surrogate ("\ud800"), which JSON can carry
            raise ValueError("Texto inválido: caractere sem representação em UTF-8")
        if len(value) > max_length:
            raise ValueError(f"No máximo {max_length} caracteres")
        value = value.strip()
        if required and not value:
            raise ValueError("Obrigatório")
        return value

    return check


def iso_date(value: object) -> date:
    """A calendar date written ``AAAA-MM-DD`` (RFC 3339's full-date), nothing else."""
    if not isinstance(value, str):
        raise ValueError("Deve ser uma data AAAA-MM-DD")
    try:
        if not DATE_TEXT.fullmatch(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError("Data inválida; use AAAA-MM-DD") from None


def choice(options: Collection[str]) -> Callable[[object], str]:
    def check(value: object) -> str:
        if not isinstance(value, str) or value not in options:
            raise ValueError("Deve ser um de: " + ", ".join(options))
        return value

    return check


def whole_number(minimum: int, maximum: int) -> Callable[[object], int]:
    def check(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("Deve ser um número inteiro")
        if value < minimum:
            raise ValueError("Deve ser maior que zero" if minimum == 1 else f"No mínimo {minimum}")
        if value > maximum:
            raise ValueError(f"No máximo {maximum}")
        return value

    return check


def query_integer(minimum: int, maximum: int) -> Callable[[object], int]:
    """A whole number from a query string, written with ASCII digits only."""

    def check(value: object) -> int:
        if not isinstance(value, str) or not INTEGER_TEXT.fullmatch(value):
            raise ValueError("Deve ser um número inteiro")
        number = int(value)
        if not minimum <= number <= maximum:
            raise ValueError(f"Deve estar entre {minimum} e {maximum}")
        return number

    return check


def query_boolean(value: object) -> bool:
    """``true`` or ``false`` in a query string."""
    if value not in ("true", "false"):
        raise ValueError("Deve ser true ou false")
    return value == "true"


def boolean(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError("Deve ser true ou false")
    return value


def optional(check: Callable[[object], Any]) -> Callable[[object], Any]:
    return lambda value: None if value is None else check(value)


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "nullable": True}


# -- types: the check, and the schema that says the same --------------------------------------

MONEY_IN_SCHEMA = {
    "description": "≥ 0, at most two decimals, at most 9999999999.99; a string or a number",
    "oneOf": [
        {"type": "string", "pattern": "^(" + MONEY_PATTERN + ")$", "example": "150.00"},
        {"type": "number", "minimum": 0, "maximum": 9999999999.99, "multipleOf": 0.01},
    ],
}
MONEY_OUT_SCHEMA = {"type": "string", "pattern": r"^[0-9]{1,10}\.[0-9]{2}$", "example": "325.00"}
DATE_SCHEMA = {"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}


@dataclass(frozen=True, eq=False)
class Rule(GroupedMetadata):
    """A field's check and the JSON Schema that says the same, as one piece of ``Annotated`` metadata.

    The Python type stays at the field, so a type checker reads it: ``Annotated[str, Text(80)]``
    is required text, ``Annotated[str | None, Text(80)] = None`` text a request may leave out (the
    check still refuses ``null``: it runs before the type is looked at).

    :param check: takes the raw value, returns the clean one or raises ``ValueError`` with the message.
    :param schema: the JSON Schema of what the check accepts.
    :param mode: ``"validation"``: the schema is the request's only (answers show the Python type's).
    """

    check: Callable[[Any], Any]
    schema: dict[str, Any]
    mode: Literal["validation", "serialization"] | None = "validation"

    def __iter__(self) -> Iterator[object]:
        yield BeforeValidator(self.check)
        yield WithJsonSchema(self.schema, mode=self.mode)


MONEY = Rule(money, MONEY_IN_SCHEMA)
DATE = Rule(iso_date, DATE_SCHEMA)
BOOLEAN = Rule(boolean, {"type": "boolean"})

Money = Annotated[Decimal, MONEY]
OptionalMoney = Annotated[Decimal | None, Rule(optional(money), nullable(MONEY_IN_SCHEMA))]
Date = Annotated[date, DATE]
OptionalDate = Annotated[date | None, Rule(optional(iso_date), nullable(DATE_SCHEMA))]
Boolean = Annotated[bool, BOOLEAN]


def Text(max_length: int, required: bool = False, min_length: int = 0) -> Rule:  # noqa: N802 - read as a type
    """Text of at most ``max_length`` characters, trimmed; ``required``: not blank."""
    schema: dict[str, Any] = {"type": "string", "maxLength": max_length, "pattern": TEXT_CHARS}
    if min_length:
        schema["minLength"] = min_length
    if required:
        schema = {"allOf": [schema, {"type": "string", "pattern": NOT_BLANK}]}
    return Rule(text(max_length, required), schema)


def Choice(options: Collection[str], schema: dict[str, Any] | None = None) -> Rule:  # noqa: N802
    """One of ``options``, in requests and in answers."""
    return Rule(choice(options), schema or {"type": "string", "enum": list(options)}, mode=None)


def WholeNumber(minimum: int, maximum: int) -> Rule:  # noqa: N802
    """A JSON integer from ``minimum`` to ``maximum``."""
    return Rule(whole_number(minimum, maximum), {"type": "integer", "minimum": minimum, "maximum": maximum})


def QueryBoolean() -> Rule:  # noqa: N802
    """``true`` or ``false`` in a query string."""
    return Rule(query_boolean, {"type": "string", "enum": ["true", "false"]})


def ChoiceList(options: Collection[str], at_most: int | None = None, distinct: bool = False) -> Rule:  # noqa: N802
    """Some of ``options``, comma-separated in a query string (``pendente,pronto``): a tuple without repeats
    (``distinct``: a repeat is refused, where order and count mean something)."""
    one = "(" + "|".join(re.escape(o) for o in options) + ")"
    limit = len(options) if at_most is None else at_most

    def check(value: object) -> tuple[str, ...]:
        parts = value.split(",") if isinstance(value, str) and value else None
        if parts is None or not set(parts) <= set(options):
            raise ValueError("Separados por vírgula: " + ", ".join(options))
        chosen = tuple(dict.fromkeys(parts))
        if distinct and len(chosen) < len(parts):
            raise ValueError("Sem repetir")
        if len(chosen) > limit:
            raise ValueError(f"No máximo {limit}")
        return chosen

    return Rule(check, {"type": "string", "pattern": f"^{one}(,{one})*$"})


def QueryInteger(minimum: int, maximum: int) -> Rule:  # noqa: N802
    """A whole number in a query string, from ``minimum`` to ``maximum``."""
    return Rule(query_integer(minimum, maximum), {"type": "integer", "minimum": minimum, "maximum": maximum})


# Answers: money as text with two decimals, times as ISO 8601 with the UTC offset.
MoneyOut = Annotated[Decimal, PlainSerializer(lambda d: f"{d:.2f}", return_type=str), WithJsonSchema(MONEY_OUT_SCHEMA)]
# A balance, which goes below zero when more was paid than the total.
SignedMoneyOut = Annotated[
    Decimal,
    PlainSerializer(lambda d: f"{d:.2f}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^-?[0-9]{1,10}\.[0-9]{2}$", "example": "-25.00"}),
]
OptionalMoneyOut = Annotated[
    Decimal | None,
    PlainSerializer(lambda d: None if d is None else f"{d:.2f}", return_type=str | None),
    WithJsonSchema(nullable(MONEY_OUT_SCHEMA)),
]
DateOut = Annotated[
    date, PlainSerializer(date.isoformat, return_type=str), WithJsonSchema({"type": "string", "format": "date"})
]
OptionalDateOut = Annotated[
    date | None,
    PlainSerializer(lambda d: None if d is None else d.isoformat(), return_type=str | None),
    WithJsonSchema({"type": "string", "format": "date", "nullable": True}),
]
Timestamp = Annotated[
    datetime,
    PlainSerializer(lambda d: d.isoformat(timespec="seconds"), return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
PreciseTimestamp = Annotated[
    datetime,
    PlainSerializer(datetime.isoformat, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
