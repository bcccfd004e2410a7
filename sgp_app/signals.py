"""What the rest of the app can hear, as named blinker signals (Flask's own mechanism).

All are sent after the transaction that wrote the entries commits, never for a rollback,
with the app as sender and ``messages``: the committed log entries, in id order.
"""

from blinker import Namespace

_signals = Namespace()

#: Order events (``pedido_criado`` …), each exactly as sent on ``/ws/pedidos``.
eventos_committed = _signals.signal("eventos-committed")
#: Session tokens revoked (logout, a disabled user, a new password), as event-log entries:
#: ``{"control": "tokens_revogados", "evento_id": N, "tokens": [sha256, …]}``.
tokens_revoked = _signals.signal("tokens-revoked")
#: A change too wide to send order by order (an import): every client reloads its list.
#: ``{"control": "recarregar", "evento_id": N, "motivo": "importacao"}``.
lista_recarregada = _signals.signal("lista-recarregada")
