"""The shapes of files on orders."""

from typing import Annotated

from pydantic import BaseModel, Field

from ..fields import PreciseTimestamp, Text
from ..pedidos.schemas import Autor

LEGENDA = Text(300)


class Arquivo(BaseModel):
    """A file on an order; ``url`` and ``miniatura_url`` are signed and expire (SGP_FILE_URL_TTL), so
    an ``<img>`` loads them without a token."""

    id: int
    pedido_id: int
    item_id: int | None = Field(description="the item it belongs to, or null for the order's own")
    nome: str = Field(description="as uploaded, for people (never a path)")
    tipo: str = Field(
        description="image/png, image/jpeg, image/webp, image/tiff or application/pdf, read from the content"
    )
    tamanho: int
    sha256: str
    legenda: str
    enviado_por: Annotated[Autor | None, Field(description="who sent it")]
    criado_em: PreciseTimestamp
    url: str
    miniatura_url: str | None = Field(description="a thumbnail at most 320 px on its longer side, or null")


UPLOAD_SCHEMA = {
    "type": "object",
    "required": ["arquivo"],
    "properties": {
        "arquivo": {"type": "string", "format": "binary", "description": "PNG, JPEG, WebP, TIFF or PDF"},
        "item_id": {"type": "integer", "minimum": 1, "description": "one of this order's items"},
        "legenda": {"type": "string", "maxLength": 300},
    },
}
