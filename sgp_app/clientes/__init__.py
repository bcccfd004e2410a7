"""The customer registry and its routes under ``/clientes``: search as one types, CSV in and out."""

from .views import bp

__all__ = ["bp"]
