"""``/clientes``: the customer registry. Everyone logged in reads and writes; admins import; nothing is deleted."""

from typing import Any

from flask import Blueprint, Response, current_app, request, stream_with_context, url_for

from ..config import hoje
from ..contract import contract
from ..errors import ApiError
from ..pedidos import service as pedidos
from ..pedidos.schemas import Paginacao, Pedido
from ..pedidos.views import page_headers
from ..precondicoes import IF_MATCH, if_match
from . import planilha, schemas, service
from .schemas import Cliente, ClienteAlteracao, ClienteNovo, FiltroClientes, FiltroImportacao, Importacao

bp = Blueprint("clientes", __name__, url_prefix="/clientes")
CSV = "text/csv"
CSV_SCHEMA = {"type": "string", "description": "CSV: a header row naming the fields, then one customer per row"}


def _answer(cliente: Any, status: int = 200) -> tuple[Cliente, int, dict[str, str]]:
    return Cliente.model_validate(cliente), status, {"ETag": f'"{cliente.versao}"'}


@bp.get("", strict_slashes=False)
@contract(
    query=FiltroClientes,
    answer=list[Cliente],
    headers=("X-Total-Count", "Link"),
    downloads={CSV: CSV_SCHEMA},
)
def list_clientes(query: FiltroClientes) -> Any:
    """Customers by name; ``q`` finds them as one types (the beginnings of the name's words, ignoring
    case and accents, or the digits of document or phone).

    With ``Accept: text/csv``: every customer matching ``q`` and ``ativo`` (paging aside), as a
    spreadsheet in Brazil opens it (UTF-8 with BOM, ``;``, punctuated documents and CEPs).
    """
    if request.accept_mimetypes.best_match(["application/json", CSV]) == CSV and CSV in request.accept_mimetypes:
        filename = f"clientes-{hoje(current_app.config).isoformat()}.csv"
        lines = planilha.exportar(service.filtered(query.q, query.ativo))
        return Response(
            stream_with_context(line.encode() for line in lines),
            mimetype=CSV,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    clientes, total = service.search(query.q, query.ativo, query.skip, query.limit)
    return [Cliente.model_validate(c) for c in clientes], 200, page_headers(query, total)


@bp.post("", strict_slashes=False)
@contract(body=ClienteNovo, answer=Cliente, status=201, headers=("Location", "ETag"), errors=(409,))
def create_cliente(body: ClienteNovo) -> tuple[Cliente, int, dict[str, str]]:
    """Add a customer; a document (CPF or CNPJ, check digits verified) belongs to one customer only (409)."""
    cliente = service.create(schemas.clean(body))
    answer, status, headers = _answer(cliente, 201)
    return answer, status, {**headers, "Location": url_for("clientes.get_cliente", cliente_id=cliente.id)}


@bp.get("/<id:cliente_id>")
@contract(answer=Cliente, headers=("ETag",), errors=(404,))
def get_cliente(cliente_id: int) -> tuple[Cliente, int, dict[str, str]]:
    """One customer."""
    return _answer(service.get(cliente_id))


@bp.patch("/<id:cliente_id>")
@contract(
    body=ClienteAlteracao, answer=Cliente, headers=("ETag",), request_headers=(IF_MATCH,), errors=(400, 404, 409, 412)
)
def update_cliente(cliente_id: int, body: ClienteAlteracao) -> tuple[Cliente, int, dict[str, str]]:
    """Change a customer (``If-Match`` against lost updates); ``ativo: false`` retires it.

    Orders made for it keep the name, phone, city and state they copied.
    """
    return _answer(service.update(cliente_id, schemas.clean(body), if_match()))


@bp.get("/<id:cliente_id>/pedidos")
@contract(query=Paginacao, answer=list[Pedido], headers=("X-Total-Count", "Link"), errors=(404,))
def list_pedidos_cliente(cliente_id: int, query: Paginacao) -> tuple[list[dict[str, Any]], int, dict[str, str]]:
    """The customer's orders, newest first."""
    service.get(cliente_id)
    pedidos_, total = pedidos.do_cliente(cliente_id, query.skip, query.limit)
    return [pedidos.serialize(p) for p in pedidos_], 200, page_headers(query, total)


@bp.post("/importar")
@contract(
    access="admin",
    query=FiltroImportacao,
    answer=Importacao,
    raw_body={CSV: CSV_SCHEMA},
)
def import_clientes(query: FiltroImportacao) -> Importacao:
    """Import customers from a CSV (admins): UTF-8 or Windows-1252, ``,`` or ``;``, a header row naming the fields.

    Each row matches a customer by ``documento``, else by name and phone (rows of the file too), and
    updates it with the cells it fills; otherwise it adds one. A row with a problem is reported with
    its line and left out; the rest are kept together, or, with ``?simular=1``, nothing is.
    """
    if request.mimetype not in (CSV, "text/plain", "application/csv", "application/vnd.ms-excel"):
        raise ApiError(415, "Envie o arquivo CSV no corpo (Content-Type: text/csv)")
    request.max_content_length = current_app.config["SGP_MAX_IMPORT_BYTES"]
    relatorio = planilha.importar(request.stream, current_app.config, query.simular)
    return Importacao(
        criados=relatorio.criados,
        atualizados=relatorio.atualizados,
        inalterados=relatorio.inalterados,
        rejeitados=relatorio.rejeitados,
        colunas_ignoradas=relatorio.colunas_ignoradas,
        simulacao=query.simular,
    )
