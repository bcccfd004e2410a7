"""Authentication: users, session tokens, and the routes under ``/auth``."""

from .guard import admin_required, bearer_token, login_required
from .views import bp

__all__ = ["bp", "admin_required", "bearer_token", "login_required"]
