"""The import from api-sgp: read its database over SQLAlchemy (never through its code), bring in
catalogs, customers and orders with their items, steps and images, and say what happened.

Idempotent: each row brought in is remembered in ``importados`` (its api-sgp id, what it became,
a hash of the row as read, and an order's ``versao`` right after). Running again skips unchanged
rows, updates changed ones, and leaves an order that someone changed in SGP since (its ``versao``
moved) as it is unless ``overwrite``, naming it in the report.

Orders come in batches of ``LOTE``, each batch one transaction (a row that fails is rolled back to
its savepoint and reported; the rest of the batch stays): a run stopped halfway keeps the batches it
committed, and running again carries on. api-sgp keeps no payments; ``quitar`` names which orders
came in paid all the same (``entregues``: those it delivered; ``financeiro``: those its finance
released): each gets one payment of its total, unless it has payments in SGP already. ``dry_run``
reads, checks and reckons everything, stores no file and commits nothing.

Open boards: an import writes history (one ``pedido_criado`` entry per new order, marked as
imported) but no order events, so 50,000 orders do not become 50,000 socket messages. When it has
changed anything, it ends (also when it stops halfway) with one reload hint in the event log:
every open board and stream hears ``sincronizado`` with ``completo: false`` and reloads its list
once, and a client that resumes across it is told the same.
"""

import base64
import binascii
import hashlib
import io
import json
import logging
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from sqlalchemy import MetaData, Table, create_engine, func, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import ArgumentError, OperationalError

from .. import events
from ..config import etapas as etapas_config
from ..config import hoje
from ..db import begin_write
from ..errors import ApiError
from ..extensions import db
from ..models import (
    Arquivo,
    Cliente,
    Contador,
    Designer,
    EtapaPedido,
    FormaEnvio,
    FormaPagamento,
    HistoricoPedido,
    Importado,
    ItemPedido,
    Material,
    Pagamento,
    Pedido,
    TipoProducao,
    Vendedor,
    utcnow,
)
from ..nomes import chave_sem_acentos, refused_character
from ..pedidos.precos import metro_quadrado
from ..pedidos.service import search_key
from . import api_sgp
from .api_sgp import Recusa

log = logging.getLogger(__name__)

ORIGEM = "api-sgp"
LOTE = 200
QUEM = "importação api-sgp"  # who did an imported step, as the order shows it
# api-sgp's catalog tables (SQLModel names them after their classes), and what each becomes here.
CATALOGOS: dict[str, tuple[Any, dict[str, str]]] = {
    "vendedor": (Vendedor, {"email": "email", "telefone": "telefone", "comissao_percentual": "comissao_percentual"}),
    "designer": (Designer, {"email": "email", "telefone": "telefone"}),
    "material": (Material, {"valor_metro": "valor_metro_quadrado"}),
    "envio": (FormaEnvio, {"valor": "valor", "prazo_dias": "prazo_dias"}),
    "payment": (FormaPagamento, {"parcelas_max": "parcelas_max", "taxa_percentual": "taxa_percentual"}),
}
EXTENSOES = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp", "image/tiff": ".tif",
             "application/pdf": ".pdf"}  # fmt: skip
NOMES_ALTERNATIVOS = {"material": ("materiais",), "cliente": ("clientes",)}


@dataclass
class Relatorio:
    """What an import did: counts per kind and result, every row it could not bring in, and why."""

    contagens: dict[str, Counter[str]] = field(default_factory=dict)
    falhas: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, api-sgp id or number, reason)
    alterados_no_sgp: list[str] = field(default_factory=list)  # order numbers left as SGP has them

    def conta(self, tipo: str, resultado: str) -> None:
        self.contagens.setdefault(tipo, Counter())[resultado] += 1

    def falha(self, tipo: str, quem: str, motivo: str) -> None:
        self.conta(tipo, "falhas")
        self.falhas.append((tipo, quem, motivo))


