"""Reports: an index on the orders' due dates (the board's strip and reports by due date read it),
and a partial index on the balance of the orders not cancelled (the strip's "owed" reads its range).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pedidos") as batch_op:
        batch_op.create_index(batch_op.f("ix_pedidos_data_entrega"), ["data_entrega"], unique=False)
    op.create_index(
        "ix_pedidos_saldo",
        "pedidos",
        [sa.text("(valor_itens + valor_frete - valor_pago)")],
        sqlite_where=sa.text("status != 'cancelado'"),
        postgresql_where=sa.text("status != 'cancelado'"),
    )


def downgrade() -> None:
    op.drop_index("ix_pedidos_saldo", table_name="pedidos")
    with op.batch_alter_table("pedidos") as batch_op:
        batch_op.drop_index(batch_op.f("ix_pedidos_data_entrega"))
