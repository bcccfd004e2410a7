"""Production steps and sectors: the steps done on each order (etapas_pedido) and each user's
sectors (usuarios.setores). Orders already ready or delivered get every step of SGP_ETAPAS done (by
nobody, when they were last changed), so they wait in no sector's queue.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 02:00:00
"""

import sqlalchemy as sa
from alembic import op
from flask import current_app

from sgp_app.config import etapas

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("usuarios") as batch_op:
        batch_op.add_column(sa.Column("setores", sa.JSON(), nullable=True))
    usuarios = sa.table("usuarios", sa.column("setores", sa.JSON))
    op.get_bind().execute(usuarios.update().values(setores=[]))
    with op.batch_alter_table("usuarios") as batch_op:
        batch_op.alter_column("setores", existing_type=sa.JSON(), nullable=False)
    table = op.create_table(
        "etapas_pedido",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pedido_id", sa.Integer(), nullable=False),
        sa.Column("etapa", sa.String(length=40), nullable=False),
        sa.Column("por_id", sa.Integer(), nullable=True),
        sa.Column("por_nome", sa.String(length=80), nullable=True),
        sa.Column("em", sa.DateTime(), nullable=False),
        sa.Column("maquina_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["maquina_id"], ["maquinas.id"], name=op.f("fk_etapas_pedido_maquina_id_maquinas")),
        sa.ForeignKeyConstraint(["pedido_id"], ["pedidos.id"], name=op.f("fk_etapas_pedido_pedido_id_pedidos")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_etapas_pedido")),
        sa.UniqueConstraint("pedido_id", "etapa", name=op.f("uq_etapas_pedido_pedido_id")),
    )
    with op.batch_alter_table("etapas_pedido") as batch_op:
        batch_op.create_index(batch_op.f("ix_etapas_pedido_etapa"), ["etapa"], unique=False)
        batch_op.create_index(batch_op.f("ix_etapas_pedido_pedido_id"), ["pedido_id"], unique=False)
    pedidos = sa.table("pedidos", sa.column("id", sa.Integer), sa.column("status", sa.String),
                       sa.column("atualizado_em", sa.DateTime))  # fmt: skip
    prontos = (
        op.get_bind()
        .execute(sa.select(pedidos.c.id, pedidos.c.atualizado_em).where(pedidos.c.status.in_(("pronto", "entregue"))))
        .all()
    )
    steps = etapas(current_app.config) if current_app else ()
    rows = [{"pedido_id": p.id, "etapa": step, "em": p.atualizado_em} for p in prontos for step in steps]
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    with op.batch_alter_table("etapas_pedido") as batch_op:
        batch_op.drop_index(batch_op.f("ix_etapas_pedido_pedido_id"))
        batch_op.drop_index(batch_op.f("ix_etapas_pedido_etapa"))
    op.drop_table("etapas_pedido")
    with op.batch_alter_table("usuarios") as batch_op:
        batch_op.drop_column("setores")
