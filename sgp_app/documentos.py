"""Brazilian identifiers: CPF and CNPJ with their check digits, CEP, and the states (UF).

Each ``*_digitos`` function takes what people type ("123.456.789-09", "29.000-000") and gives
the digits as stored, or raises ``ValueError`` with the reason, in Portuguese, for the field's
error message.
"""

import re

UFS = frozenset(
    ("AC", "AL", "AP", "AM", "BA", "CE", "DF", "ES", "GO", "MA", "MT", "MS", "MG", "PA")
    + ("PB", "PR", "PE", "PI", "RJ", "RN", "RS", "RO", "RR", "SC", "SP", "SE", "TO")
)
# What may sit between the digits of a document, a CEP or a phone as people write them.
SEPARADORES = re.compile(r"[\s.\-/()]+")


def digitos(value: str) -> str:
    """Only the ASCII digits of ``value``: "(27) 99999-0000" is "27999990000"."""
    return "".join(c for c in value if c.isascii() and c.isdigit())


def _so_digitos(value: str, what: str) -> str:
    """The digits of ``value``, which may hold only digits and the usual separators."""
    if SEPARADORES.sub("", value) != digitos(value):
        raise ValueError(f"{what}: só dígitos, pontos, traços e barra")
    return digitos(value)


def _digito(numeros: str, pesos: range | list[int]) -> str:
    resto = sum(int(n) * p for n, p in zip(numeros, pesos, strict=True)) % 11
    return "0" if resto < 2 else str(11 - resto)


def cpf_valido(numeros: str) -> bool:
    """Whether eleven digits are a CPF: two check digits (mod 11), and not one digit repeated."""
    if len(numeros) != 11 or len(set(numeros)) == 1:
        return False
    primeiro = _digito(numeros[:9], range(10, 1, -1))
    return numeros[9:] == primeiro + _digito(numeros[:9] + primeiro, range(11, 1, -1))


CNPJ_PESOS = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]


def cnpj_valido(numeros: str) -> bool:
    """Whether fourteen digits are a CNPJ: two check digits (mod 11), and not one digit repeated."""
    if len(numeros) != 14 or len(set(numeros)) == 1:
        return False
    primeiro = _digito(numeros[:12], CNPJ_PESOS)
    return numeros[12:] == primeiro + _digito(numeros[:12] + primeiro, [6, *CNPJ_PESOS])


def documento_digitos(value: str) -> str:
    """A CPF (11 digits) or CNPJ (14) as stored: its digits, check digits verified; "" for none."""
    numeros = _so_digitos(value, "Documento")
    if not numeros:
        return ""
    if len(numeros) == 11:
        if not cpf_valido(numeros):
            raise ValueError("CPF inválido: os dígitos verificadores não conferem")
    elif len(numeros) == 14:
        if not cnpj_valido(numeros):
            raise ValueError("CNPJ inválido: os dígitos verificadores não conferem")
    else:
        raise ValueError("Um CPF tem 11 dígitos e um CNPJ 14")
    return numeros


def documento_formatado(numeros: str) -> str:
    """A stored document as people write it: 123.456.789-09 or 12.345.678/0001-95."""
    if len(numeros) == 11:
        return f"{numeros[:3]}.{numeros[3:6]}.{numeros[6:9]}-{numeros[9:]}"
    if len(numeros) == 14:
        return f"{numeros[:2]}.{numeros[2:5]}.{numeros[5:8]}/{numeros[8:12]}-{numeros[12:]}"
    return numeros


def cep_digitos(value: str) -> str:
    """A CEP as stored: eight digits; "" for none."""
    numeros = _so_digitos(value, "CEP")
    if numeros and len(numeros) != 8:
        raise ValueError("Um CEP tem 8 dígitos, como 29000-000")
    return numeros


def cep_formatado(numeros: str) -> str:
    return f"{numeros[:5]}-{numeros[5:]}" if len(numeros) == 8 else numeros


def uf(value: str) -> str:
    """A state as stored: its two capital letters; "" for none."""
    sigla = value.strip().upper()
    if sigla and sigla not in UFS:
        raise ValueError("Sigla de estado brasileiro, como ES ou SP")
    return sigla
