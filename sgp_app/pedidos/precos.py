"""An item's price and area, computed on the server in exact decimals.

The rule is the print shop's (api-sgp's ``pedidos/pricing.py``), for every production type:

    valor_unitario = valor_base + valores_adicionais
                   + ilhos.quantidade × ilhos.valor_unitario
                   + cordinha.quantidade × cordinha.valor_unitario
    subtotal       = valor_unitario × quantidade
    metro_quadrado = largura × altura × quantidade        (two decimals, half up)

Given ``valor_base``, the server computes ``valor_unitario``; given only ``valor_unitario`` (an old
client), the base is what remains after the extras. No I/O: :mod:`.service` applies it.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..fields import MAX_MONEY
from ..models import CENT

ZERO = Decimal("0.00")


class PrecoInvalido(ValueError):
    """A price that cannot be: the field it is about, and why, for people."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Preco:
    valor_base: Decimal
    valor_unitario: Decimal


def extras(acabamento: Mapping[str, Any] | None) -> Decimal:
    """What ilhós and cordinha add to one unit: quantidade × valor_unitario of each."""
    total = ZERO
    for name in ("ilhos", "cordinha"):
        extra = (acabamento or {}).get(name)
        if extra:
            total += extra["quantidade"] * Decimal(extra["valor_unitario"])
    return total


def preco(
    valor_base: Decimal | None,
    valor_unitario: Decimal | None,
    valores_adicionais: Decimal,
    acabamento: Mapping[str, Any] | None,
) -> Preco:
    """The item's base and unit price; :class:`PrecoInvalido` when they cannot agree."""
    acrescimos = valores_adicionais + extras(acabamento)
    if valor_base is not None:
        unitario = (valor_base + acrescimos).quantize(CENT, rounding=ROUND_HALF_UP)
        if valor_unitario is not None and valor_unitario != unitario:
            raise PrecoInvalido(
                "valor_unitario",
                f"Difere do calculado: {unitario} (base {valor_base} + adicionais e acabamento {acrescimos})",
            )
        if unitario > MAX_MONEY:
            raise PrecoInvalido("valor_unitario", f"No máximo {MAX_MONEY}")
        return Preco(valor_base, unitario)
    if valor_unitario is None:
        raise PrecoInvalido("valor_unitario", "Obrigatório")  # or valor_base: the API's documents say so
    base = valor_unitario - acrescimos
    if base < 0:
        raise PrecoInvalido("valor_unitario", f"Menor que os adicionais e o acabamento ({acrescimos})")
    return Preco(base.quantize(CENT), valor_unitario)


def metro_quadrado(largura: Decimal | None, altura: Decimal | None, quantidade: int) -> Decimal | None:
    """The item's area in m² (both sides in metres), or ``None`` without both."""
    if largura is None or altura is None:
        return None
    return (largura * altura * quantidade).quantize(CENT, rounding=ROUND_HALF_UP)
