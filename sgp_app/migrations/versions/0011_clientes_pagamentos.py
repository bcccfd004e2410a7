"""Customers and payments: the customer registry (clientes) with the words it is searched by
(cliente_palavras), orders' cliente_id, payments (pagamentos) and each order's paid sum (valor_pago).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 05:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    palavra = sa.String(length=60).with_variant(sa.String(length=60, collation="C"), "postgresql")
    chave = sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql")
    op.create_table(
        "clientes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nome", sa.String(length=200), nullable=False),
        sa.Column("nome_chave", chave, nullable=False),
        sa.Column("documento", sa.String(length=14), nullable=True),
        sa.Column("telefone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("cep", sa.String(length=8), nullable=False),
        sa.Column("endereco", sa.String(length=300), nullable=False),
        sa.Column("cidade", sa.String(length=120), nullable=False),
        sa.Column("estado", sa.String(length=2), nullable=False),
        sa.Column("observacao", sa.Text(), nullable=False),
        sa.Column("ativo", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("versao", sa.Integer(), nullable=False),
        sa.Column("criado_em", sa.DateTime(), nullable=False),
        sa.Column("atualizado_em", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clientes")),
        sa.UniqueConstraint("documento", name=op.f("uq_clientes_documento")),
    )
    with op.batch_alter_table("clientes") as batch_op:
        batch_op.create_index(batch_op.f("ix_clientes_nome_chave"), ["nome_chave"], unique=False)
    op.create_table(
        "cliente_palavras",
        sa.Column("palavra", palavra, nullable=False),
        sa.Column("ativo", sa.Boolean(), nullable=False),
        sa.Column("nome_chave", chave, nullable=False),
        sa.Column("cliente_id", sa.Integer(), nullable=False),
        sa.Column("anterior", palavra, nullable=False),
        sa.ForeignKeyConstraint(["cliente_id"], ["clientes.id"], name=op.f("fk_cliente_palavras_cliente_id_clientes")),
        sa.PrimaryKeyConstraint(
            "palavra",
            "ativo",
            "nome_chave",
            "cliente_id",
            name=op.f("pk_cliente_palavras"),
            postgresql_include=["anterior"],
        ),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_cliente_palavras_cliente_id"), "cliente_palavras", ["cliente_id"], unique=False)
    op.create_table(
        "pagamentos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pedido_id", sa.Integer(), nullable=False),
        sa.Column("valor", sa.BigInteger(), nullable=False),
        sa.Column("forma_pagamento_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.Date(), nullable=False),
        sa.Column("observacao", sa.String(length=500), nullable=False),
        sa.Column("usuario_id", sa.Integer(), nullable=True),
        sa.Column("usuario_nome", sa.String(length=80), nullable=True),
        sa.Column("criado_em", sa.DateTime(), nullable=False),
        sa.Column("estornado_em", sa.DateTime(), nullable=True),
        sa.Column("estornado_por_id", sa.Integer(), nullable=True),
        sa.Column("estornado_por_nome", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["forma_pagamento_id"],
            ["formas_pagamento.id"],
            name=op.f("fk_pagamentos_forma_pagamento_id_formas_pagamento"),
        ),
        sa.ForeignKeyConstraint(["pedido_id"], ["pedidos.id"], name=op.f("fk_pagamentos_pedido_id_pedidos")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pagamentos")),
    )
    with op.batch_alter_table("pagamentos") as batch_op:
        batch_op.create_index(batch_op.f("ix_pagamentos_pedido_id"), ["pedido_id"], unique=False)
    with op.batch_alter_table("pedidos") as batch_op:
        batch_op.add_column(sa.Column("cliente_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("valor_pago", sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.create_index(batch_op.f("ix_pedidos_cliente_id"), ["cliente_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_pedidos_cliente_id_clientes"), "clientes", ["cliente_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("pedidos") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_pedidos_cliente_id_clientes"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_pedidos_cliente_id"))
        batch_op.drop_column("valor_pago")
        batch_op.drop_column("cliente_id")
    with op.batch_alter_table("pagamentos") as batch_op:
        batch_op.drop_index(batch_op.f("ix_pagamentos_pedido_id"))
    op.drop_table("pagamentos")
    op.drop_index(op.f("ix_cliente_palavras_cliente_id"), table_name="cliente_palavras")
    op.drop_table("cliente_palavras")
    with op.batch_alter_table("clientes") as batch_op:
        batch_op.drop_index(batch_op.f("ix_clientes_nome_chave"))
    op.drop_table("clientes")
