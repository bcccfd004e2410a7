"""Recompute pedidos.cliente_busca without punctuation: "Arco-Íris" is stored as "arco iris".

The search key as of this revision is copied here, so the migration keeps doing what it did
when the code that searches changes later.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 02:20:00
"""

import unicodedata
from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

LENGTH = 200
PAGE = 1000


def search_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join("".join(c if c.isalnum() else " " for c in letters).split())[:LENGTH]


def old_search_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))[:LENGTH]


def _recompute(key: Callable[[str], str]) -> None:
    connection = op.get_bind()
    pedidos = sa.table(
        "pedidos", sa.column("id", sa.Integer), sa.column("cliente", sa.String), sa.column("cliente_busca", sa.String)
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(pedidos.c.id, pedidos.c.cliente).where(pedidos.c.id > last).order_by(pedidos.c.id).limit(PAGE)
        ).all()
        if not rows:
            return
        connection.execute(
            pedidos.update().where(pedidos.c.id == sa.bindparam("pid")).values(cliente_busca=sa.bindparam("busca")),
            [{"pid": row.id, "busca": key(row.cliente)} for row in rows],
        )
        last = rows[-1].id


def upgrade() -> None:
    _recompute(search_key)


def downgrade() -> None:
    _recompute(old_search_key)
