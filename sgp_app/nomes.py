"""Usernames: which names are the same user, and what a name may hold.

Two names are one user when they read the same: equal after NFKC normalisation, case folding and
folding runs of spaces (``dupla`` and ``DUPLA``, NFC and NFD ``café``, fullwidth ``ｄｕｐｌａ``).
That key (:func:`chave`) is unique and is what a login looks up. A name may not hold what nobody
sees or what changes how the text around it reads: control and format characters (a zero-width
space, a right-to-left override), line separators, unassigned or private code points, and the
few letters and marks that draw as blank space.
"""

import unicodedata

MAX_USERNAME = 80
MAX_CHAVE = 320  # NFKC can lengthen a name (ligatures, "㎏"): a key this long is no name people type
REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
# Letters and marks that draw as nothing: Hangul fillers, the braille blank, the combining grapheme
# joiner, Khmer's inherent vowels, Mongolian and Unicode variation selectors.
INVISIBLE = {
    0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x2800, 0x3164, 0xFFA0,
    *range(0x180B, 0x1810), *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0),
}  # fmt: skip


def chave(username: str) -> str:
    """The key two names share when they read the same (case, width, composition and spacing aside)."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", username).casefold())
    return " ".join(folded.split())


def chave_sem_acentos(nome: str) -> str:
    """The key of a catalog name: as :func:`chave`, and accents aside too (``Impressão`` is ``impressao``)."""
    decomposed = unicodedata.normalize("NFKD", chave(nome))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def refused_character(username: str) -> str | None:
    """The first character a name may not hold, or ``None``."""
    for char in username:
        if unicodedata.category(char) in REFUSED_CATEGORIES or ord(char) in INVISIBLE:
            return char
    return None


def check(value: object) -> str:
    """A username as stored (NFC, trimmed, single spaces); ``ValueError`` with the reason otherwise."""
    if not isinstance(value, str):
        raise ValueError("Deve ser texto")
    bad = refused_character(value)
    if bad is not None:
        raise ValueError(f"Caractere invisível ou de controle não é aceito (U+{ord(bad):04X})")
    name = " ".join(unicodedata.normalize("NFC", value).split())
    if not name:
        raise ValueError("Obrigatório")
    if len(name) > MAX_USERNAME:
        raise ValueError(f"No máximo {MAX_USERNAME} caracteres")
    if len(chave(name)) > MAX_CHAVE:
        raise ValueError("Nome longo demais depois de normalizado")
    return name


def duplicate_message(wanted: str, taken: str) -> str:
    """409's words: the name asked for is taken, by that very name or by one that reads the same."""
    if wanted == taken:
        return f"O usuário “{wanted}” já existe"
    return f"O usuário “{wanted}” já existe como “{taken}” (nomes que se leem iguais são o mesmo usuário)"
