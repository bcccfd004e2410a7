"""How api-sgp's fields become SGP's: pure functions, no database (the importer reads and writes).

api-sgp (the shop's current system, FastAPI + SQLModel) keeps money as text (pt-BR "1.234,56" or
en-US "1234.56", read by its ``pedidos/pricing.parse_money``), dates as text, the customer's city
and state packed in one field ("Vitória - ES", "Vitória||ES"), each production type's quantity in
a field of its own (``quantidade_paineis``, ``quantidade_lona``…), yes/no as booleans or as "Sim"
and "Nao", and an order's items as a JSON list in ``pedidos.items``. Each function here returns the
clean value, or raises :class:`Recusa` with the reason in Portuguese, which the import's report
shows beside the row.
"""

import json
import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from ..documentos import UFS
from ..fields import MAX_MONEY

CENT = Decimal("0.01")
MAX_DETALHES = 4096
# api-sgp's pricing._TIPO_QTD_FIELD: where each production type keeps its quantity.
CAMPO_QUANTIDADE = {
    "painel": "quantidade_paineis",
    "generica": "quantidade_paineis",
    "mesa_babado": "quantidade_paineis",
    "totem": "quantidade_totem",
    "lona": "quantidade_lona",
    "adesivo": "quantidade_adesivo",
    "canga": "quantidade_canga",
    "impressao_3d": "quantidade_impressao_3d",
    "mochilinha": "quantidade_mochilinha",
    "bolsinha": "quantidade_mochilinha",
}
# api-sgp's StatusType reads these spellings (what it does not know it shows as pendente).
STATUS = {
    "pendente": "pendente",
    "penden": "pendente",
    "em producao": "em_producao",
    "em produção": "em_producao",
    "em_producao": "em_producao",
    "emproducao": "em_producao",
    "pronto": "pronto",
    "entregue": "entregue",
    "concluido": "entregue",
    "concluído": "entregue",
    "cancelado": "cancelado",
}
ETAPAS = ("financeiro", "conferencia", "sublimacao", "costura", "expedicao")  # its flags, in its order
SIM = {"1", "true", "sim", "s", "yes", "y", "x"}
NAO = {"", "0", "false", "nao", "não", "n", "no"}
# An item's fields that become SGP fields of their own; every other value goes to ``detalhes``.
PROPRIOS = {
    "id", "tipo_producao", "descricao", "largura", "altura", "metro_quadrado", "vendedor", "designer",
    "tecido", "material", "acabamento", "emenda", "emenda_qtd", "observacao", "valor_unitario", "imagem",
    "imagem_path", "quantidade", "quantity", "status_arte", "comentarios", "machine_id", *CAMPO_QUANTIDADE.values(),
    "dimensoes", "observacao_item",
}  # fmt: skip
STATUS_ARTE = {
    "aprovado": "aprovada",
    "aprovada": "aprovada",
    "recusado": "recusada",
    "recusada": "recusada",
    "em_aprovacao": "em_aprovacao",
    "em aprovação": "em_aprovacao",
    "em aprovacao": "em_aprovacao",
}
DATA_BR = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
MEDIDA = re.compile(r"(-?[0-9]+(?:[.,][0-9]+)?)\s*(cm|m)?")


class Recusa(ValueError):
    """A value that cannot come in, and why (in Portuguese, for the report)."""


def dinheiro(valor: object, campo: str = "valor") -> Decimal:
    """An amount as api-sgp's ``parse_money`` reads it ("1.234,56", "1234.56", "R$ 10", 12.5; blank is
    0,00), except that text it cannot read is refused instead of taken as zero, and so is a negative
    amount or one beyond SGP's largest (``MAX_MONEY``)."""
    if valor is None or (isinstance(valor, str) and not valor.strip()):
        return Decimal("0.00")
    if isinstance(valor, bool):
        raise Recusa(f"{campo}: valor inválido ({valor!r})")
    texto = str(valor).strip().replace("R$", "").strip() if isinstance(valor, str) else str(valor)
    if isinstance(valor, str) and "," in texto:
        texto = texto.replace(".", "").replace(",", ".")
    try:
        quantia = Decimal(texto)
    except InvalidOperation:
        raise Recusa(f"{campo}: valor ilegível ({str(valor)[:40]!r})") from None
    if not quantia.is_finite() or quantia < 0 or quantia > MAX_MONEY:
        raise Recusa(f"{campo}: valor fora do intervalo ({str(valor)[:40]!r})")
    return quantia.quantize(CENT, rounding=ROUND_HALF_UP)


