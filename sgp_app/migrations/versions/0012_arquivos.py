"""Files on orders (arquivos), each item's art approval (itens_pedido.status_arte), the proofs sent
to customers (provas), and the customer's name on history entries they made (cliente_nome).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("itens_pedido") as batch_op:
        batch_op.add_column(sa.Column("status_arte", sa.String(length=20), nullable=False, server_default="sem_arte"))
    op.create_table(
        "arquivos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pedido_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("nome", sa.String(length=255), nullable=False),
        sa.Column("tipo", sa.String(length=40), nullable=False),
        sa.Column("tamanho", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("legenda", sa.String(length=300), nullable=False),
        sa.Column("tem_miniatura", sa.Boolean(), nullable=False),
        sa.Column("enviado_por_id", sa.Integer(), nullable=True),
        sa.Column("enviado_por_nome", sa.String(length=80), nullable=True),
        sa.Column("criado_em", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["itens_pedido.id"], name=op.f("fk_arquivos_item_id_itens_pedido"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["pedido_id"], ["pedidos.id"], name=op.f("fk_arquivos_pedido_id_pedidos")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arquivos")),
    )
    with op.batch_alter_table("arquivos") as batch_op:
        batch_op.create_index(batch_op.f("ix_arquivos_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_arquivos_pedido_id"), ["pedido_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_arquivos_sha256"), ["sha256"], unique=False)
    op.create_table(
        "provas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pedido_id", sa.Integer(), nullable=False),
        sa.Column("arquivo_id", sa.Integer(), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("mensagem", sa.String(length=500), nullable=False),
        sa.Column("criado_em", sa.DateTime(), nullable=False),
        sa.Column("expira_em", sa.DateTime(), nullable=False),
        sa.Column("criado_por_id", sa.Integer(), nullable=True),
        sa.Column("criado_por_nome", sa.String(length=80), nullable=True),
        sa.Column("decisao", sa.String(length=20), nullable=True),
        sa.Column("comentario", sa.String(length=1000), nullable=False),
        sa.Column("nome_cliente", sa.String(length=120), nullable=False),
        sa.Column("decidido_em", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["arquivo_id"], ["arquivos.id"], name=op.f("fk_provas_arquivo_id_arquivos"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["itens_pedido.id"], name=op.f("fk_provas_item_id_itens_pedido"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["pedido_id"], ["pedidos.id"], name=op.f("fk_provas_pedido_id_pedidos")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provas")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_provas_token_hash")),
    )
    with op.batch_alter_table("provas") as batch_op:
        batch_op.create_index(batch_op.f("ix_provas_pedido_id"), ["pedido_id"], unique=False)
    with op.batch_alter_table("historico_pedidos") as batch_op:
        batch_op.add_column(sa.Column("cliente_nome", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("historico_pedidos") as batch_op:
        batch_op.drop_column("cliente_nome")
    with op.batch_alter_table("provas") as batch_op:
        batch_op.drop_index(batch_op.f("ix_provas_pedido_id"))
    op.drop_table("provas")
    with op.batch_alter_table("itens_pedido") as batch_op:
        batch_op.drop_column("status_arte")
    with op.batch_alter_table("arquivos") as batch_op:
        batch_op.drop_index(batch_op.f("ix_arquivos_sha256"))
        batch_op.drop_index(batch_op.f("ix_arquivos_pedido_id"))
        batch_op.drop_index(batch_op.f("ix_arquivos_item_id"))
    op.drop_table("arquivos")
