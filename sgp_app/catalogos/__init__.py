"""The shop's catalogs (production types, materials, sellers, designers, payment and shipping
methods, machines) and their routes under ``/catalogos``."""

from .views import CATALOGOS, bp

__all__ = ["CATALOGOS", "bp"]
