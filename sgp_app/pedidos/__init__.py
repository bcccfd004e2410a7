"""Orders (``pedidos``): validation, rules, and the REST routes."""

from .views import bp

__all__ = ["bp"]
