"""Unbound extension objects, bound to the app in :func:`sgp_app.create_app`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sock import Sock
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    # Named constraints, so that later migrations can find them to alter or drop them.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


# Request-scoped sessions: objects stay readable after commit without a reload.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
# The models' base: Flask-SQLAlchemy's db.Model (Base with its mixins), which a type checker sees as Base.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
sock = Sock()
migrate = Migrate()
# Limits are declared on the routes; nothing is limited by default.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
