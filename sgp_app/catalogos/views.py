"""``/catalogos``: the shop's lists the orders pick from. Everyone reads; admins write; nothing is deleted.

Each catalog is one :class:`Catalogo` (its table and its three shapes), and gets the same four routes,
each declared with its own contract so the document shows each catalog's fields.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, url_for
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import models
from ..contract import contract
from ..db import begin_write
from ..errors import ApiError, ValidationError
from ..extensions import db
from ..nomes import chave_sem_acentos
from . import schemas

bp = Blueprint("catalogos", __name__, url_prefix="/catalogos")


@dataclass(frozen=True)
class Catalogo:
    """A catalog: its URL segment, what it holds (for people), its table and its shapes."""

    tipo: str
    descricao: str
    model: type[models.EntradaCatalogo]
    nova: type[schemas.Nova]
    alteracao: type[schemas.Alteracao]
    entrada: type[schemas.Entrada]

    @property
    def nome_python(self) -> str:
        return self.tipo.replace("-", "_")


CATALOGOS = {
    c.tipo: c
    for c in (
        Catalogo(
            "tipos-producao",
            "production types",
            models.TipoProducao,
            schemas.TipoProducaoNovo,
            schemas.TipoProducaoAlteracao,
            schemas.TipoProducao,
        ),
        Catalogo(
            "materiais", "materials", models.Material, schemas.MaterialNovo, schemas.MaterialAlteracao, schemas.Material
        ),
        Catalogo(
            "vendedores", "sellers", models.Vendedor, schemas.VendedorNovo, schemas.VendedorAlteracao, schemas.Vendedor
        ),
        Catalogo(
            "designers", "designers", models.Designer, schemas.DesignerNovo, schemas.DesignerAlteracao, schemas.Designer
        ),
        Catalogo(
            "formas-pagamento",
            "payment methods",
            models.FormaPagamento,
            schemas.FormaPagamentoNova,
            schemas.FormaPagamentoAlteracao,
            schemas.FormaPagamento,
        ),
        Catalogo(
            "formas-envio",
            "shipping methods",
            models.FormaEnvio,
            schemas.FormaEnvioNova,
            schemas.FormaEnvioAlteracao,
            schemas.FormaEnvio,
        ),
        Catalogo(
            "maquinas", "machines", models.Maquina, schemas.MaquinaNova, schemas.MaquinaAlteracao, schemas.Maquina
        ),
    )
}


@bp.get("", strict_slashes=False)
@contract(answer=schemas.Catalogos)
def get_catalogos() -> schemas.Catalogos:
    """Every catalog at once, retired entries included (`ativo: false`), for the board's pickers."""
    return schemas.Catalogos.model_validate(
        {tipo: [c.entrada.model_validate(e) for e in _entries(c, None)] for tipo, c in CATALOGOS.items()}
    )


def _entries(catalogo: Catalogo, ativo: bool | None) -> list[Any]:
    model: Any = catalogo.model
    query = select(model).order_by(model.nome_chave, model.id)
    if ativo is not None:
        query = query.where(model.ativo.is_(ativo))
    return list(db.session.scalars(query))


def _get(catalogo: Catalogo, entrada_id: int) -> Any:
    entrada = db.session.get(catalogo.model, entrada_id)
    if entrada is None:
        raise ApiError(404, "Entrada de catálogo não encontrada")
    return entrada


def _check(catalogo: Catalogo, values: dict[str, Any], entrada_id: int | None = None) -> None:
    """409 for a name (or a production type's code) already in the catalog; 422 for a designer's unknown login."""
    model: Any = catalogo.model
    if "nome" in values:
        taken = db.session.scalar(
            select(model.nome).where(model.nome_chave == chave_sem_acentos(values["nome"]), model.id != entrada_id)
        )
        if taken is not None:
            raise ApiError(409, f"Já existe «{taken}» neste catálogo", code="duplicate")
    if "codigo" in values and db.session.scalar(select(model.id).where(model.codigo == values["codigo"])):
        raise ApiError(409, f"Já existe um tipo de produção com o código {values['codigo']}", code="duplicate")
    usuario_id = values.get("usuario_id")
    if usuario_id is not None and db.session.get(models.Usuario, usuario_id) is None:
        raise ValidationError({"usuario_id": "Usuário não encontrado"})


def _commit() -> None:
    """Commit; a name taken by a request that committed first (PostgreSQL's unique index) is 409 too."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ApiError(409, "Já existe uma entrada com esse nome neste catálogo", code="duplicate") from None


def _routes(catalogo: Catalogo) -> None:
    """The four routes of one catalog."""
    name, path = catalogo.nome_python, f"/{catalogo.tipo}"
    Nova, Alteracao, Entrada = catalogo.nova, catalogo.alteracao, catalogo.entrada

    def listar(query: schemas.FiltroCatalogo) -> list[BaseModel]:
        return [Entrada.model_validate(e) for e in _entries(catalogo, query.ativo)]

    def criar(body: BaseModel) -> tuple[BaseModel, int, dict[str, str]]:
        values = schemas.clean(body)
        begin_write()
        _check(catalogo, values)
        entrada = catalogo.model(**values)
        db.session.add(entrada)
        _commit()
        location = url_for(f"catalogos.get_{name}", entrada_id=entrada.id)
        return Entrada.model_validate(entrada), 201, {"Location": location}

    def ler(entrada_id: int) -> BaseModel:
        return Entrada.model_validate(_get(catalogo, entrada_id))

    def alterar(entrada_id: int, body: BaseModel) -> BaseModel:
        values = schemas.clean(body)
        begin_write()
        entrada = _get(catalogo, entrada_id)
        _check(catalogo, values, entrada_id)
        for field, value in values.items():
            setattr(entrada, field, value)
        _commit()
        return Entrada.model_validate(entrada)

    what = catalogo.descricao

    def route(method: str, rule: str, endpoint: str, doc: str, view: Callable[..., Any], **declared: Any) -> None:
        view.__name__ = view.__qualname__ = endpoint
        view.__doc__ = doc
        bp.add_url_rule(path + rule, endpoint, contract(**declared)(view), methods=[method], strict_slashes=False)

    listed: Any = list[Entrada]  # type: ignore[valid-type]  # a list of this catalog's entries
    route(
        "GET", "", f"list_{name}", f"The {what}, by name.\n\n`?ativo=true`: those in use; `false`: the retired ones.",
        listar, query=schemas.FiltroCatalogo, answer=listed,
    )  # fmt: skip
    route(
        "POST", "", f"create_{name}",
        f"Add to the {what} (admins). The name is unique here ignoring case and accents (409).",
        criar, access="admin", body=Nova, answer=Entrada, status=201, headers=("Location",), errors=(409,),
    )  # fmt: skip
    route("GET", "/<id:entrada_id>", f"get_{name}", f"One of the {what}.", ler, answer=Entrada, errors=(404,))
    route(
        "PATCH", "/<id:entrada_id>", f"update_{name}",
        f"Change one of the {what} (admins); `ativo: false` retires it, and orders keep what they had.",
        alterar, access="admin", body=Alteracao, answer=Entrada, errors=(404, 409),
    )  # fmt: skip


for _catalogo in CATALOGOS.values():
    _routes(_catalogo)
