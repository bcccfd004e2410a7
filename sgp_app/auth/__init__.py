"""Authentication: users, session tokens, and the routes under ``/auth``."""

from .guard import bearer_token, login_required
from .views import bp

__all__ = ["bp", "bearer_token", "login_required"]