def cidade_estado(cidade: object, estado: object = None) -> tuple[str, str]:
    """``(cidade, UF)`` from api-sgp's packed "Cidade - UF" or "Cidade||UF" (or a separate ``estado``).

    A tail that is no Brazilian state is kept in the city, so nothing typed is lost.
    """
    texto = str(cidade or "").strip()
    uf = str(estado or "").strip().upper()
    for separador in ("||", " - ", "-", "/"):
        if separador in texto:
            antes, _, depois = texto.rpartition(separador)
            if depois.strip().upper() in UFS and antes.strip():
                texto, uf = antes.strip(), uf or depois.strip().upper()
                break
    return texto, uf if uf in UFS else ""


def status(valor: object) -> str:
    """An order's status as api-sgp reads its spellings; what it does not know it shows as pendente."""
    return STATUS.get(str(valor or "").strip().lower(), "pendente")


def prioridade(valor: object) -> str:
    return "ALTA" if str(valor or "").strip().upper() == "ALTA" else "NORMAL"


def data(valor: object, campo: str = "data") -> date | None:
    """A date from api-sgp's text ("2026-01-20", "2026-01-20T10:00:00", "20/01/2026") or a
    date/datetime; blank is none; text that is no calendar date is refused."""
    if valor is None or (isinstance(valor, str) and not valor.strip()):
        return None
    if isinstance(valor, datetime):
        return valor.date()
    if isinstance(valor, date):
        return valor
    texto = str(valor).strip()
    try:
        if br := DATA_BR.fullmatch(texto):
            return date(int(br[3]), int(br[2]), int(br[1]))
        return date.fromisoformat(texto[:10])
    except ValueError:
        raise Recusa(f"{campo}: data inválida ({texto[:40]!r})") from None


def sim(valor: object) -> bool:
    """Yes or no as api-sgp keeps it: a boolean, 0/1, or "Sim"/"Nao"."""
    texto = str(valor if valor is not None else "").strip().lower()
    if texto in SIM:
        return True
    if texto in NAO:
        return False
    raise Recusa(f"sim ou não ilegível ({texto[:20]!r})")


def medida(valor: object, campo: str) -> Decimal | None:
    """A size in metres from "1,50", "1.5", "150cm" or a number; blank is none."""
    if valor is None or (isinstance(valor, str) and not valor.strip()):
        return None
    achado = MEDIDA.fullmatch(str(valor).strip().lower())
    if not achado:
        raise Recusa(f"{campo}: medida ilegível ({str(valor)[:40]!r})")
    metros = Decimal(achado[1].replace(",", "."))
    if achado[2] == "cm":
        metros /= 100
    if metros <= 0 or metros > 10_000:
        return None
    return metros.quantize(CENT, rounding=ROUND_HALF_UP)


def _inteiro(valor: object) -> int | None:
    try:
        numero = Decimal(str(valor).replace(",", ".").strip()).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return None
    return int(numero) if numero.is_finite() else None


def quantidade(item: Mapping[str, Any], tipo: str) -> int:
    """The item's quantity: its type's own field (``quantidade_lona``…) when it has one above zero,
    else ``quantidade`` or ``quantity``, else 1 (as api-sgp's ``_parse_qty``: rounded, at least 1)."""
    for campo in (CAMPO_QUANTIDADE.get(tipo), "quantidade", "quantity"):
        numero = _inteiro(item.get(campo)) if campo and item.get(campo) not in (None, "") else None
        if numero is not None and numero >= 1:
            return min(numero, 1_000_000)
    return 1


def etapas(pedido: Mapping[str, Any]) -> list[str]:
    """The steps an api-sgp order has done (its boolean columns), in its order."""
    return [nome for nome in ETAPAS if pedido.get(nome) not in (None, "") and sim(pedido.get(nome))]


