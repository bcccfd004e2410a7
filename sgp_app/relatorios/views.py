"""``/relatorios``: the month-end closing report (JSON, CSV or XLSX) and the board's day summary."""

from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, g, request

from .. import config
from ..config import hoje
from ..contract import contract
from ..pedidos.pagamentos import exige_financeiro
from . import planilhas
from .fechamento import fechamento
from .resumo import resumo
from .schemas import Fechamento, FiltroFechamento, Resumo

bp = Blueprint("relatorios", __name__, url_prefix="/relatorios")
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOWNLOADS = {
    CSV: {"type": "string", "description": "CSV for a spreadsheet in Brazil: BOM, ';', decimal commas"},
    XLSX: {"type": "string", "format": "binary", "description": "an XLSX workbook: typed numbers and dates"},
}


@bp.get("/fechamento")
@contract(query=FiltroFechamento, answer=Fechamento, errors=(403,), downloads=DOWNLOADS)
def get_fechamento(query: FiltroFechamento) -> Any:
    """A closing report: the period's orders grouped (one or two levels), with a total; admins and the
    ``financeiro`` sector (403 otherwise).

    Per group: orders, items, quantity, m², items' value, freight, total, paid and balance, reckoned
    by the database in exact cents. ``frete=proporcional`` splits each order's freight over its items
    by value so that the groups add up to the total; paid amounts are always split that way. With
    ``Accept: text/csv`` or the XLSX type, the same report downloads as a spreadsheet.
    """
    exige_financeiro(g.sessao, "Só administradores e o setor financeiro veem os relatórios")
    relatorio = fechamento(query, hoje(current_app.config))
    formato = request.accept_mimetypes.best_match(["application/json", CSV, XLSX])
    if formato in (CSV, XLSX) and formato in request.accept_mimetypes:
        filtros = relatorio["filtros"]
        periodo = "-a-".join(d.isoformat() if d else "" for d in (filtros["data_inicio"], filtros["data_fim"]))
        nome = f"fechamento-{'-'.join(filtros['agrupar'])}-{periodo.strip('-a')}"
        if formato == CSV:
            corpo: bytes = planilhas.csv_texto(relatorio).encode()
        else:
            agora = config.agora().astimezone(ZoneInfo(current_app.config["SGP_TIMEZONE"]))
            corpo = planilhas.xlsx_bytes(relatorio, agora)
        extensao = "csv" if formato == CSV else "xlsx"
        return Response(
            corpo, mimetype=formato, headers={"Content-Disposition": f'attachment; filename="{nome}.{extensao}"'}
        )
    return Fechamento.model_validate(relatorio)


@bp.get("/resumo")
@contract(answer=Resumo)
def get_resumo() -> Resumo:
    """The board's strip: late, due today, due in the next seven days, ready, owed, each step's queue
    and this month's m², in the shop's today (``SGP_TIMEZONE``)."""
    return Resumo.model_validate(resumo(hoje(current_app.config)))
