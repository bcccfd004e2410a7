"""A long import's progress on the terminal: one line redrawn in place (counts, share, rate), or,
when the output is no terminal (a log, a pipe), a plain line now and then."""

import sys
import time
from typing import TextIO


class Progresso:
    """Called as ``progresso(kind, done, total)`` by the importer.

    :param saida: where to write (stderr by default: the report goes to stdout).
    :param intervalo: seconds between plain lines when ``saida`` is no terminal.
    """

    def __init__(self, saida: TextIO | None = None, intervalo: float = 5.0) -> None:
        self.saida = saida or sys.stderr
        self.terminal = self.saida.isatty()
        self.intervalo = intervalo
        self.inicio = self.ultimo = time.monotonic()

    def __call__(self, tipo: str, feitos: int, total: int) -> None:
        agora = time.monotonic()
        if feitos == 0:
            self.inicio = self.ultimo = agora
        fim = feitos >= total
        if not fim and agora - self.ultimo < (0.1 if self.terminal else self.intervalo):
            return
        self.ultimo = agora
        ritmo = feitos / max(agora - self.inicio, 1e-6)
        parte = f" ({100 * feitos / total:.0f}%)" if total else ""
        linha = f"{tipo}: {feitos:,}/{total:,}{parte} · {ritmo:,.0f}/s".replace(",", ".")
        if self.terminal:
            barra = "█" * int(30 * feitos / total) if total else ""
            self.saida.write(f"\r{linha} {barra:<30}" + ("\n" if fim else ""))
        else:
            self.saida.write(linha + "\n")
        self.saida.flush()
