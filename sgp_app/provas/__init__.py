"""Proofs: a link the shop sends its customer to approve an item's art, or ask for changes, once."""

from .views import bp

__all__ = ["bp"]
