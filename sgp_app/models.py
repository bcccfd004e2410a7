"""Database models: users and their session tokens, orders with items, the event log."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import (
    JSON,
    BigInteger,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    text,
    true,
    types,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from .config import etapas
from .extensions import Model
from .nomes import MAX_CHAVE, chave, chave_sem_acentos

CENT = Decimal("0.01")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Money(types.TypeDecorator[Decimal]):
    """An exact two-decimal amount, stored as integer cents on every database."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | str | None, dialect: Dialect) -> int | None:
        return None if value is None else int(Decimal(value).quantize(CENT) * 100)

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else (Decimal(value) / 100).quantize(CENT)


class UTCDateTime(types.TypeDecorator[datetime]):
    """A timezone-aware UTC datetime, also on SQLite, which keeps no zone."""

    impl = types.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Usuario(Model):
    __tablename__ = "usuarios"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    # The name as compared (case, width, composition and spacing aside): one user per key.
    username_chave: Mapped[str] = mapped_column(String(MAX_CHAVE), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    # A disabled user cannot log in, and every token of theirs stops working.
    ativo: Mapped[bool] = mapped_column(default=True, server_default=true())
    criado_em: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The production steps (SGP_ETAPAS) this user may do or undo; admins may do any.
    setores: Mapped[list[str]] = mapped_column(JSON, default=list)

    @validates("username")
    def _keep_chave(self, _key: str, username: str) -> str:
        self.username_chave = chave(username)
        return username

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "username": self.username, "is_admin": self.is_admin}


class SessaoToken(Model):
    """A session token; only its SHA-256 is stored."""

    __tablename__ = "sessao_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    usuario_id: Mapped[int] = mapped_column(ForeignKey("usuarios.id"), index=True)
    criado_em: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expira_em: Mapped[datetime] = mapped_column(UTCDateTime)
    revogado_em: Mapped[datetime | None] = mapped_column(UTCDateTime)

    usuario: Mapped[Usuario] = relationship(lazy="joined")


# The balance of an order as its columns (integer cents) say it, and the orders it is reckoned over:
# GET /relatorios/resumo's "owed" reads this index's range above zero instead of every order.
SALDO_SQL = "valor_itens + valor_frete - valor_pago"
NAO_CANCELADO_SQL = "status != 'cancelado'"


