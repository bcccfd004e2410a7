"""Items of a print order: base price and additions, material, seller, designer, finishing, seams,
notes, per-type details, and the area kept for reports. Stored items come forward: their price
becomes their base (no additions), no finishing, and their area is computed where both sides are known.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 01:30:00
"""

from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SEM_ACABAMENTO = {"overloque": False, "elastico": False, "bainha": False, "ilhos": None, "cordinha": None}


def upgrade() -> None:
    with op.batch_alter_table("itens_pedido") as batch_op:
        batch_op.add_column(sa.Column("valor_base", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("valores_adicionais", sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("material", sa.String(length=120), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("vendedor_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("designer_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("acabamento", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("emenda_quantidade", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("observacao", sa.String(length=1000), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("detalhes", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("metro_quadrado", sa.BigInteger(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_itens_pedido_vendedor_id_vendedores"), "vendedores", ["vendedor_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_itens_pedido_designer_id_designers"), "designers", ["designer_id"], ["id"]
        )
    itens = sa.table(
        "itens_pedido",
        sa.column("id", sa.Integer),
        sa.column("quantidade", sa.Integer),
        sa.column("valor_unitario", sa.BigInteger),
        sa.column("largura", sa.BigInteger),
        sa.column("altura", sa.BigInteger),
        sa.column("valor_base", sa.BigInteger),
        sa.column("acabamento", sa.JSON),
        sa.column("detalhes", sa.JSON),
        sa.column("metro_quadrado", sa.BigInteger),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(itens.c.id, itens.c.quantidade, itens.c.largura, itens.c.altura)).all()
    connection.execute(itens.update().values(valor_base=itens.c.valor_unitario, acabamento=SEM_ACABAMENTO, detalhes={}))
    for row in rows:
        if row.largura is not None and row.altura is not None:  # cents of metres, as the Money type stores them
            area = (Decimal(row.largura) / 100 * Decimal(row.altura) / 100 * row.quantidade).quantize(
                Decimal("0.01"), rounding=ROUND_HALF_UP
            )
            connection.execute(itens.update().where(itens.c.id == row.id).values(metro_quadrado=int(area * 100)))
    with op.batch_alter_table("itens_pedido") as batch_op:
        batch_op.alter_column("valor_base", existing_type=sa.BigInteger(), nullable=False)
        batch_op.alter_column("acabamento", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("detalhes", existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("itens_pedido") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_itens_pedido_designer_id_designers"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_itens_pedido_vendedor_id_vendedores"), type_="foreignkey")
        for column in ("metro_quadrado", "detalhes", "emenda_quantidade", "observacao", "acabamento",
                       "designer_id", "vendedor_id", "material", "valores_adicionais", "valor_base"):  # fmt: skip
            batch_op.drop_column(column)
