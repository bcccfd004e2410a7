"""Customers in and out of spreadsheets: CSV import (streamed, matched, reported per line) and export.

An import runs in two passes so that memory stays flat however long the file is:

1. the body is spooled to a temporary file (never held whole), its encoding found (UTF-8, with or
   without a BOM, else Windows-1252) and its delimiter read from the header line (``;``, ``,`` or a
   tab); each row is checked as a customer, and the clean ones are written to a second spool;
2. under the write lock, the clean rows are matched in batches against the customers (by document,
   else by name and phone; rows of the same file match each other too, so a file never makes a
   duplicate) and written with bulk inserts and updates, in one transaction: all or nothing.

An export streams every customer in name order, as a Brazilian spreadsheet opens it: UTF-8 with a
BOM, ``;`` between fields, CRLF, documents and CEPs punctuated (so they stay text, leading zeros
and all), and a leading ``'`` before anything a spreadsheet would read as a formula.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any, cast

from sqlalchemy import Table, insert, select, text, update

from .. import documentos
from ..db import begin_write
from ..errors import ApiError, ValidationError
from ..extensions import db
from ..models import Cliente, utcnow
from ..pedidos.service import search_key
from ..validation import parse
from . import schemas, service

CHUNK = 64 * 1024
SPOOL_IN_MEMORY = 1024 * 1024  # a spool larger than this goes to a temporary file
BATCH = 500
ANALISAR_APOS = 1000  # rows written by an import after which PostgreSQL's planner statistics are refreshed
# Header names, as search_key reads them, and the field each one fills.
COLUNAS = {
    **dict.fromkeys(("nome", "cliente", "razao social", "nome razao social", "nome cliente", "nome completo"), "nome"),
    **dict.fromkeys(("documento", "cpf", "cnpj", "cpf cnpj", "cpf ou cnpj", "cnpj cpf", "doc"), "documento"),
    **dict.fromkeys(("telefone", "fone", "celular", "whatsapp", "tel", "telefone cliente", "contato"), "telefone"),
    **dict.fromkeys(("email", "e mail"), "email"),
    **dict.fromkeys(("cep",), "cep"),
    **dict.fromkeys(("endereco", "logradouro", "rua", "endereco completo"), "endereco"),
    **dict.fromkeys(("cidade", "municipio", "cidade cliente"), "cidade"),
    **dict.fromkeys(("estado", "uf", "estado cliente"), "estado"),
    **dict.fromkeys(("observacao", "observacoes", "obs"), "observacao"),
}
EXPORTADAS = ("nome", "documento", "telefone", "email", "cep", "endereco", "cidade", "estado", "observacao", "ativo")
FORMULA = ("=", "+", "-", "@", "\t", "\r")


# -- reading the file ---------------------------------------------------------------------------


def spool(stream: IO[bytes], spooled: IO[bytes], limit: int) -> None:
    """Copy the request body to ``spooled``, a temporary file; 413 past ``limit`` bytes."""
    size = 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"Arquivo grande demais (no máximo {limit // (1024 * 1024)} MiB)")
        spooled.write(chunk)
    spooled.seek(0)


def encoding(data: IO[bytes]) -> str:
    """``utf-8-sig`` when the whole file is UTF-8 (a BOM is dropped), else ``cp1252`` (Excel's "CSV");
    422 when it is neither (a binary file, say)."""
    for name in ("utf-8-sig", "cp1252"):
        decoder = codecs.getincrementaldecoder(name)()
        try:
            while chunk := data.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return name
        except UnicodeDecodeError:
            continue
        finally:
            data.seek(0)
    raise ValidationError({"arquivo": "Não é um texto CSV: salve a planilha como CSV (UTF-8 ou do Excel)"})


def _delimitador(header: str) -> str:
    return max((";", ",", "\t"), key=header.count)


def _cell(value: str) -> str:
    """A cell as typed: trimmed, without the ``'`` a spreadsheet export puts before a formula-like text."""
    value = value.strip()
    return value[1:] if value[:1] == "'" and value[1:2] in FORMULA[:4] else value


@dataclass
class Relatorio:
    criados: int = 0
    atualizados: int = 0
    inalterados: int = 0
    rejeitados: list[dict[str, Any]] = field(default_factory=list)
    colunas_ignoradas: list[str] = field(default_factory=list)

    def rejeitar(self, linha: int, erros: dict[str, str]) -> None:
        self.rejeitados.append({"linha": linha, "erros": erros})


def check_rows(data: IO[bytes], clean: IO[str], relatorio: Relatorio, config: Any) -> None:
    """Check every row of the CSV in ``data``; write the clean ones to ``clean`` (JSON lines: line, values).

    422 for a file with no header naming ``nome`` (or ``documento``), or one the CSV reader cannot read.
    """
    text = io.TextIOWrapper(data, encoding=encoding(data), newline="", errors="strict")
    header_line = text.readline()
    if not header_line.strip():
        raise ValidationError({"arquivo": "Vazio: a primeira linha deve nomear as colunas (nome, documento, ...)"})
    header = next(csv.reader([header_line], delimiter=_delimitador(header_line)))
    campos = [COLUNAS.get(search_key(name)) for name in header]
    relatorio.colunas_ignoradas = [name.strip() for name, campo in zip(header, campos, strict=True) if campo is None]
    if "nome" not in campos and "documento" not in campos:
        raise ValidationError({"arquivo": "A primeira linha deve nomear as colunas; falta a coluna nome"})
    reader = csv.reader(text, delimiter=_delimitador(header_line))
    lidas = 0  # lines the reader has read: a row starts on the line after them (and the header)
    try:
        for row in reader:
            linha, lidas = lidas + 2, reader.line_num
            values = {campo: _cell(cell) for campo, cell in zip(campos, row, strict=False) if campo and _cell(cell)}
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(campos):
                relatorio.rejeitar(linha, {"linha": f"{len(row)} colunas; o cabeçalho tem {len(campos)}"})
                continue
            try:
                given = schemas.clean(parse(schemas.ClienteAlteracao, values, context=config))
            except ValidationError as exc:
                relatorio.rejeitar(linha, exc.fields or {})
                continue
            clean.write(json.dumps([linha, given], ensure_ascii=False) + "\n")
    except csv.Error as exc:
        raise ValidationError({"arquivo": f"CSV ilegível na linha {reader.line_num + 1}: {exc}"}) from None
    finally:
        text.detach()  # ``data`` is the caller's to close
    clean.seek(0)


# -- matching and writing -----------------------------------------------------------------------


def _fone(telefone: str) -> str:
    return documentos.digitos(telefone)


class Importacao:
    """Matches and writes clean rows in batches; rows match customers stored before and each other."""

    def __init__(self, relatorio: Relatorio) -> None:
        self.relatorio = relatorio
        self.analisar_em = ANALISAR_APOS  # rows written by this import when PostgreSQL's statistics are next refreshed

    def run(self, rows: IO[str]) -> None:
        batch: list[tuple[int, dict[str, Any]]] = []
        for line in rows:
            linha, values = json.loads(line)
            batch.append((linha, values))
            if len(batch) == BATCH:
                self._batch(batch)
                batch = []
        self._batch(batch)

    def _batch(self, batch: list[tuple[int, dict[str, Any]]]) -> None:
        if not batch:
            return
        docs = {values["documento"] for _, values in batch if values.get("documento")}
        nomes = {search_key(values["nome"]) for _, values in batch if values.get("nome")}
        by_doc: dict[str, dict[str, Any]] = {}
        by_nome: dict[tuple[str, str], dict[str, Any]] = {}
        # Two lookups, each by its own index: PostgreSQL plans "documento IN … OR nome_chave IN …" as a
        # scan of the whole table, which grows with every batch of a large import.
        for condition in (Cliente.documento.in_(docs), Cliente.nome_chave.in_(nomes)):
            for row in db.session.execute(select(Cliente.__table__).where(condition)).mappings():
                self._remember(dict(row), by_doc, by_nome)
        novos: list[dict[str, Any]] = []
        mudados: dict[int, dict[str, Any]] = {}
        for linha, values in batch:
            cliente = self._match(values, by_doc, by_nome)
            if cliente is None:
                if not values.get("nome"):
                    self.relatorio.rejeitar(linha, {"nome": "Obrigatório para um cliente novo"})
                    continue
                cliente = {**NOVO, **values, "documento": values.get("documento") or None}
                novos.append(cliente)
                self.relatorio.criados += 1
            elif any(cliente.get(k) != v for k, v in values.items()):
                cliente.update(values)
                if "id" in cliente:  # else a customer this batch creates, which a later row completes
                    mudados[cliente["id"]] = cliente
                self.relatorio.atualizados += 1
            else:
                self.relatorio.inalterados += 1
                continue
            cliente["nome_chave"] = search_key(cliente["nome"])
            self._remember(cliente, by_doc, by_nome)
        self._write(novos, list(mudados.values()))
        escritos = self.relatorio.criados + self.relatorio.atualizados
        if escritos >= self.analisar_em and db.engine.dialect.name == "postgresql":
            # Statistics of the tables as this transaction has filled them (ANALYZE counts its own
            # rows): without them the next batches' lookups are planned for an empty table and scan
            # all of it, so a large import slows down batch after batch.
            db.session.execute(text("ANALYZE clientes, cliente_palavras"))
            self.analisar_em *= 2

    @staticmethod
    def _remember(cliente: dict[str, Any], by_doc: dict[str, Any], by_nome: dict[tuple[str, str], Any]) -> None:
        if cliente.get("documento"):
            by_doc[cliente["documento"]] = cliente
        by_nome.setdefault((cliente["nome_chave"], _fone(cliente.get("telefone", ""))), cliente)

    @staticmethod
    def _match(values: dict[str, Any], by_doc: dict[str, Any], by_nome: dict[tuple[str, str], Any]) -> Any:
        documento = values.get("documento")
        if documento and documento in by_doc:
            return by_doc[documento]
        if not values.get("nome"):
            return None
        cliente = by_nome.get((search_key(values["nome"]), _fone(values.get("telefone", ""))))
        if cliente is not None and documento and cliente.get("documento") not in (None, documento):
            return None  # same name and phone, another document: another customer
        return cliente

    @staticmethod
    def _write(novos: list[dict[str, Any]], mudados: list[dict[str, Any]]) -> None:
        now = utcnow()
        columns = [c.key for c in Cliente.__table__.columns if c.key != "id"]
        if novos:
            rows = [{k: c.get(k) for k in columns} | {"criado_em": now, "atualizado_em": now} for c in novos]
            ids = db.session.scalars(
                insert(cast(Table, Cliente.__table__)).returning(Cliente.id, sort_by_parameter_order=True), rows
            ).all()
            for cliente, new_id in zip(novos, ids, strict=True):
                cliente["id"] = new_id
        for cliente in mudados:
            values = {k: cliente[k] for k in columns if k not in ("criado_em", "atualizado_em", "versao")}
            db.session.execute(
                update(Cliente)
                .where(Cliente.id == cliente["id"])
                .values(**values, versao=Cliente.versao + 1, atualizado_em=now)
            )
        service.indexar([(c["id"], c["nome"], c["documento"], c["telefone"], c["ativo"]) for c in (*novos, *mudados)])


NOVO = {
    "documento": None, "telefone": "", "email": "", "cep": "", "endereco": "", "cidade": "", "estado": "",
    "observacao": "", "ativo": True, "versao": 1,
}  # fmt: skip


def _analisar() -> None:
    """After a large import, PostgreSQL's statistics and visibility map are brought up to date at
    once (autovacuum would take a while): the searches that follow are planned on what the tables
    now hold, and read the words' index alone (an index-only scan needs the visibility map)."""
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM (ANALYZE) clientes, cliente_palavras"))


def importar(stream: IO[bytes], config: Any, simular: bool) -> Relatorio:
    """Import a CSV of customers from ``stream``; with ``simular`` nothing is kept."""
    relatorio = Relatorio()
    with (
        tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as data,
        tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, mode="w+", encoding="utf-8") as rows,
    ):
        spool(stream, data, config["SGP_MAX_IMPORT_BYTES"])
        check_rows(data, rows, relatorio, config)
        begin_write()
        try:
            Importacao(relatorio).run(rows)
        except BaseException:
            db.session.rollback()
            raise
        if simular:
            db.session.rollback()
        else:
            db.session.commit()
            if relatorio.criados + relatorio.atualizados >= ANALISAR_APOS:
                _analisar()
    relatorio.rejeitados.sort(key=lambda r: r["linha"])
    return relatorio


# -- export -------------------------------------------------------------------------------------


def texto_seguro(value: str) -> str:
    """Text a spreadsheet shows as text: a leading ``'`` before what it would read as a formula."""
    return "'" + value if value.startswith(FORMULA) else value


def exportar(query: Any) -> Iterator[str]:
    """The customers ``query`` selects, as CSV text in pieces (UTF-8 BOM first, then the header)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(EXPORTADAS)
    yield "\ufeff" + _drain(out)
    for n, cliente in enumerate(db.session.scalars(query.execution_options(yield_per=1000))):
        writer.writerow(
            [
                texto_seguro(cliente.nome),
                documentos.documento_formatado(cliente.documento or ""),
                texto_seguro(cliente.telefone),
                texto_seguro(cliente.email),
                documentos.cep_formatado(cliente.cep),
                texto_seguro(cliente.endereco),
                texto_seguro(cliente.cidade),
                cliente.estado,
                texto_seguro(cliente.observacao),
                "sim" if cliente.ativo else "não",
            ]
        )
        if n % 200 == 199:
            yield _drain(out)
    yield _drain(out)


def _drain(out: io.StringIO) -> str:
    text = out.getvalue()
    out.seek(0)
    out.truncate()
    return text
