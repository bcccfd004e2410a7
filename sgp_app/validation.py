"""Checking a request body against its pydantic model, every problem reported at once in Portuguese."""

from collections.abc import Collection, Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic import ValidationError as ModelValidationError

from .errors import ValidationError

M = TypeVar("M", bound=BaseModel)

MESSAGES = {
    "missing": "Obrigatório",
    "model_type": "Deve ser um objeto",
    "model_attributes_type": "Deve ser um objeto",
    "dict_type": "Deve ser um objeto",
    "list_type": "Deve ser uma lista",
}


def parse(
    model: type[M], data: object, *, context: Mapping[str, Any] | None = None, read_only: Collection[str] = ()
) -> M:
    """``model`` validated from ``data``; :class:`ValidationError` (422) naming each field otherwise.

    :param read_only: fields the answer shows but a request may not set ("Campo somente leitura");
        by default the model's own ``read_only`` class attribute.
    """
    read_only = read_only or getattr(model, "read_only", ())
    try:
        return model.model_validate(data, context=context)
    except ModelValidationError as exc:
        fields: dict[str, str] = {}
        for error in exc.errors(include_url=False):
            if error["type"] == "string_unicode" and isinstance(error["input"], str):
                # A field name pydantic cannot read (a lone surrogate): no field has such a name.
                fields.setdefault(field_key((*error["loc"], error["input"])), "Campo desconhecido")
                continue
            key = field_key(error["loc"])
            fields.setdefault(key, _message(error, key, read_only))
        raise ValidationError(fields) from None


def field_key(loc: Sequence[int | str]) -> str:
    """``("itens", 0, "quantidade")`` is ``"itens[0].quantidade"``."""
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key


def _message(error: Mapping[str, Any], key: str, read_only: Collection[str]) -> str:
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    if error["type"] == "extra_forbidden":
        return "Campo somente leitura" if key in read_only else "Campo desconhecido"
    if error["type"] in MESSAGES:
        return (
            "Cada item deve ser um objeto" if key.startswith("itens[") and "." not in key else MESSAGES[error["type"]]
        )
    return "Valor inválido"
