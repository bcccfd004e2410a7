"""An order's status machine, in one place: the service enforces it, the schemas validate with it,
and ``GET /pedidos/contrato`` serves it to the board (which draws its columns and moves from it)."""

# In the order an order moves through them: the board's columns, left to right.
STATUSES = ("pendente", "em_producao", "pronto", "entregue", "cancelado")
FINAL_STATUSES = ("entregue", "cancelado")  # any change to such an order is 409
PRIORIDADES = ("NORMAL", "ALTA")
TRANSITIONS: dict[str, frozenset[str]] = {
    "pendente": frozenset({"em_producao", "cancelado"}),
    "em_producao": frozenset({"pronto", "pendente", "cancelado"}),
    "pronto": frozenset({"entregue", "em_producao", "cancelado"}),
    "entregue": frozenset(),
    "cancelado": frozenset(),
}


def allowed(old: str, new: str) -> bool:
    """Whether an order may move from ``old`` to ``new`` (staying put is no move)."""
    return new == old or new in TRANSITIONS[old]


def contrato() -> dict[str, object]:
    """The machine as the board reads it: statuses in column order, moves, finals."""
    return {
        "status": list(STATUSES),
        "transicoes": {status: sorted(targets, key=STATUSES.index) for status, targets in TRANSITIONS.items()},
        "finais": list(FINAL_STATUSES),
        "prioridades": list(PRIORIDADES),
    }
