"""Add recargas: "reload the list" entries of the event log (an import), ordered with the events.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 13:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recargas",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False),
        sa.Column("motivo", sa.String(length=40), nullable=False),
        sa.Column("criado_em", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recargas")),
    )
    with op.batch_alter_table("recargas") as batch_op:
        batch_op.create_index(batch_op.f("ix_recargas_criado_em"), ["criado_em"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("recargas") as batch_op:
        batch_op.drop_index(batch_op.f("ix_recargas_criado_em"))
    op.drop_table("recargas")
