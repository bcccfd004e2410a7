"""Customer rules: the unique document, versions, and the words a customer is found by.

Search (``?q=``) reads :class:`~sgp_app.models.ClientePalavra`: every word of a customer's name
(lower-case, without accents: :func:`~sgp_app.pedidos.service.search_key`), its document's digits,
and its phone's digits with and without the country code and the area code. Each word typed is a
prefix, found as a range of that table's primary key (``palavra >= 'mar' AND palavra < 'mas'``),
so a search costs a few index range scans on SQLite and PostgreSQL alike, however many customers
there are; a customer must match every word typed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, delete, false, func, insert, intersect, select
from sqlalchemy.exc import IntegrityError

from ..db import begin_write
from ..documentos import SEPARADORES, digitos
from ..errors import ApiError
from ..extensions import db
from ..models import Cliente, ClientePalavra, utcnow
from ..pedidos.service import search_key

MAX_PALAVRA: int = ClientePalavra.__table__.c.palavra.type.length  # type: ignore[attr-defined]
MAX_TERMOS = 8  # words of a search beyond these are ignored: eight already single out anyone
FIELDS = ("nome", "documento", "telefone", "email", "cep", "endereco", "cidade", "estado", "observacao", "ativo")


def palavras(nome: str, documento: str | None, telefone: str) -> set[str]:
    """The words a customer is found by: its name's, its document, its phone's digits (whole, without
    the country code 55, without the area code)."""
    words = {w[:MAX_PALAVRA] for w in search_key(nome).split()}
    if documento:
        words.add(documento)
    numero = digitos(telefone)
    if len(numero) >= 12 and numero.startswith("55"):
        words.add(numero)
        numero = numero[2:]
    if numero:
        words.add(numero[:MAX_PALAVRA])
    if len(numero) >= 10:
        words.add(numero[2:MAX_PALAVRA])
    return words


def termos(q: str) -> list[str]:
    """The prefixes a search looks for: the digits of a document or phone typed with its punctuation
    ("123.456.789-0", "(27) 9999"), else the words of the text."""
    numero = SEPARADORES.sub("", q)
    if numero.isascii() and numero.isdigit():
        return [numero[:MAX_PALAVRA]]
    return [w[:MAX_PALAVRA] for w in search_key(q).split()[:MAX_TERMOS]]


def _seguinte(prefixo: str) -> str:
    """The first text after every text that starts with ``prefixo`` (code point order)."""
    return prefixo[:-1] + chr(min(ord(prefixo[-1]) + 1, 0x10FFFF))


def _condicoes(word: str, ativo: bool | None) -> tuple[Any, ...]:
    """The words that start with ``word``, one per customer (see :class:`ClientePalavra`'s ``anterior``)."""
    return (
        ClientePalavra.palavra >= word,
        ClientePalavra.palavra < _seguinte(word),
        ClientePalavra.anterior < word,
        *(() if ativo is None else (ClientePalavra.ativo.is_(ativo),)),
    )


def _encontrados(words: list[str], ativo: bool | None) -> Any:
    """``(nome_chave, cliente_id)`` of every customer with a word starting with each of two or more
    ``words``, read from the words' primary key alone: one range per word, their intersection."""
    selects = [select(ClientePalavra.nome_chave, ClientePalavra.cliente_id).where(*_condicoes(w, ativo)) for w in words]
    return intersect(*selects)


def filtered(q: str, ativo: bool | None) -> Any:
    """The customers matching ``q`` (each word typed the start of one of theirs) and ``ativo``, by name."""
    query = select(Cliente).order_by(Cliente.nome_chave, Cliente.id)
    if ativo is not None:
        query = query.where(Cliente.ativo.is_(ativo))
    if not q.strip():
        return query
    words = termos(q)
    if not words:
        return query.where(false())
    encontrados = _encontrados(words, ativo).subquery() if len(words) > 1 else None
    ids = (
        select(encontrados.c.cliente_id)
        if encontrados is not None
        else select(ClientePalavra.cliente_id).where(*_condicoes(words[0], ativo))
    )
    return query.where(Cliente.id.in_(ids))


def search(q: str, ativo: bool | None, skip: int, limit: int) -> tuple[Sequence[Cliente], int]:
    """``(a page of the matching customers, by name; how many match)``.

    With ``q``, the count and the page's ids come from the words' primary key alone (it holds the
    name key to sort by): only the page's customers are then read.
    """
    if not q.strip():
        query = filtered(q, ativo)
        total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
        return db.session.scalars(query.offset(skip).limit(limit)).all(), total
    words = termos(q)
    if not words:
        return [], 0
    if len(words) == 1:
        return _uma_palavra(_condicoes(words[0], ativo), skip, limit)
    # The intersection is small by then: read once, in order, it is both the count and the page.
    todos = db.session.execute(_encontrados(words, ativo).order_by("nome_chave", "cliente_id")).all()
    ids = [row.cliente_id for row in todos[skip : skip + limit]]
    clientes = {c.id: c for c in db.session.scalars(select(Cliente).where(Cliente.id.in_(ids)))}
    return [clientes[i] for i in ids], len(todos)


def _uma_palavra(condicoes: tuple[Any, ...], skip: int, limit: int) -> tuple[list[Cliente], int]:
    """One word: its range, counted and sorted as it is read, and the page's customers, in one query
    (the count rides along each row; a page past the end asks for it alone)."""
    contagem = select(func.count()).where(*condicoes)
    pagina = (
        select(ClientePalavra.nome_chave, ClientePalavra.cliente_id)
        .where(*condicoes)
        .order_by(ClientePalavra.nome_chave, ClientePalavra.cliente_id)
        .offset(skip)
        .limit(limit)
        .subquery()
    )
    linhas = db.session.execute(
        select(Cliente, contagem.scalar_subquery().label("total"))
        .join(pagina, Cliente.id == pagina.c.cliente_id)
        .order_by(pagina.c.nome_chave, pagina.c.cliente_id)
    ).all()
    if linhas:
        return [linha.Cliente for linha in linhas], linhas[0].total
    return [], (db.session.scalar(contagem) or 0) if skip else 0


def get(cliente_id: int) -> Cliente:
    cliente = db.session.get(Cliente, cliente_id)
    if cliente is None:
        raise ApiError(404, "Cliente não encontrado")
    return cliente


def documento_em_uso(documento: str | None, cliente_id: int | None = None) -> None:
    """409 when another customer has this document."""
    if not documento:
        return
    other = db.session.scalar(select(Cliente).where(Cliente.documento == documento, Cliente.id != cliente_id))
    if other is not None:
        raise ApiError(409, f"O documento já é do cliente «{other.nome}» (id {other.id})", code="duplicate")


def aplicar(cliente: Cliente, values: Mapping[str, Any]) -> bool:
    """Set ``values`` on ``cliente`` (not flushed); whether anything changed."""
    changed = False
    for name in FIELDS:
        if name not in values:
            continue
        value = values[name] or None if name == "documento" else values[name]
        if getattr(cliente, name) != value:
            setattr(cliente, name, value)
            changed = True
    if changed:
        cliente.nome_chave = search_key(cliente.nome)
    return changed


def indexar(clientes: Iterable[tuple[int, str, str | None, str, bool]]) -> None:
    """Write the words of customers ``(id, nome, documento, telefone, ativo)``, replacing their old ones."""
    clientes = list(clientes)
    if not clientes:
        return
    db.session.execute(delete(ClientePalavra).where(ClientePalavra.cliente_id.in_([c[0] for c in clientes])))
    rows = []
    for cliente_id, nome, documento, telefone, ativo in clientes:
        nome_chave, anterior = search_key(nome), ""
        for word in sorted(palavras(nome, documento, telefone)):  # code point order, as the index's
            rows.append({"palavra": word, "ativo": ativo, "nome_chave": nome_chave, "cliente_id": cliente_id,
                         "anterior": anterior})  # fmt: skip
            anterior = word
    if rows:  # the table's own INSERT, many rows at once (the ORM's bulk path goes row by row here)
        db.session.execute(insert(cast(Table, ClientePalavra.__table__)), rows)


def create(values: Mapping[str, Any]) -> Cliente:
    begin_write()
    documento_em_uso(values.get("documento"))
    cliente = Cliente(versao=1, telefone="", email="", cep="", endereco="", cidade="", estado="", observacao="")
    aplicar(cliente, values)
    db.session.add(cliente)
    return _commit([cliente])


def update(cliente_id: int, values: Mapping[str, Any], versoes: Collection[int] | None) -> Cliente:
    """Apply a PATCH; a PATCH that changes nothing keeps the version."""
    begin_write()
    cliente = db.session.scalar(select(Cliente).where(Cliente.id == cliente_id).with_for_update())
    if cliente is None:
        raise ApiError(404, "Cliente não encontrado")
    if versoes is not None and cliente.versao not in versoes:
        raise ApiError(412, f"O cliente mudou (versão atual {cliente.versao}); recarregue-o", code="version_mismatch")
    if "documento" in values:
        documento_em_uso(values["documento"], cliente_id)
    if not aplicar(cliente, values):
        db.session.rollback()
        return get(cliente_id)
    cliente.versao += 1
    cliente.atualizado_em = utcnow()
    return _commit([cliente])


def _commit(clientes: list[Cliente]) -> Cliente:
    """Flush, index and commit; a document taken by a request that committed first is 409 too."""
    try:
        db.session.flush()
        indexar((c.id, c.nome, c.documento, c.telefone, c.ativo) for c in clientes)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ApiError(409, "O documento já é de outro cliente", code="duplicate") from None
    return clientes[0]
