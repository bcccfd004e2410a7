"""Authentication: users, session tokens, the guard, and the routes under ``/auth`` (``auth.views``)."""

from .guard import authorize, bearer_token

__all__ = ["authorize", "bearer_token"]