class Pedido(Model):
    __tablename__ = "pedidos"
    __table_args__ = (
        Index(
            "ix_pedidos_saldo",
            text(f"({SALDO_SQL})"),
            sqlite_where=text(NAO_CANCELADO_SQL),
            postgresql_where=text(NAO_CANCELADO_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    numero: Mapped[str] = mapped_column(String(10), unique=True)
    cliente: Mapped[str] = mapped_column(String(200))
    # Lower-cased, accent-free copy of ``cliente`` for the list filter.
    cliente_busca: Mapped[str] = mapped_column(String(200), index=True)
    telefone_cliente: Mapped[str] = mapped_column(String(40), default="")
    cidade_cliente: Mapped[str] = mapped_column(String(120), default="")
    estado_cliente: Mapped[str] = mapped_column(String(2), default="")
    data_entrada: Mapped[datetime] = mapped_column(types.Date, index=True)
    data_entrega: Mapped[datetime | None] = mapped_column(
        types.Date, index=True
    )  # due dates: the board's strip, reports
    prioridade: Mapped[str] = mapped_column(String(10), default="NORMAL")
    status: Mapped[str] = mapped_column(String(20), default="pendente", index=True)
    observacao: Mapped[str] = mapped_column(Text, default="")
    forma_envio: Mapped[str] = mapped_column(String(80), default="")
    tipo_pagamento: Mapped[str] = mapped_column(String(80), default="")
    valor_itens: Mapped[Decimal] = mapped_column(Money)
    valor_frete: Mapped[Decimal] = mapped_column(Money)
    criado_em: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    atualizado_em: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    versao: Mapped[int] = mapped_column(Integer, default=1)
    # The customer it was made for (its data copied into the fields above), or None.
    cliente_id: Mapped[int | None] = mapped_column(ForeignKey("clientes.id"), index=True)
    # The sum of the payments not reversed, kept with each payment and reversal (for filters and reports).
    valor_pago: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"), server_default="0")

    itens: Mapped[list["ItemPedido"]] = relationship(
        back_populates="pedido",
        cascade="all, delete-orphan",
        order_by="ItemPedido.id",
        lazy="selectin",
    )
    # The steps done; the ones SGP_ETAPAS names without a row here are still to do.
    etapas_feitas: Mapped[list["EtapaPedido"]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    # Its files (their rows only: the bytes are in the storage), for the cover its card shows.
    arquivos: Mapped[list["Arquivo"]] = relationship(order_by="Arquivo.id", lazy="selectin", viewonly=True)

    @property
    def etapas(self) -> list[dict[str, Any]]:
        """Every step of ``SGP_ETAPAS``, in order: done or not, by whom, when, on which machine."""
        feitas = {e.etapa: e for e in self.etapas_feitas}
        return [
            feitas[nome].to_dict() if nome in feitas else {"etapa": nome, "feita": False, "por": None, "em": None,
                                                          "maquina": None}
            for nome in etapas(current_app.config)
        ]  # fmt: skip

    @property
    def valor_total(self) -> Decimal:
        return self.valor_itens + self.valor_frete

    @property
    def saldo(self) -> Decimal:
        return self.valor_total - self.valor_pago

    @property
    def situacao_pagamento(self) -> str:
        """``credito`` (paid beyond the total), ``pago`` (nothing owed), ``em_aberto`` (nothing paid) or ``parcial``."""
        saldo = self.saldo
        if saldo < 0:
            return "credito"
        if saldo == 0:
            return "pago"
        return "em_aberto" if self.valor_pago == 0 else "parcial"


class ItemPedido(Model):
    __tablename__ = "itens_pedido"

    id: Mapped[int] = mapped_column(primary_key=True)
    pedido_id: Mapped[int] = mapped_column(ForeignKey("pedidos.id"), index=True)
    descricao: Mapped[str] = mapped_column(String(300))
    tipo_producao: Mapped[str] = mapped_column(String(80), default="")
    quantidade: Mapped[int] = mapped_column(Integer)
    valor_unitario: Mapped[Decimal] = mapped_column(Money)
    largura: Mapped[Decimal | None] = mapped_column(Money)  # metres
    altura: Mapped[Decimal | None] = mapped_column(Money)
    # The price: valor_unitario = valor_base + valores_adicionais + ilhós + cordinha (pedidos.precos).
    valor_base: Mapped[Decimal] = mapped_column(Money)
    valores_adicionais: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    material: Mapped[str] = mapped_column(String(120), default="")
    vendedor_id: Mapped[int | None] = mapped_column(ForeignKey("vendedores.id"))
    designer_id: Mapped[int | None] = mapped_column(ForeignKey("designers.id"))
    # {"overloque", "elastico", "bainha", "ilhos": {...} | null, "cordinha": {...} | null}, money as text.
    acabamento: Mapped[dict[str, Any]] = mapped_column(JSON)
    emenda_quantidade: Mapped[int] = mapped_column(Integer, default=0)
    observacao: Mapped[str] = mapped_column(String(1000), default="")
    detalhes: Mapped[dict[str, Any]] = mapped_column(JSON)  # a flat object: what a type needs beyond these
    metro_quadrado: Mapped[Decimal | None] = mapped_column(Money)  # largura × altura × quantidade, kept for reports
    # The art's approval: sem_arte, em_aprovacao (a proof was sent), aprovada, recusada.
    status_arte: Mapped[str] = mapped_column(String(20), default="sem_arte", server_default="sem_arte")

    pedido: Mapped[Pedido] = relationship(back_populates="itens")
    vendedor: Mapped["Vendedor | None"] = relationship(lazy="joined")
    designer: Mapped["Designer | None"] = relationship(lazy="joined")

    @property
    def subtotal(self) -> Decimal:
        return self.valor_unitario * self.quantidade


class EtapaPedido(Model):
    """A production step done on an order: who did it, when, and on which machine."""

    __tablename__ = "etapas_pedido"
    __table_args__ = (UniqueConstraint("pedido_id", "etapa"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pedido_id: Mapped[int] = mapped_column(ForeignKey("pedidos.id"), index=True)
    etapa: Mapped[str] = mapped_column(String(40), index=True)
    por_id: Mapped[int | None] = mapped_column(Integer)
    por_nome: Mapped[str | None] = mapped_column(String(80))
    em: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    maquina_id: Mapped[int | None] = mapped_column(ForeignKey("maquinas.id"))

    maquina: Mapped["Maquina | None"] = relationship(lazy="joined")

    def to_dict(self) -> dict[str, Any]:
        return {
            "etapa": self.etapa,
            "feita": True,
            "por": autor(self.por_id, self.por_nome),
            "em": self.em,
            "maquina": None if self.maquina is None else {"id": self.maquina.id, "nome": self.maquina.nome},
        }


class Evento(Model):
    """One committed change, kept so clients can catch up (``evento_id`` is ``id``)."""

    __tablename__ = "eventos"

    # Assigned from the ``evento`` counter, never by the database: see db.next_value.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False)
    tipo: Mapped[str] = mapped_column(String(30))
    pedido_id: Mapped[int] = mapped_column(Integer, index=True)
    status_atual: Mapped[str] = mapped_column(String(20))
    cliente: Mapped[str] = mapped_column(String(200))
    valor_total: Mapped[Decimal] = mapped_column(Money)
    # Kept as the exact text sent on the socket.
    timestamp: Mapped[str] = mapped_column(String(40))
    criado_em: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Who made the change, as they were named then; both None for a change made outside a request.
    usuario_id: Mapped[int | None] = mapped_column(Integer)
    usuario_nome: Mapped[str | None] = mapped_column(String(80))

    def to_message(self) -> dict[str, Any]:
        """The event as every channel sends it: socket, stream, webhooks, ``/pedidos/eventos``."""
        return {
            "type": self.tipo,
            "evento_id": self.id,
            "pedido_id": self.pedido_id,
            "status_atual": self.status_atual,
            "cliente": self.cliente,
            "valor_total": str(self.valor_total),
            "timestamp": self.timestamp,
            "usuario": autor(self.usuario_id, self.usuario_nome),
        }


def autor(usuario_id: int | None, username: str | None) -> dict[str, Any] | None:
    """The ``usuario`` of an event or a history entry: ``{"id", "username"}``, or ``None``."""
    return None if usuario_id is None else {"id": usuario_id, "username": username}


class HistoricoPedido(Model):
    """One change of an order, kept as long as the order (the event log is pruned; this is not)."""

    __tablename__ = "historico_pedidos"

    id: Mapped[int] = mapped_column(primary_key=True)
    pedido_id: Mapped[int] = mapped_column(ForeignKey("pedidos.id"), index=True)
    versao: Mapped[int] = mapped_column(Integer)
    tipo: Mapped[str] = mapped_column(String(30))
    usuario_id: Mapped[int | None] = mapped_column(Integer)
    usuario_nome: Mapped[str | None] = mapped_column(String(80))
    timestamp: Mapped[str] = mapped_column(String(40))  # the same text as the change's event
    alteracoes: Mapped[str] = mapped_column(Text)  # a JSON object: {field: {"de": old, "para": new}}
    # A change the shop's customer made (a proof's decision): the name they gave.
    cliente_nome: Mapped[str | None] = mapped_column(String(120))

    def to_dict(self) -> dict[str, Any]:
        return {
            "versao": self.versao,
            "tipo": self.tipo,
            "usuario": autor(self.usuario_id, self.usuario_nome),
            "cliente": None if self.cliente_nome is None else {"nome": self.cliente_nome},
            "timestamp": self.timestamp,
            "alteracoes": json.loads(self.alteracoes),
        }


class Revogacao(Model):
    """Session tokens revoked together (a logout, a disabled user), as an entry of the event log.

    It takes its ``id`` from the same counter as the events, so every worker handles it before
    any event committed after it (see :mod:`sgp_app.events`).
    """

    __tablename__ = "revogacoes"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False)
    tokens: Mapped[str] = mapped_column(Text)  # a JSON list of token hashes
    criado_em: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def to_message(self) -> dict[str, Any]:
        return {"control": "tokens_revogados", "evento_id": self.id, "tokens": json.loads(self.tokens)}


class Recarga(Model):
    """A change too wide to send order by order (an import), as an entry of the event log.

    Clients hear it as ``sincronizado`` with ``completo: false``: reload the list. It takes its
    ``id`` from the events' counter, so it is ordered with them on every worker, and a client
    resuming across it is told to reload too (see :mod:`sgp_app.events`).
    """

    __tablename__ = "recargas"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False)
    motivo: Mapped[str] = mapped_column(String(40))
    criado_em: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def to_message(self) -> dict[str, Any]:
        return {"control": "recarregar", "evento_id": self.id, "motivo": self.motivo}


class Contador(Model):
    """Named counters (order ``numero``, ``evento_id``).

    Incrementing a row holds its lock until commit, so numbers are gap-free and
    event ids are handed out in commit order, even across workers and hosts.
    """

    __tablename__ = "contadores"

    nome: Mapped[str] = mapped_column(String(40), primary_key=True)
    valor: Mapped[int] = mapped_column(BigInteger, default=0)


class Webhook(Model):
    """An endpoint that gets the order events by HTTP POST, signed, in order, at least once.

    ``ultimo_evento_id`` is its cursor: the last event delivered (or passed over, not being of
    its ``tipos``). ``trava_dono``/``trava_ate`` are the lease of the one deliverer, across every
    worker and host, that may post to it.
    """

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    segredo: Mapped[str] = mapped_column(String(200))  # kept as given: it signs every delivery
    tipos: Mapped[str | None] = mapped_column(Text)  # a JSON list of event types; None: every type
    ativo: Mapped[bool] = mapped_column(default=True)
    ultimo_evento_id: Mapped[int] = mapped_column(BigInteger)
    falhando_desde: Mapped[datetime | None] = mapped_column(UTCDateTime)
    criado_em: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    trava_dono: Mapped[str | None] = mapped_column(String(100))
    trava_ate: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def tipos_lista(self) -> list[str] | None:
        return None if self.tipos is None else json.loads(self.tipos)


class EntregaWebhook(Model):
    """One attempt to deliver one event to one endpoint; the newest 100 per endpoint are kept."""

    __tablename__ = "webhook_entregas"

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"), index=True)
    evento_id: Mapped[int] = mapped_column(BigInteger)
    tentativa: Mapped[int] = mapped_column(Integer)
    status_http: Mapped[int | None] = mapped_column(Integer)
    erro: Mapped[str | None] = mapped_column(String(300))
    duracao_ms: Mapped[int] = mapped_column(Integer)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# -- catalogs: the shop's lists the orders pick from (never deleted: retired with ativo false) -----


class EntradaCatalogo:
    """What every catalog entry has; ``nome_chave`` makes a name unique ignoring case and accents."""

    id: Mapped[int] = mapped_column(primary_key=True)
    nome: Mapped[str] = mapped_column(String(120))
    nome_chave: Mapped[str] = mapped_column(String(MAX_CHAVE), unique=True)
    ativo: Mapped[bool] = mapped_column(default=True, server_default=true())
    criado_em: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @validates("nome")
    def _keep_chave(self, _key: str, nome: str) -> str:
        self.nome_chave = chave_sem_acentos(nome)
        return nome


class TipoProducao(EntradaCatalogo, Model):
    __tablename__ = "tipos_producao"

    codigo: Mapped[str] = mapped_column(String(40), unique=True)  # fixed once created: items keep it


class Material(EntradaCatalogo, Model):
    __tablename__ = "materiais"

    valor_metro_quadrado: Mapped[Decimal | None] = mapped_column(Money)


class Vendedor(EntradaCatalogo, Model):
    __tablename__ = "vendedores"

    comissao_percentual: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    email: Mapped[str] = mapped_column(String(254), default="")
    telefone: Mapped[str] = mapped_column(String(40), default="")


class Designer(EntradaCatalogo, Model):
    __tablename__ = "designers"

    email: Mapped[str] = mapped_column(String(254), default="")
    telefone: Mapped[str] = mapped_column(String(40), default="")
    usuario_id: Mapped[int | None] = mapped_column(ForeignKey("usuarios.id"))


class FormaPagamento(EntradaCatalogo, Model):
    __tablename__ = "formas_pagamento"

    parcelas_max: Mapped[int] = mapped_column(Integer, default=1)
    taxa_percentual: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))


class FormaEnvio(EntradaCatalogo, Model):
    __tablename__ = "formas_envio"

    valor: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    prazo_dias: Mapped[int] = mapped_column(Integer, default=0)


class Maquina(EntradaCatalogo, Model):
    __tablename__ = "maquinas"

    descricao: Mapped[str] = mapped_column(String(300), default="")


# -- customers and payments --------------------------------------------------------------------


# The words search compares, and the name keys it sorts by: "C" collation on PostgreSQL, so that a
# prefix is a range of an index and names sort by code point, as on SQLite.
PALAVRA = String(60).with_variant(String(60, collation="C"), "postgresql")
CHAVE_NOME = String(200).with_variant(String(200, collation="C"), "postgresql")


class Cliente(Model):
    """A customer. Orders copy its name, phone, city and state when made for it, and keep that copy."""

    __tablename__ = "clientes"

    id: Mapped[int] = mapped_column(primary_key=True)
    nome: Mapped[str] = mapped_column(String(200))
    # The name's words, lower-case and without accents (pedidos.service.search_key): the list's order.
    nome_chave: Mapped[str] = mapped_column(CHAVE_NOME, index=True)
    documento: Mapped[str | None] = mapped_column(String(14), unique=True)  # CPF or CNPJ digits; None: none
    telefone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    cep: Mapped[str] = mapped_column(String(8), default="")
    endereco: Mapped[str] = mapped_column(String(300), default="")
    cidade: Mapped[str] = mapped_column(String(120), default="")
    estado: Mapped[str] = mapped_column(String(2), default="")
    observacao: Mapped[str] = mapped_column(Text, default="")
    ativo: Mapped[bool] = mapped_column(default=True, server_default=true())
    versao: Mapped[int] = mapped_column(Integer, default=1)
    criado_em: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    atualizado_em: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ClientePalavra(Model):
    """One word a customer is found by: a word of its name, its document, its phone (see clientes.service).

    The primary key (palavra, ativo, nome_chave, cliente_id) answers a search by itself: each word
    typed is a range of it (``palavra >= 'mar' AND palavra < 'mas'``), which holds the customer's
    name key to sort by and its id, so neither the count nor the page reads a customer's row until
    the page's ten are known; on SQLite and PostgreSQL alike. On SQLite the table is that index.

    ``anterior`` is the customer's word just before this one (in code point order; "" for its
    first): a customer's words in a range are consecutive, so exactly one of them has its
    ``anterior`` before the range. Counting those counts each customer once, with no DISTINCT.
    """

    __tablename__ = "cliente_palavras"
    __table_args__ = (
        # PostgreSQL keeps ``anterior`` in the index too, so a search reads the index alone.
        PrimaryKeyConstraint("palavra", "ativo", "nome_chave", "cliente_id", postgresql_include=["anterior"]),
        {"sqlite_with_rowid": False},
    )

    palavra: Mapped[str] = mapped_column(PALAVRA)
    ativo: Mapped[bool] = mapped_column()  # the customer's, kept with its words
    nome_chave: Mapped[str] = mapped_column(CHAVE_NOME)  # the customer's, to sort by
    cliente_id: Mapped[int] = mapped_column(ForeignKey("clientes.id"), index=True)
    anterior: Mapped[str] = mapped_column(PALAVRA)


class Pagamento(Model):
    """A payment of an order; a reversal marks it (``estornado_em``) and it is kept."""

    __tablename__ = "pagamentos"

    id: Mapped[int] = mapped_column(primary_key=True)
    pedido_id: Mapped[int] = mapped_column(ForeignKey("pedidos.id"), index=True)
    valor: Mapped[Decimal] = mapped_column(Money)
    forma_pagamento_id: Mapped[int] = mapped_column(ForeignKey("formas_pagamento.id"))
    data: Mapped[date] = mapped_column(types.Date)
    observacao: Mapped[str] = mapped_column(String(500), default="")
    usuario_id: Mapped[int | None] = mapped_column(Integer)
    usuario_nome: Mapped[str | None] = mapped_column(String(80))
    criado_em: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    estornado_em: Mapped[datetime | None] = mapped_column(UTCDateTime)
    estornado_por_id: Mapped[int | None] = mapped_column(Integer)
    estornado_por_nome: Mapped[str | None] = mapped_column(String(80))

    forma_pagamento: Mapped[FormaPagamento] = relationship(lazy="joined")

    @property
    def usuario(self) -> dict[str, Any] | None:
        return autor(self.usuario_id, self.usuario_nome)

    @property
    def estornado_por(self) -> dict[str, Any] | None:
        return autor(self.estornado_por_id, self.estornado_por_nome)


# -- files on orders ----------------------------------------------------------------------------


class Arquivo(Model):
    """A file on an order (or one of its items). Its bytes are kept once per content, under its
    sha256, by the storage ``SGP_FILES_STORAGE`` names (see sgp_app.arquivos.armazem)."""

    __tablename__ = "arquivos"

    id: Mapped[int] = mapped_column(primary_key=True)
    pedido_id: Mapped[int] = mapped_column(ForeignKey("pedidos.id"), index=True)
    # The item it belongs to; null for the order's own files, and when the item is removed.
    item_id: Mapped[int | None] = mapped_column(ForeignKey("itens_pedido.id", ondelete="SET NULL"), index=True)
    nome: Mapped[str] = mapped_column(String(255))  # as uploaded, for people: never a path
    tipo: Mapped[str] = mapped_column(String(40))  # the media type read from the content
    tamanho: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    legenda: Mapped[str] = mapped_column(String(300), default="")
    tem_miniatura: Mapped[bool] = mapped_column(default=False)
    enviado_por_id: Mapped[int | None] = mapped_column(Integer)
    enviado_por_nome: Mapped[str | None] = mapped_column(String(80))
    criado_em: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def enviado_por(self) -> dict[str, Any] | None:
        return autor(self.enviado_por_id, self.enviado_por_nome)


class Prova(Model):
    """A proof sent to the shop's customer: a link (only its token's SHA-256 is kept) to approve a
    file or ask for changes, once, before it expires."""

    __tablename__ = "provas"

    id: Mapped[int] = mapped_column(primary_key=True)
    pedido_id: Mapped[int] = mapped_column(ForeignKey("pedidos.id"), index=True)
    arquivo_id: Mapped[int | None] = mapped_column(ForeignKey("arquivos.id", ondelete="SET NULL"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("itens_pedido.id", ondelete="SET NULL"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    mensagem: Mapped[str] = mapped_column(String(500), default="")
    criado_em: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expira_em: Mapped[datetime] = mapped_column(UTCDateTime)
    criado_por_id: Mapped[int | None] = mapped_column(Integer)
    criado_por_nome: Mapped[str | None] = mapped_column(String(80))
    decisao: Mapped[str | None] = mapped_column(String(20))  # aprovada | recusada
    comentario: Mapped[str] = mapped_column(String(1000), default="")
    nome_cliente: Mapped[str] = mapped_column(String(120), default="")
    decidido_em: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Importado(Model):
    """A row brought in from another system (``origem``: ``api-sgp``): what it became here, and how
    it was when it came, so that a second run updates and never duplicates."""

    __tablename__ = "importados"
    __table_args__ = (PrimaryKeyConstraint("origem", "tipo", "id_origem"),)

    origem: Mapped[str] = mapped_column(String(20))
    tipo: Mapped[str] = mapped_column(String(20))  # cliente, pedido, vendedor, designer, material...
    id_origem: Mapped[str] = mapped_column(String(64))
    id_local: Mapped[int] = mapped_column(Integer)
    assinatura: Mapped[str] = mapped_column(String(64))  # sha256 of the row as read: unchanged rows are skipped
    # An order's versao right after it was imported: a later one means someone changed it here.
    versao_local: Mapped[int | None] = mapped_column(Integer)
    importado_em: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
