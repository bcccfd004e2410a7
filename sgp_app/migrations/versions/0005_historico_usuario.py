"""Who changed what: ``usuario`` on every event, and the history of each order.

Adds ``eventos.usuario_id`` / ``usuario_nome`` and the ``historico_pedidos`` table. Orders
stored before this revision get one ``pedido_criado`` entry (author unknown, at ``criado_em``);
their earlier changes were never recorded.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 03:10:00
"""

from datetime import UTC

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

PAGE = 1000


def upgrade() -> None:
    with op.batch_alter_table("eventos") as batch_op:
        batch_op.add_column(sa.Column("usuario_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("usuario_nome", sa.String(length=80), nullable=True))
    historico = op.create_table(
        "historico_pedidos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pedido_id", sa.Integer(), nullable=False),
        sa.Column("versao", sa.Integer(), nullable=False),
        sa.Column("tipo", sa.String(length=30), nullable=False),
        sa.Column("usuario_id", sa.Integer(), nullable=True),
        sa.Column("usuario_nome", sa.String(length=80), nullable=True),
        sa.Column("timestamp", sa.String(length=40), nullable=False),
        sa.Column("alteracoes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["pedido_id"], ["pedidos.id"], name=op.f("fk_historico_pedidos_pedido_id_pedidos")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_historico_pedidos")),
    )
    with op.batch_alter_table("historico_pedidos") as batch_op:
        batch_op.create_index(batch_op.f("ix_historico_pedidos_pedido_id"), ["pedido_id"], unique=False)
    _backfill_creations(historico)


def _backfill_creations(historico: sa.Table) -> None:
    connection = op.get_bind()
    pedidos = sa.table("pedidos", sa.column("id", sa.Integer), sa.column("criado_em", sa.DateTime))
    last = 0
    while True:
        rows = connection.execute(
            sa.select(pedidos.c.id, pedidos.c.criado_em).where(pedidos.c.id > last).order_by(pedidos.c.id).limit(PAGE)
        ).all()
        if not rows:
            return
        op.bulk_insert(
            historico,
            [
                {
                    "pedido_id": row.id,
                    "versao": 1,
                    "tipo": "pedido_criado",
                    "timestamp": row.criado_em.replace(tzinfo=UTC).isoformat(),
                    "alteracoes": "{}",
                }
                for row in rows
            ],
        )
        last = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table("historico_pedidos") as batch_op:
        batch_op.drop_index(batch_op.f("ix_historico_pedidos_pedido_id"))
    op.drop_table("historico_pedidos")
    with op.batch_alter_table("eventos") as batch_op:
        batch_op.drop_column("usuario_nome")
        batch_op.drop_column("usuario_id")
