"""Imports from another system (importados): each row brought in, what it became, how it was.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "importados",
        sa.Column("origem", sa.String(length=20), nullable=False),
        sa.Column("tipo", sa.String(length=20), nullable=False),
        sa.Column("id_origem", sa.String(length=64), nullable=False),
        sa.Column("id_local", sa.Integer(), nullable=False),
        sa.Column("assinatura", sa.String(length=64), nullable=False),
        sa.Column("versao_local", sa.Integer(), nullable=True),
        sa.Column("importado_em", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("origem", "tipo", "id_origem", name=op.f("pk_importados")),
    )


def downgrade() -> None:
    op.drop_table("importados")
