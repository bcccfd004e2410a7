"""Validation of order input: every rule in one place, every error per field."""

import math
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from ..errors import ValidationError
from ..http import storable_text
from ..models import CENT

STATUSES = ("pendente", "em_producao", "pronto", "entregue", "cancelado")
FINAL_STATUSES = ("entregue", "cancelado")
PRIORIDADES = ("NORMAL", "ALTA")
TRANSITIONS = {
    "pendente": {"em_producao", "cancelado"},
    "em_producao": {"pronto", "pendente", "cancelado"},
    "pronto": {"entregue", "em_producao", "cancelado"},
    "entregue": set(),
    "cancelado": set(),
}
MAX_MONEY = Decimal("9999999999.99")
# Money as text: up to ten digits and two decimals, trailing zeros allowed ("-0" too, which is
# 0.00). The OpenAPI document states the same pattern.
MONEY_PATTERN = r"-?0{1,10}(\.0*)?|[0-9]{1,10}(\.[0-9]{1,2}0*)?"
MONEY_TEXT = re.compile(MONEY_PATTERN)
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
ESTADO = re.compile(r"[A-Za-z]{2}")

# name -> maximum length; ``cliente`` is also required on create.
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


class _Errors(dict):
    """Collects per-field messages so one answer lists every problem."""

    def check(self, key, parse, value):
        try:
            return parse(value)
        except ValueError as exc:
            self[key] = str(exc)
            return None


def money(value):
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


def text(max_length, required=False):
    """Text of at most ``max_length`` characters as sent, stored trimmed; ``required``: not blank."""

    def parse(value):
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

    return parse


def iso_date(value):
    """A calendar date written ``AAAA-MM-DD`` (RFC 3339's full-date), nothing else."""
    if not isinstance(value, str):
        raise ValueError("Deve ser uma data AAAA-MM-DD")
    try:
        if not DATE.fullmatch(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError("Data inválida; use AAAA-MM-DD") from None


def optional_date(value):
    return None if value is None else iso_date(value)


def choice(options):
    def parse(value):
        if value not in options:
            raise ValueError("Deve ser um de: " + ", ".join(options))
        return value

    return parse


def positive_int(value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("Deve ser um número inteiro")
    if value < 1:
        raise ValueError("Deve ser maior que zero")
    if value > 1_000_000:
        raise ValueError("No máximo 1000000")
    return value


def optional_money(value):
    return None if value is None else money(value)


ITEM_PARSERS = {
    "descricao": text(ITEM_TEXT_FIELDS["descricao"], required=True),
    "tipo_producao": text(ITEM_TEXT_FIELDS["tipo_producao"]),
    "quantidade": positive_int,
    "valor_unitario": money,
    "largura": optional_money,
    "altura": optional_money,
}
PARSERS = {name: text(size, required=(name == "cliente")) for name, size in TEXT_FIELDS.items()}
PARSERS.update(
    {
        "data_entrada": iso_date,
        "data_entrega": optional_date,
        "prioridade": choice(PRIORIDADES),
        "status": choice(STATUSES),
        "valor_frete": money,
        "valor_total": money,
    }
)


def _itens(value, errors, max_itens):
    if not isinstance(value, list):
        errors["itens"] = "Deve ser uma lista de itens"
        return None
    if len(value) > max_itens:  # checked first: 18,000 items would cost seconds to look at
        errors["itens"] = f"No máximo {max_itens} itens por pedido"
        return None
    itens = []
    for i, item in enumerate(value):
        key = f"itens[{i}]"
        if not isinstance(item, dict):
            errors[key] = "Cada item deve ser um objeto"
            continue
        for name in item.keys() - set(ITEM_FIELDS) - {"id"}:
            errors[f"{key}.{name}"] = "Campo desconhecido"
        if "id" in item and (isinstance(item["id"], bool) or not isinstance(item["id"], int)):
            errors[f"{key}.id"] = "Deve ser um número inteiro (e é ignorado: os itens são substituídos)"
        for name in ("descricao", "quantidade", "valor_unitario"):
            if name not in item:
                errors[f"{key}.{name}"] = "Obrigatório"
        clean = {n: errors.check(f"{key}.{n}", ITEM_PARSERS[n], item[n]) for n in ITEM_FIELDS if n in item}
        clean.setdefault("tipo_producao", "")
        clean.setdefault("largura", None)
        clean.setdefault("altura", None)
        itens.append(clean)
    return itens


def validate(data, partial=False, max_itens=200):
    """Return the clean values of ``data``; raise :class:`ValidationError` listing every problem.

    :param partial: validate a PATCH: every field optional, ``status`` any known one.
    :param max_itens: most items in one order (``SGP_MAX_ITENS``).
    """
    errors = _Errors()
    for name in data.keys() - PARSERS.keys() - {"itens"}:
        errors[name] = "Campo somente leitura" if name in READ_ONLY else "Campo desconhecido"
    if not partial and "cliente" not in data:
        errors["cliente"] = "Obrigatório"
    clean = {n: errors.check(n, PARSERS[n], data[n]) for n in PARSERS if n in data}
    if "itens" in data:
        clean["itens"] = _itens(data["itens"], errors, max_itens)
    if not partial and clean.get("status", "pendente") != "pendente":
        errors["status"] = "Um pedido novo sempre começa como pendente"
    if clean.get("estado_cliente"):
        if not ESTADO.fullmatch(clean["estado_cliente"]):
            errors["estado_cliente"] = "Sigla de estado com duas letras, como ES"
        clean["estado_cliente"] = clean["estado_cliente"].upper()
    if errors:
        raise ValidationError(dict(errors))
    return clean


def valor_itens(itens):
    """Σ quantidade × valor_unitario."""
    return sum((i["quantidade"] * i["valor_unitario"] for i in itens), Decimal("0.00")).quantize(CENT)