def itens(texto: object) -> list[dict[str, Any]]:
    """api-sgp's ``pedidos.items`` (a JSON list as text; blank is none)."""
    if texto is None or (isinstance(texto, str) and not texto.strip()):
        return []
    try:
        lista = json.loads(texto) if isinstance(texto, str) else texto
    except ValueError:
        raise Recusa("itens: JSON ilegível") from None
    if not isinstance(lista, list) or not all(isinstance(i, dict) for i in lista):
        raise Recusa("itens: não é uma lista de itens")
    return lista


def _escalar(valor: object) -> str | int | float | bool | None:
    """A value ``detalhes`` can hold (flat: text, number, yes/no), or None for what it cannot."""
    if isinstance(valor, bool | int):
        return valor
    if isinstance(valor, float):
        return valor if math.isfinite(valor) else None
    if isinstance(valor, str):
        texto = valor.strip()
        return texto[:500] if texto else None
    return None


def item(bruto: Mapping[str, Any], tipos: set[str]) -> dict[str, Any]:
    """One api-sgp item as SGP's item input, plus ``vendedor_nome`` and ``designer_nome`` (the
    importer finds or makes those catalog entries) and ``imagem``/``imagem_path`` when it has one.

    ``tipos`` are SGP's production type codes: an unknown type is kept in ``detalhes``.
    """
    tipo = str(bruto.get("tipo_producao") or "").strip().lower()
    dado = bruto.get("acabamento")
    acabamento: Mapping[str, Any] = dado if isinstance(dado, Mapping) else {}
    detalhes: dict[str, Any] = {}
    if tipo and tipo not in tipos:
        detalhes["tipo_producao_api_sgp"], tipo = tipo[:200], ""
    for nome, valor in bruto.items():
        escalar = _escalar(valor)
        if nome not in PROPRIOS and escalar is not None and 1 <= len(nome) <= 60:
            detalhes[nome] = escalar
    while detalhes and len(json.dumps(detalhes, ensure_ascii=False).encode()) > MAX_DETALHES:
        detalhes.pop(max(detalhes, key=lambda k: len(str(detalhes[k]))))  # the longest goes first
    if sim(acabamento.get("ilhos", False)):
        detalhes["acabamento_ilhos"] = True  # api-sgp's finishing says only "with grommets"
    largura, altura = medida(bruto.get("largura"), "largura"), medida(bruto.get("altura"), "altura")
    if largura is None and altura is None and bruto.get("dimensoes"):  # its production export: "1,00 x 2,00"
        lados = re.split(r"\s*[xX×]\s*", str(bruto["dimensoes"]).strip())
        if len(lados) == 2:
            largura, altura = medida(lados[0], "dimensoes"), medida(lados[1], "dimensoes")
    emendas = _inteiro(bruto.get("emenda_qtd")) if str(bruto.get("emenda") or "") == "com-emenda" else 0
    return {
        "descricao": str(bruto.get("descricao") or tipo or "Item").strip()[:300] or "Item",
        "tipo_producao": tipo,
        "quantidade": quantidade(bruto, tipo),
        "valor_unitario": dinheiro(bruto.get("valor_unitario"), "valor_unitario"),
        "largura": largura,
        "altura": altura,
        "material": str(bruto.get("tecido") or bruto.get("material") or "").strip()[:120],
        "acabamento": {
            "overloque": sim(acabamento.get("overloque", False)),
            "elastico": sim(acabamento.get("elastico", False)),
            "bainha": False,
            "ilhos": None,
            "cordinha": None,
        },
        "emenda_quantidade": max(0, min(emendas or 0, 1000)),
        "observacao": str(bruto.get("observacao") or bruto.get("observacao_item") or "").strip()[:1000],
        "detalhes": detalhes,
        "status_arte": STATUS_ARTE.get(str(bruto.get("status_arte") or "").strip().lower(), "sem_arte"),
        "vendedor_nome": str(bruto.get("vendedor") or "").strip()[:120],
        "designer_nome": str(bruto.get("designer") or "").strip()[:120],
        "imagem": bruto.get("imagem") or None,
        "imagem_path": bruto.get("imagem_path") or None,
    }
