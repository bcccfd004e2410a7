"""Add revogacoes: token revocations as entries of the event log, ordered with the events.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 01:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "revogacoes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False),
        sa.Column("tokens", sa.Text(), nullable=False),
        sa.Column("criado_em", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revogacoes")),
    )
    with op.batch_alter_table("revogacoes") as batch_op:
        batch_op.create_index(batch_op.f("ix_revogacoes_criado_em"), ["criado_em"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("revogacoes") as batch_op:
        batch_op.drop_index(batch_op.f("ix_revogacoes_criado_em"))
    op.drop_table("revogacoes")
