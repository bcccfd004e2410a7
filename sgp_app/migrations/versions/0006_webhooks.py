"""Webhooks: endpoints (with their cursor and delivery lease) and their latest delivery attempts.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 03:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("segredo", sa.String(length=200), nullable=False),
        sa.Column("tipos", sa.Text(), nullable=True),
        sa.Column("ativo", sa.Boolean(), nullable=False),
        sa.Column("ultimo_evento_id", sa.BigInteger(), nullable=False),
        sa.Column("falhando_desde", sa.DateTime(), nullable=True),
        sa.Column("criado_em", sa.DateTime(), nullable=False),
        sa.Column("trava_dono", sa.String(length=100), nullable=True),
        sa.Column("trava_ate", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks")),
    )
    op.create_table(
        "webhook_entregas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("webhook_id", sa.Integer(), nullable=False),
        sa.Column("evento_id", sa.BigInteger(), nullable=False),
        sa.Column("tentativa", sa.Integer(), nullable=False),
        sa.Column("status_http", sa.Integer(), nullable=True),
        sa.Column("erro", sa.String(length=300), nullable=True),
        sa.Column("duracao_ms", sa.Integer(), nullable=False),
        sa.Column("timestamp", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["webhook_id"],
            ["webhooks.id"],
            name=op.f("fk_webhook_entregas_webhook_id_webhooks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_entregas")),
    )
    with op.batch_alter_table("webhook_entregas") as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_entregas_webhook_id"), ["webhook_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("webhook_entregas") as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_entregas_webhook_id"))
    op.drop_table("webhook_entregas")
    op.drop_table("webhooks")
