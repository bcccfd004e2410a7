"""User management under ``/usuarios``: admins create, disable and reset users."""

from .views import bp

__all__ = ["bp"]
