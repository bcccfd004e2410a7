"""What a file is, read from its bytes (never from its name or the header a client sent), and its
thumbnail, made by well-kept libraries: Pillow for images, pypdfium2 (PDFium) for a PDF's first page.

Thumbnails are made in a process of their own (:func:`miniatura_isolada`, running this module),
with a time limit and a memory ceiling: a decoder reading an untrusted file may take what it
likes (PDFium reads a whole broken PDF of 100 MiB into memory to repair it; a large TIFF decodes to
hundreds of MiB), and none of it stays in, or can stall, the worker that serves the sockets.
"""

from __future__ import annotations

import io
import logging
import resource
import subprocess
import sys
import warnings

TAMANHO_MINIATURA = 320  # the thumbnail's longer side, pixels
LOGGER = logging.getLogger(__name__)

# The first bytes of each type taken (their "magic numbers"); anything else is 415.
ASSINATURAS = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"%PDF-", "application/pdf"),
)
TIPOS = ("image/png", "image/jpeg", "image/webp", "image/tiff", "application/pdf")
EXTENSAO = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "image/tiff": "tif",
    "application/pdf": "pdf",
}


def tipo(cabeca: bytes) -> str | None:
    """The media type of a file that starts with ``cabeca`` (its first 16 bytes), or ``None``."""
    if cabeca[:4] == b"RIFF" and cabeca[8:12] == b"WEBP":
        return "image/webp"
    for assinatura, nome in ASSINATURAS:
        if cabeca.startswith(assinatura):
            return nome
    return None


def miniatura(caminho: str, media: str, max_pixels: int) -> bytes | None:
    """A WebP at most 320 px on its longer side, without the original's metadata; ``None`` when
    none can be made (a damaged file, an image of more than ``max_pixels``, a decompression bomb)."""
    from PIL import Image, ImageOps

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if media == "application/pdf":
                imagem = _primeira_pagina(caminho)
            else:
                imagem = Image.open(caminho)
                if imagem.width * imagem.height > max_pixels:  # read from the header: nothing decoded yet
                    LOGGER.info(
                        "no thumbnail: %d×%d pixels is beyond SGP_MAX_IMAGE_PIXELS", imagem.width, imagem.height
                    )
                    return None
                imagem.draft("RGB", (TAMANHO_MINIATURA, TAMANHO_MINIATURA))  # JPEG: decode at a smaller scale
                imagem = ImageOps.exif_transpose(imagem)  # as the camera held it
            imagem.thumbnail((TAMANHO_MINIATURA, TAMANHO_MINIATURA))
            imagem = imagem.convert("RGBA" if "A" in imagem.getbands() else "RGB")
            saida = io.BytesIO()
            imagem.save(saida, "WEBP", quality=80)  # a new file: no EXIF, GPS or ICC of the original
            return saida.getvalue()
    except Exception as exc:  # noqa: BLE001 - whatever Pillow or PDFium raise on a file they cannot read
        LOGGER.info("no thumbnail for a %s: %s", media, type(exc).__name__)
        return None


def _primeira_pagina(caminho: str):  # type: ignore[no-untyped-def]  # a PIL image
    import pypdfium2 as pdfium

    documento = pdfium.PdfDocument(caminho)
    try:
        pagina = documento[0]
        largura, altura = pagina.get_size()  # points
        escala = TAMANHO_MINIATURA / max(largura, altura, 1)
        return pagina.render(scale=escala).to_pil()
    finally:
        documento.close()


def miniatura_isolada(caminho: str, media: str, max_pixels: int, segundos: float, memoria_mib: int) -> bytes | None:
    """:func:`miniatura` in a child process: ``None`` when it fails, passes ``segundos`` or needs more
    than ``memoria_mib`` of address space."""

    def limitar() -> None:  # in the child, before it runs
        teto = memoria_mib * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (teto, teto))

    comando = [sys.executable, "-m", "sgp_app.arquivos.conteudo", caminho, media, str(max_pixels)]
    try:
        feito = subprocess.run(comando, capture_output=True, timeout=segundos, preexec_fn=limitar, check=False)
    except subprocess.TimeoutExpired:
        LOGGER.info("no thumbnail for a %s: it took more than %s s", media, segundos)
        return None
    return feito.stdout if feito.returncode == 0 and feito.stdout else None


if __name__ == "__main__":  # the child of miniatura_isolada: the thumbnail's bytes on standard output
    logging.basicConfig(level=logging.WARNING)
    imagem = miniatura(sys.argv[1], sys.argv[2], int(sys.argv[3]))
    if imagem is None:
        sys.exit(1)
    sys.stdout.buffer.write(imagem)
