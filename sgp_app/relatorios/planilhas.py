"""A closing report as a download: CSV for a spreadsheet in Brazil, XLSX (openpyxl) for the accountant.

Both have the same rows: the groups (with two groupings, each group's subgroups and then its
subtotal), then the total. CSV is UTF-8 with a BOM, ``;`` between fields, decimal commas and dates
as dd/mm/aaaa; XLSX has typed numbers and dates, money formatted in reais, bold subtotal rows, and
its header row (and label columns) frozen. Text that a spreadsheet would run as a formula is kept text.
"""

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import Cell, MergedCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from ..clientes.planilha import FORMULA, texto_seguro
from .fechamento import ROTULO_STATUS
from .schemas import DIMENSOES

FIGURAS = (
    ("pedidos", "Pedidos"),
    ("itens", "Itens"),
    ("quantidade", "Quantidade"),
    ("metro_quadrado", "m²"),
    ("valor_itens", "Valor dos itens"),
    ("valor_frete", "Frete"),
    ("valor_total", "Total"),
    ("valor_pago", "Pago"),
    ("saldo", "Saldo"),
)
DINHEIRO = '"R$" #,##0.00;-"R$" #,##0.00'
AREA = "#,##0.00"
DATA = "DD/MM/YYYY"
FRETES = {"por_pedido": "uma vez em cada grupo do pedido", "proporcional": "rateado entre os itens pelo valor"}
DATAS = {"entrada": "data de entrada", "entrega": "data de entrega"}


def _rotulo(dimensao: str, grupo: dict[str, Any]) -> str | date:
    """A group's label cell: a date for a day (typed in XLSX), else the text people read."""
    if dimensao == "dia" and grupo["chave"] is not None:
        return date.fromisoformat(grupo["chave"])
    return str(grupo["rotulo"])


def linhas(relatorio: dict[str, Any]) -> Iterator[tuple[str, list[str | date], dict[str, Any]]]:
    """``(kind, label cells, figures)`` per row: ``grupo``, ``subgrupo``, ``subtotal``, then ``total``."""
    dimensoes = relatorio["filtros"]["agrupar"]
    for grupo in relatorio["grupos"]:
        rotulo = _rotulo(dimensoes[0], grupo)
        if len(dimensoes) == 1:
            yield "grupo", [rotulo], grupo
            continue
        for sub in grupo["subgrupos"]:
            yield "subgrupo", [rotulo, _rotulo(dimensoes[1], sub)], sub
        yield "subtotal", [rotulo, "Subtotal"], grupo
    yield "total", ["Total", *[""] * (len(dimensoes) - 1)], relatorio["total"]


def cabecalho(relatorio: dict[str, Any]) -> list[str]:
    return [DIMENSOES[d] for d in relatorio["filtros"]["agrupar"]] + [titulo for _, titulo in FIGURAS]


def _numero_br(valor: Any) -> str:
    return f"{valor:.2f}".replace(".", ",") if isinstance(valor, Decimal) else str(valor)


def _celula_csv(valor: str | date) -> str:
    return valor.strftime("%d/%m/%Y") if isinstance(valor, date) else texto_seguro(valor)


def csv_texto(relatorio: dict[str, Any]) -> str:
    """The report as CSV text (the BOM first)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(cabecalho(relatorio))
    for _, rotulos, figuras in linhas(relatorio):
        writer.writerow([_celula_csv(r) for r in rotulos] + [_numero_br(figuras[k]) for k, _ in FIGURAS])
    return out.getvalue()


def _texto(valor: str | date) -> str | date:
    """A label as XLSX can hold it: control characters (which the format cannot store, and openpyxl
    refuses) shown as ``?``."""
    return ILLEGAL_CHARACTERS_RE.sub("?", valor) if isinstance(valor, str) else valor


def _formula_como_texto(cell: Cell | MergedCell) -> None:
    """Text a spreadsheet would read as a formula stays text (openpyxl writes ``=…`` as a formula)."""
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA):
        cell.data_type = "s"


def xlsx_bytes(relatorio: dict[str, Any], gerado_em: datetime) -> bytes:
    """The report as an XLSX workbook: sheet *Fechamento* with the rows, sheet *Filtros* with how it was asked."""
    livro = Workbook()
    folha = livro.active
    assert folha is not None  # a new workbook has its first sheet
    folha.title = "Fechamento"
    rotulos = len(relatorio["filtros"]["agrupar"])
    negrito, fundo = Font(bold=True), PatternFill("solid", fgColor="EEF2F7")
    folha.append(cabecalho(relatorio))
    for cell in folha[1]:
        cell.font, cell.fill = negrito, PatternFill("solid", fgColor="DCE4EE")
    for tipo, celulas, figuras in linhas(relatorio):
        folha.append([*map(_texto, celulas), *(figuras[k] for k, _ in FIGURAS)])
        linha = folha[folha.max_row]
        for n, cell in enumerate(linha):
            if n < rotulos:
                _formula_como_texto(cell)
                if isinstance(cell.value, date):
                    cell.number_format = DATA
            elif FIGURAS[n - rotulos][0] == "metro_quadrado":
                cell.number_format = AREA
            elif isinstance(cell.value, Decimal):
                cell.number_format = DINHEIRO
            if tipo in ("subtotal", "total"):
                cell.font = negrito
                cell.fill = fundo
            if tipo == "total":
                cell.border = Border(top=Side(style="thin"))
    for n in range(1, rotulos + len(FIGURAS) + 1):
        folha.column_dimensions[get_column_letter(n)].width = 28 if n <= rotulos else 15
    folha.freeze_panes = folha.cell(row=2, column=rotulos + 1).coordinate
    _filtros(livro.create_sheet("Filtros"), relatorio["filtros"], gerado_em)
    out = io.BytesIO()
    livro.save(out)
    return out.getvalue()


def _filtros(folha: Any, filtros: dict[str, Any], gerado_em: datetime) -> None:
    inicio, fim = filtros["data_inicio"], filtros["data_fim"]
    linhas_filtro: list[tuple[str, Any]] = [
        ("De", inicio if inicio else "(sem início)"),
        ("Até", fim if fim else "(sem fim)"),
        ("Período pela", DATAS[filtros["data_por"]]),
        ("Agrupado por", ", ".join(DIMENSOES[d] for d in filtros["agrupar"])),
        ("Situações", ", ".join(ROTULO_STATUS[s] for s in filtros["status"])),
        ("Frete", FRETES[filtros["frete"]]),
        ("Gerado em", gerado_em.replace(tzinfo=None)),
    ]
    for titulo, valor in linhas_filtro:
        folha.append([titulo, valor])
        cell = folha.cell(row=folha.max_row, column=2)
        if isinstance(valor, datetime):
            cell.number_format = "DD/MM/YYYY HH:MM"
        elif isinstance(valor, date):
            cell.number_format = DATA
        folha.cell(row=folha.max_row, column=1).font = Font(bold=True)
    folha.column_dimensions["A"].width = 16
    folha.column_dimensions["B"].width = 48