def _assinatura(row: Mapping[str, Any], *extra: Any) -> str:
    texto = json.dumps([dict(row), *extra], sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(texto.encode()).hexdigest()


def _texto(valor: object, tamanho: int) -> str:
    return str(valor or "").strip()[:tamanho]


def _nome_catalogo(valor: object) -> str:
    """A catalog name as the catalogs' own routes would keep it: NFC, single spaces, at most 120
    characters, without what nobody sees (control and format characters, which those routes refuse;
    an import drops them rather than lose the row), so "Pi\u200bx" is the "Pix" already there."""
    texto = "".join(c for c in unicodedata.normalize("NFC", str(valor or "")) if refused_character(c) is None)
    return " ".join(texto.split())[:120]


class Importador:
    """One run of the import. :param progresso: called as ``progresso(kind, done, total)``."""

    def __init__(
        self,
        url: str,
        *,
        media_dir: Path | None = None,
        dry_run: bool = False,
        overwrite: bool = False,
        progresso: Any = None,
        quitar: frozenset[str] = frozenset(),
    ) -> None:
        self.url, self.media_dir, self.dry_run, self.overwrite = url, media_dir, dry_run, overwrite
        self.quitar = quitar - {"nenhum"}
        self.progresso = progresso or (lambda tipo, feitos, total: None)
        self.relatorio = Relatorio()
        self.catalogo: dict[str, dict[str, int]] = {}  # api-sgp table -> name key -> local id
        self.tipos: set[str] = set()
        self.clientes: dict[tuple[str, str], int] = {}  # (name key, phone digits) -> local id
        self.maior_numero = 0
        self.pendentes: list[Any] = []  # what a batch's orders do once they have ids
        self.analisar_em = 0  # rows handled at which PostgreSQL's statistics are refreshed next

    # -- the run -----------------------------------------------------------------------------

    def run(self) -> Relatorio:
        try:
            engine = create_engine(self.url)
            conexao = engine.connect()
        except (ArgumentError, OperationalError, ImportError) as erro:
            raise Recusa(f"Não foi possível ler o banco do api-sgp: {erro.__class__.__name__}") from None
        try:
            with conexao as fonte:
                tabelas = self._tabelas(fonte)
                if "pedidos" not in tabelas:
                    raise Recusa("Não é um banco do api-sgp: falta a tabela pedidos")
                begin_write()
                self._estatisticas(0)
                self.tipos = set(db.session.scalars(select(TipoProducao.codigo).where(TipoProducao.ativo)))
                for nome in CATALOGOS:
                    if nome in tabelas:
                        self._catalogo(fonte, nome, tabelas[nome])
                if "cliente" in tabelas:
                    self._clientes(fonte, tabelas["cliente"])
                self._fim_do_lote()
                self._pedidos(fonte, tabelas["pedidos"], tabelas.get("pedido_imagens"))
        finally:
            engine.dispose()
            db.session.rollback()  # a dry run's one transaction, or the batch a failure stopped
            if not self.dry_run and self._mudou():
                self._avisar_quadros()
        return self.relatorio

    def _mudou(self) -> bool:
        return any(c["criados"] or c["atualizados"] for c in self.relatorio.contagens.values())

    @staticmethod
    def _avisar_quadros() -> None:
        """One reload hint for every open board, once the import's batches are committed."""
        try:
            begin_write()
            events.record_reload("importacao")
            db.session.commit()
        except Exception:  # noqa: BLE001 - the import itself is committed; boards show it on their next reload
            db.session.rollback()
            log.exception("import: the reload hint for open boards could not be written")

    def _tabelas(self, fonte: Connection) -> dict[str, Table]:
        existentes = set(fonte.dialect.get_table_names(fonte))
        meta, tabelas = MetaData(), {}
        for nome in ("pedidos", "pedido_imagens", "cliente", *CATALOGOS):
            achado = next((n for n in (nome, *NOMES_ALTERNATIVOS.get(nome, ())) if n in existentes), None)
            if achado is not None:
                tabelas[nome] = Table(achado, meta, autoload_with=fonte)
        return tabelas

    def _estatisticas(self, feitos: int) -> None:
        """Refresh PostgreSQL's statistics of the tables each batch looks rows up in: at the start
        and as the run fills them (at 1,000 orders, then at each doubling). Without them (a server
        without autovacuum, or tables this very run filled) each batch's lookups are planned for an
        empty table and scan all of it: 50,000 unchanged orders took 119 s instead of ~20."""
        if feitos < self.analisar_em or db.engine.dialect.name != "postgresql":
            return
        db.session.execute(text("ANALYZE importados, pedidos, clientes"))  # counts this transaction's rows
        self.analisar_em = max(1000, 2 * feitos)

    def _fim_do_lote(self) -> None:
        """Commit what the batch did (a dry run keeps its one transaction open, to roll it back)."""
        if not self.dry_run:
            db.session.commit()
            begin_write()

    def _lembrar(
        self, tipo: str, id_origem: object, id_local: int, assinatura: str, versao: int | None = None,
        lembrado: Importado | None = None,
    ) -> None:  # fmt: skip
        if lembrado is None:
            lembrado = Importado(origem=ORIGEM, tipo=tipo, id_origem=str(id_origem))
            db.session.add(lembrado)
        lembrado.id_local, lembrado.assinatura, lembrado.versao_local = id_local, assinatura, versao
        lembrado.importado_em = utcnow()

    @staticmethod
    def _linhas(fonte: Connection, tabela: Table) -> Iterator[Any]:
        """The table's rows in id order, streamed (a server-side cursor where the driver has one)."""
        consulta = select(tabela).order_by(tabela.c.id)
        for row in fonte.execution_options(stream_results=True, yield_per=500).execute(consulta):
            yield row._mapping

    # -- catalogs and customers ----------------------------------------------------------------

    def _catalogo(self, fonte: Connection, nome: str, tabela: Table) -> None:
        """Entries are matched by name (ignoring case and accents, as the catalogs are unique): an
        entry SGP already has is linked, not changed; a new one is created with its fields."""
        model: Any
        model, campos = CATALOGOS[nome]
        por_chave = {e.nome_chave: e.id for e in db.session.scalars(select(model))}
        self.catalogo[nome] = por_chave
        ja = select(Importado).where(Importado.origem == ORIGEM, Importado.tipo == nome)
        lembrados = {i.id_origem: i for i in db.session.scalars(ja)}
        for row in self._linhas(fonte, tabela):
            quem = f"{nome} {row['id']}"
            texto = _nome_catalogo(row.get("nome"))
            if not texto:
                self.relatorio.falha(nome, quem, "sem nome")
                continue
            try:
                valores = {
                    destino: self._valor_catalogo(destino, row.get(origem)) for origem, destino in campos.items()
                }
            except Recusa as recusa:
                self.relatorio.falha(nome, quem, str(recusa))
                continue
            existente = por_chave.get(chave_sem_acentos(texto))
            if existente is None:
                entrada = model(nome=texto, ativo=bool(row.get("ativo", True)), **valores)  # its key: from nome
                db.session.add(entrada)
                db.session.flush()
                por_chave[entrada.nome_chave] = existente = entrada.id
                self.relatorio.conta(nome, "criados")
            else:
                self.relatorio.conta(nome, "existentes")
            self._lembrar(nome, row["id"], existente, _assinatura(row), lembrado=lembrados.get(str(row["id"])))

    @staticmethod
    def _valor_catalogo(destino: str, valor: Any) -> Any:
        if destino == "valor_metro_quadrado":  # none: no price per m²
            return api_sgp.dinheiro(valor, destino) if valor not in (None, "") else None
        if destino == "valor":
            return api_sgp.dinheiro(valor, destino)
        if destino in ("comissao_percentual", "taxa_percentual"):
            numero = api_sgp.dinheiro(valor, destino)
            if numero > 100:
                raise Recusa(f"{destino}: acima de 100")
            return numero
        if destino in ("parcelas_max", "prazo_dias"):
            return max(1 if destino == "parcelas_max" else 0, int(valor or 0))
        return _texto(valor, 254 if destino == "email" else 40)

    def _lembrados(self, tipo: str, rows: list[Any]) -> dict[str, Importado]:
        """What earlier runs remember of a batch's rows (one query)."""
        ids = [str(row["id"]) for row in rows]
        consulta = select(Importado).where(
            Importado.origem == ORIGEM, Importado.tipo == tipo, Importado.id_origem.in_(ids)
        )
        return {i.id_origem: i for i in db.session.scalars(consulta)}

    def _clientes(self, fonte: Connection, tabela: Table) -> None:
        for lote in _em_lotes(self._linhas(fonte, tabela), LOTE):
            with db.session.no_autoflush:
                self._lote_de_clientes(lote)
            self._fim_do_lote()

    def _lote_de_clientes(self, lote: list[Any]) -> None:
        from ..clientes.service import aplicar, indexar

        lembrados = self._lembrados("cliente", lote)
        ja_aqui = [lembrado.id_local for lembrado in lembrados.values()]  # the batch's customers: one query
        por_id = {c.id: c for c in db.session.scalars(select(Cliente).where(Cliente.id.in_(ja_aqui)))}
        feitos: list[tuple[Any, Cliente, str]] = []
        mudados: list[Cliente] = []
        for row in lote:
            nome = _texto(row.get("nome"), 200)
            if not nome:
                self.relatorio.falha("cliente", f"cliente {row['id']}", "sem nome")
                continue
            cidade, uf = api_sgp.cidade_estado(row.get("cidade"), row.get("estado"))
            cep = "".join(c for c in str(row.get("cep") or "") if c.isdigit())
            valores = {
                "nome": nome,
                "telefone": _texto(row.get("telefone"), 40),
                "cep": cep if len(cep) == 8 else "",
                "cidade": cidade[:120],
                "estado": uf,
                "observacao": "" if len(cep) in (0, 8) else f"CEP no api-sgp: {_texto(row.get('cep'), 40)}",
            }
            assinatura = _assinatura(row)
            lembrado = lembrados.get(str(row["id"]))
            cliente = por_id.get(lembrado.id_local) if lembrado is not None else None
            if cliente is not None and lembrado is not None and lembrado.assinatura == assinatura:
                self.relatorio.conta("cliente", "iguais")  # still linked: its orders find it by name and phone
            elif cliente is not None:
                if aplicar(cliente, valores):
                    cliente.versao += 1
                    cliente.atualizado_em = utcnow()
                    mudados.append(cliente)
                self.relatorio.conta("cliente", "atualizados")
            else:
                cliente = Cliente(versao=1, email="", endereco="", documento=None)
                aplicar(cliente, valores)
                db.session.add(cliente)
                mudados.append(cliente)
                self.relatorio.conta("cliente", "criados")
            feitos.append((row, cliente, assinatura))
        db.session.flush()
        for row, cliente, assinatura in feitos:
            self._lembrar("cliente", row["id"], cliente.id, assinatura, lembrado=lembrados.get(str(row["id"])))
            self.clientes[(search_key(cliente.nome), _digitos(cliente.telefone))] = cliente.id
        indexar((c.id, c.nome, c.documento, c.telefone, c.ativo) for c in mudados)  # their search words

    # -- orders --------------------------------------------------------------------------------

    def _pedidos(self, fonte: Connection, tabela: Table, imagens: Table | None) -> None:
        """Batch by batch: what earlier runs remember, the numbers in use and the images, one query
        each; every field of an order is read (and refused, if so) before it touches the session."""
        total = fonte.scalar(select(func.count()).select_from(tabela)) or 0
        feitos = 0
        self.progresso("pedidos", 0, total)
        for lote in _em_lotes(self._linhas(fonte, tabela), LOTE):
            lembrados = self._lembrados("pedido", lote)
            fotos = self._imagens_de(fonte, imagens, [row["id"] for row in lote])
            numeros = [n for n in map(_numero_ou_nada, lote) if n is not None]
            consulta = select(Pedido.numero, Pedido.id).where(Pedido.numero.in_(numeros))
            em_uso = {numero: pedido_id for numero, pedido_id in db.session.execute(consulta)}
            with db.session.no_autoflush:
                for row in lote:
                    try:
                        self._pedido(row, fotos.get(row["id"], []), lembrados.get(str(row["id"])), em_uso)
                    except Recusa as recusa:
                        self.relatorio.falha("pedido", _quem(row), str(recusa))
            db.session.flush()
            for pendente in self.pendentes:
                pendente()
            self.pendentes.clear()
            feitos += len(lote)
            self._estatisticas(feitos)
            self._numeracao()
            self._fim_do_lote()
            self.progresso("pedidos", feitos, total)

    @staticmethod
    def _imagens_de(fonte: Connection, imagens: Table | None, ids: list[Any]) -> dict[Any, list[dict[str, Any]]]:
        if imagens is None or not ids:
            return {}
        por_pedido: dict[Any, list[dict[str, Any]]] = {}
        consulta = select(imagens).where(imagens.c.pedido_id.in_(ids)).order_by(imagens.c.id)
        for row in fonte.execute(consulta):
            por_pedido.setdefault(row.pedido_id, []).append(dict(row._mapping))
        return por_pedido

    def _pedido(
        self, row: Mapping[str, Any], fotos: list[dict[str, Any]], lembrado: Importado | None, em_uso: dict[str, int]
    ) -> None:
        numero = _numero(row)
        assinatura = _assinatura(row, fotos)
        if lembrado is not None and lembrado.assinatura == assinatura:  # unchanged: not even read
            self.relatorio.conta("pedido", "iguais")
            if self.quitar:  # ... unless it may be one to bring in paid now
                self._quitar_igual(row, lembrado)
            return
        pedido = db.session.get(Pedido, lembrado.id_local) if lembrado is not None else None
        if pedido is not None and lembrado is not None:
            if pedido.versao != lembrado.versao_local and not self.overwrite:
                self.relatorio.conta("pedido", "alterados_no_sgp")
                self.relatorio.alterados_no_sgp.append(pedido.numero)
                return
        elif numero in em_uso:
            raise Recusa(f"o número {numero} já é de outro pedido do SGP")
        itens = [api_sgp.item(i, self.tipos) for i in api_sgp.itens(row.get("items"))]
        novo = pedido is None
        campos = self._campos(row, itens)  # the last place an order can be refused: nothing written yet
        if pedido is None:
            pedido = Pedido(numero=numero, versao=1, criado_em=_momento(row.get("data_criacao")))
            db.session.add(pedido)
            em_uso[numero] = 0
        for nome, valor in campos.items():
            setattr(pedido, nome, valor)
        if pedido.valor_pago is None:
            pedido.valor_pago = Decimal("0.00")
        pedido.itens = [self._item(i) for i in itens]
        if not novo:  # its steps go before the new ones come (one row per step and order)
            pedido.etapas_feitas = []
            db.session.flush()
            pedido.versao += 1
            pedido.atualizado_em = utcnow()
        pedido.etapas_feitas = self._etapas(row)
        quitado = self._quitado(row, pedido, novo)
        self.relatorio.conta("pedido", "criados" if novo else "atualizados")
        self.maior_numero = max(self.maior_numero, int(numero))

        def depois_do_flush() -> None:  # what needs the order's and items' ids
            self._arquivos(pedido, itens, fotos)
            if quitado is not None:
                quitado.pedido_id = pedido.id
                db.session.add(quitado)
            db.session.add(
                HistoricoPedido(
                    pedido_id=pedido.id, versao=pedido.versao, tipo="pedido_criado" if novo else "pedido_atualizado",
                    usuario_id=None, usuario_nome=None, timestamp=utcnow().isoformat(),
                    alteracoes=json.dumps({"importado": {"de": None, "para": {"sistema": ORIGEM, "id": row["id"]}}}),
                )
            )  # fmt: skip
            self._lembrar("pedido", row["id"], pedido.id, assinatura, pedido.versao, lembrado=lembrado)

        self.pendentes.append(depois_do_flush)

    def _quitar_igual(self, row: Mapping[str, Any], lembrado: Importado) -> None:
        """An order imported before, unchanged in api-sgp, that ``quitar`` now names: its payment."""
        pedido = db.session.get(Pedido, lembrado.id_local)
        if pedido is None or pedido.versao != lembrado.versao_local:
            return  # changed in SGP since: the shop has its own word on what was paid
        pago_antes = pedido.valor_pago
        pagamento = self._quitado(row, pedido, novo=False)
        if pagamento is None:
            return
        pagamento.pedido_id = pedido.id
        db.session.add(pagamento)
        pedido.versao += 1
        pedido.atualizado_em = utcnow()
        lembrado.versao_local = pedido.versao
        resumo = {"valor": str(pagamento.valor), "data": pagamento.data.isoformat(), "observacao": pagamento.observacao}
        alteracoes = {
            "valor_pago": {"de": str(pago_antes), "para": str(pedido.valor_pago)},
            "pagamento": {"de": None, "para": resumo},
        }
        db.session.add(
            HistoricoPedido(
                pedido_id=pedido.id, versao=pedido.versao, tipo="pedido_atualizado", usuario_id=None,
                usuario_nome=None, timestamp=utcnow().isoformat(), alteracoes=json.dumps(alteracoes),
            )
        )  # fmt: skip

    def _quitado(self, row: Mapping[str, Any], pedido: Pedido, novo: bool) -> Pagamento | None:
        """The payment of an order that ``quitar`` says came in paid (its total, once), or ``None``."""
        motivos = {"entregues": pedido.status == "entregue", "financeiro": bool(row.get("financeiro"))}
        motivo = next((m for m in sorted(self.quitar) if motivos.get(m)), None)
        total = pedido.valor_itens + pedido.valor_frete
        if motivo is None or pedido.status == "cancelado" or total <= 0:
            return None
        if not novo and (pedido.valor_pago or db.session.scalar(select(Pagamento.id).filter_by(pedido_id=pedido.id))):
            return None  # it has payments in SGP already (imported or recorded): they stand
        forma = _nome_catalogo(row.get("tipo_pagamento")) or "Não informada"
        liberado = (
            api_sgp.data(row.get("financeiro_liberado_em"), "financeiro_liberado_em")
            if motivo == "financeiro"
            else None
        )
        pedido.valor_pago = total
        self.relatorio.conta("pagamento", "criados")
        return Pagamento(
            valor=total, forma_pagamento_id=self._catalogo_id("payment", FormaPagamento, forma),
            data=liberado or pedido.data_entrega or pedido.data_entrada,
            observacao="Importado do api-sgp: " + ("entregue" if motivo == "entregues" else "liberado pelo financeiro"),
        )  # fmt: skip

    def _campos(self, row: Mapping[str, Any], itens: list[dict[str, Any]]) -> dict[str, Any]:
        """The order's own fields from its api-sgp row (refused here, if at all)."""
        entrada = api_sgp.data(row.get("data_entrada"), "data_entrada")
        if entrada is None:  # api-sgp requires it, but old rows have it blank: the day it was created
            criado = row.get("data_criacao")
            entrada = api_sgp.data(criado, "data_criacao") or hoje(_config())
        entrega = api_sgp.data(row.get("data_entrega"), "data_entrega")
        if entrega is not None and entrega < entrada:
            entrega = entrada
        cidade, uf = api_sgp.cidade_estado(row.get("cidade_cliente"), row.get("estado_cliente"))
        nome = _texto(row.get("cliente"), 200) or "(sem nome no api-sgp)"
        telefone = _texto(row.get("telefone_cliente"), 40)
        frete = api_sgp.dinheiro(row.get("valor_frete"), "valor_frete")
        if itens:
            valor_itens = sum((i["valor_unitario"] * i["quantidade"] for i in itens), Decimal("0.00"))
        else:
            total = api_sgp.dinheiro(row.get("valor_total"), "valor_total")
            valor_itens = api_sgp.dinheiro(row.get("valor_itens"), "valor_itens") or max(total - frete, Decimal(0))
        if valor_itens + frete > api_sgp.MAX_MONEY:
            raise Recusa("valor_total: acima do máximo")
        observacao = _texto(row.get("observacao"), 2000)
        if row.get("obs_pagamento"):
            observacao = (observacao + "\nPagamento: " + _texto(row.get("obs_pagamento"), 500)).strip()[:2000]
        return {
            "cliente": nome,
            "cliente_busca": search_key(nome),
            "telefone_cliente": telefone,
            "cidade_cliente": cidade[:120],
            "estado_cliente": uf,
            "cliente_id": self.clientes.get((search_key(nome), _digitos(telefone))),
            "data_entrada": entrada,
            "data_entrega": entrega,
            "prioridade": api_sgp.prioridade(row.get("prioridade")),
            "status": api_sgp.status(row.get("status")),
            "observacao": observacao,
            "forma_envio": _texto(row.get("forma_envio"), 80),
            "tipo_pagamento": _texto(row.get("tipo_pagamento"), 80),
            "valor_itens": valor_itens,
            "valor_frete": frete,
        }

    def _item(self, item: dict[str, Any]) -> ItemPedido:
        return ItemPedido(
            descricao=item["descricao"], tipo_producao=item["tipo_producao"], quantidade=item["quantidade"],
            valor_unitario=item["valor_unitario"], valor_base=item["valor_unitario"],
            valores_adicionais=Decimal("0.00"), largura=item["largura"], altura=item["altura"],
            material=item["material"], vendedor_id=self._catalogo_id("vendedor", Vendedor, item["vendedor_nome"]),
            designer_id=self._catalogo_id("designer", Designer, item["designer_nome"]),
            acabamento=item["acabamento"], emenda_quantidade=item["emenda_quantidade"],
            observacao=item["observacao"], detalhes=item["detalhes"], status_arte=item["status_arte"],
            metro_quadrado=metro_quadrado(item["largura"], item["altura"], item["quantidade"]),
        )  # fmt: skip

    def _catalogo_id(self, nome: str, model: Any, texto: str) -> int | None:
        """The seller, designer or payment method an order names: found by name (case and accents
        aside, as the catalogs are unique), or added to the catalog."""
        texto = _nome_catalogo(texto)
        if not texto:
            return None
        if nome not in self.catalogo:
            self.catalogo[nome] = {e.nome_chave: e.id for e in db.session.scalars(select(model))}
        por_chave = self.catalogo[nome]
        if chave_sem_acentos(texto) not in por_chave:
            entrada = model(nome=texto, ativo=True)  # its key: from nome
            db.session.add(entrada)
            db.session.flush()
            por_chave[entrada.nome_chave] = entrada.id
            self.relatorio.conta(nome, "criados")
        return por_chave[chave_sem_acentos(texto)]

    def _etapas(self, row: Mapping[str, Any]) -> list[EtapaPedido]:
        feitas = set(api_sgp.etapas(row))
        return [
            EtapaPedido(etapa=nome, por_id=None, por_nome=QUEM, em=_momento(row.get("ultima_atualizacao")))
            for nome in etapas_config(_config())
            if nome in feitas
        ]

    # -- images --------------------------------------------------------------------------------

    def _arquivos(self, pedido: Pedido, itens: list[dict[str, Any]], fotos: list[dict[str, Any]]) -> None:
        """The order's images into its files: ``pedido_imagens`` rows (read from ``media_dir``) and
        each item's ``imagem`` (base64) or ``imagem_path``. One that cannot be read is reported; the
        order comes in without it. Already there (same content on the same order): not added again."""
        ids = [i.id for i in pedido.itens]
        fontes: list[tuple[str, int | None, Any]] = []
        for foto in fotos:
            indice = foto.get("item_index")
            item_id = ids[indice] if isinstance(indice, int) and 0 <= indice < len(ids) else None
            fontes.append((str(foto.get("filename") or "imagem"), item_id, ("caminho", foto.get("path"))))
        for n, item in enumerate(itens):
            if item["imagem_path"]:
                fontes.append((Path(str(item["imagem_path"])).name, ids[n], ("caminho", item["imagem_path"])))
            elif isinstance(item["imagem"], str) and item["imagem"].startswith("data:"):
                fontes.append((f"item-{n + 1}", ids[n], ("base64", item["imagem"])))
        if not fontes:
            return
        existentes = set(db.session.scalars(select(Arquivo.sha256).where(Arquivo.pedido_id == pedido.id)))
        for nome, item_id, (tipo, valor) in fontes:
            try:
                with self._abrir(tipo, valor) as origem, tempfile.NamedTemporaryFile(prefix="sgp-import-") as copia:
                    from ..arquivos.service import guardar, nome_seguro

                    sha256, tamanho, media, miniatura = guardar(origem, copia, guardar_bytes=not self.dry_run)
            except (OSError, ApiError, Recusa) as erro:
                motivo = erro.message if isinstance(erro, ApiError) else str(erro)
                self.relatorio.falha("imagem", f"pedido {pedido.numero}: {nome}", motivo)
                continue
            if not Path(nome).suffix:  # a base64 image has no name: its type gives the extension
                nome += EXTENSOES.get(media, "")
            self.relatorio.conta("imagem", "criados" if sha256 not in existentes else "iguais")
            if sha256 in existentes:
                continue
            existentes.add(sha256)
            db.session.add(Arquivo(
                pedido_id=pedido.id, item_id=item_id, nome=nome_seguro(nome, media), tipo=media, tamanho=tamanho,
                sha256=sha256, legenda="", tem_miniatura=miniatura, enviado_por_id=None, enviado_por_nome=QUEM,
            ))  # fmt: skip

    def _abrir(self, tipo: str, valor: Any) -> IO[bytes]:
        if tipo == "base64":
            try:
                return io.BytesIO(base64.b64decode(str(valor).partition(",")[2], validate=True))
            except (binascii.Error, ValueError):
                raise Recusa("imagem em base64 ilegível") from None
        if self.media_dir is None:
            raise Recusa(f"{valor}: sem --media-dir para achar o arquivo")
        caminho = (self.media_dir / str(valor).lstrip("/")).resolve()
        if not caminho.is_relative_to(self.media_dir.resolve()):
            raise Recusa(f"{valor}: fora de --media-dir")
        if not caminho.is_file():
            raise Recusa(f"{valor}: arquivo não encontrado em --media-dir")
        return caminho.open("rb")

    # -- numbering -----------------------------------------------------------------------------

    def _numeracao(self) -> None:
        """New orders made in SGP after the import get numbers after the imported ones."""
        if self.maior_numero:
            db.session.execute(
                update(Contador)
                .where(Contador.nome == "pedido_numero", Contador.valor < self.maior_numero)
                .values(valor=self.maior_numero)
            )


def _em_lotes(linhas: Iterator[Any], tamanho: int) -> Iterator[list[Any]]:
    lote: list[Any] = []
    for linha in linhas:
        lote.append(linha)
        if len(lote) == tamanho:
            yield lote
            lote = []
    if lote:
        yield lote


def _config() -> Any:
    from flask import current_app

    return current_app.config


def _digitos(texto: str) -> str:
    return "".join(c for c in texto if c.isdigit())


def _quem(row: Mapping[str, Any]) -> str:
    return f"pedido {row.get('numero') or ''} (id {row['id']})".replace("  ", " ")


def _numero(row: Mapping[str, Any]) -> str:
    """The order's number as api-sgp shows it ("0000000115"), kept; its id when it has none."""
    texto = str(row.get("numero") or "").strip()
    digitos = texto.lstrip("0") or ("0" if texto else "")
    if not texto:
        return f"{int(row['id']):010d}"
    if not texto.isdigit() or len(digitos) > 10:
        raise Recusa(f"número {texto[:20]!r}: o SGP numera pedidos só com algarismos (até 10)")
    return f"{int(texto):010d}"


def _numero_ou_nada(row: Mapping[str, Any]) -> str | None:
    try:
        return _numero(row)
    except Recusa:  # reported when the order itself is read
        return None


def _momento(valor: object) -> datetime:
    """A moment api-sgp kept (``datetime.utcnow()``: naive, in UTC), or now."""
    if isinstance(valor, str) and valor.strip():
        try:
            valor = datetime.fromisoformat(valor.strip())
        except ValueError:
            return utcnow()
    if isinstance(valor, datetime):
        return valor if valor.tzinfo else valor.replace(tzinfo=UTC)
    return utcnow()
