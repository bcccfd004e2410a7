"""Catalogs: production types (seeded), materials, sellers, designers, payment and shipping methods,
machines. Each name is unique in its catalog ignoring case and accents (``nome_chave``).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 01:10:00
"""

import unicodedata
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# The production types of the shop's system (api-sgp), seeded: (codigo, nome).
TIPOS_PRODUCAO = [
    ("painel", "Painel"),
    ("totem", "Totem"),
    ("lona", "Lona"),
    ("adesivo", "Adesivo"),
    ("canga", "Canga"),
    ("impressao_3d", "Impressão 3D"),
    ("mochilinha", "Mochilinha"),
    ("bolsinha", "Bolsinha"),
    ("mesa_babado", "Mesa babado"),
    ("almofada", "Almofada"),
    ("generica", "Genérica"),
]


def chave_sem_acentos(nome: str) -> str:
    """As sgp_app.nomes.chave_sem_acentos does as of this revision."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", nome).casefold())
    decomposed = unicodedata.normalize("NFKD", " ".join(folded.split()))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def _common(table: str) -> list[Any]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nome", sa.String(length=120), nullable=False),
        sa.Column("nome_chave", sa.String(length=320), nullable=False),
        sa.Column("ativo", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("criado_em", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("nome_chave", name=op.f(f"uq_{table}_nome_chave")),
    ]


def upgrade() -> None:
    tipos = op.create_table(
        "tipos_producao",
        *_common("tipos_producao"),
        sa.Column("codigo", sa.String(length=40), nullable=False),
        sa.UniqueConstraint("codigo", name=op.f("uq_tipos_producao_codigo")),
    )
    op.create_table(
        "materiais", *_common("materiais"), sa.Column("valor_metro_quadrado", sa.BigInteger(), nullable=True)
    )
    op.create_table(
        "vendedores",
        *_common("vendedores"),
        sa.Column("comissao_percentual", sa.BigInteger(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("telefone", sa.String(length=40), nullable=False),
    )
    op.create_table(
        "designers",
        *_common("designers"),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("telefone", sa.String(length=40), nullable=False),
        sa.Column("usuario_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["usuario_id"], ["usuarios.id"], name=op.f("fk_designers_usuario_id_usuarios")),
    )
    op.create_table(
        "formas_pagamento",
        *_common("formas_pagamento"),
        sa.Column("parcelas_max", sa.Integer(), nullable=False),
        sa.Column("taxa_percentual", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "formas_envio",
        *_common("formas_envio"),
        sa.Column("valor", sa.BigInteger(), nullable=False),
        sa.Column("prazo_dias", sa.Integer(), nullable=False),
    )
    op.create_table("maquinas", *_common("maquinas"), sa.Column("descricao", sa.String(length=300), nullable=False))
    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(
        tipos,
        [
            {"codigo": codigo, "nome": nome, "nome_chave": chave_sem_acentos(nome), "ativo": True, "criado_em": now}
            for codigo, nome in TIPOS_PRODUCAO
        ],
    )


def downgrade() -> None:
    for table in ("maquinas", "formas_envio", "formas_pagamento", "designers", "vendedores", "materiais"):
        op.drop_table(table)
    op.drop_table("tipos_producao")
