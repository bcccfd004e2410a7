"""Unbound extension objects, bound to the app in :func:`sgp_app.create_app`."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_sock import Sock
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


# Request-scoped sessions: objects stay readable after commit without a reload.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
sock = Sock()
# Limits are declared on the routes; nothing is limited by default.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
