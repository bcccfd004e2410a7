"""Add usuarios.username_chave: names that read the same are one user (issue: look-alike usernames).

Existing names are keyed as :mod:`sgp_app.nomes` keys them as of this revision (copied here, so the
migration keeps doing what it did when that code changes). Names that already collide (``ana``
and ``ANA``, made before this rule) keep working: the oldest gets the plain key, each later one the
key with ``#<id>`` after it, so no row is lost and each still logs in by its exact name.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 22:10:00
"""

import logging
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def chave(username: str) -> str:
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", username).casefold())
    return " ".join(folded.split())


def upgrade() -> None:
    with op.batch_alter_table("usuarios") as batch_op:
        batch_op.add_column(sa.Column("username_chave", sa.String(length=320), nullable=True))
    connection = op.get_bind()
    usuarios = sa.table("usuarios", sa.column("id", sa.Integer), sa.column("username", sa.String),
                        sa.column("username_chave", sa.String))  # fmt: skip
    taken = set()
    for row in connection.execute(sa.select(usuarios.c.id, usuarios.c.username).order_by(usuarios.c.id)).all():
        key = chave(row.username)[:300]
        if key in taken:
            log.warning("user %d's name reads the same as an older user's: keyed apart (%s)", row.id, key)
            key = f"{key}#{row.id}"
        taken.add(key)
        connection.execute(usuarios.update().where(usuarios.c.id == row.id).values(username_chave=key))
    with op.batch_alter_table("usuarios") as batch_op:
        batch_op.alter_column("username_chave", existing_type=sa.String(length=320), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_usuarios_username_chave"), ["username_chave"])


def downgrade() -> None:
    with op.batch_alter_table("usuarios") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_usuarios_username_chave"), type_="unique")
        batch_op.drop_column("username_chave")
