"""Reports: the month-end closing (``/relatorios/fechamento``) and the board's day summary (``/relatorios/resumo``)."""

from .views import bp

__all__ = ["bp"]
