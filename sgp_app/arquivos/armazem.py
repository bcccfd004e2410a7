"""Where the bytes of files live: a small interface, and its two kinds, chosen by ``SGP_FILES_STORAGE``.

- ``local`` (default): a folder (``SGP_FILES_DIR``, default ``instance/arquivos``); every worker of
  one host shares it.
- ``s3``: a bucket of any S3-compatible store (AWS S3, MinIO, Garage...) through boto3
  (``SGP_S3_BUCKET``, ``SGP_S3_ENDPOINT_URL``, ``SGP_S3_REGION``, ``SGP_S3_PREFIX``; credentials as
  boto3 finds them: ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, a profile, an instance role),
  so that several hosts share the files.

Keys are the service's own (``conteudo/<sha256>``, ``miniaturas/<sha256>``), never a name a user
gave, so no upload can reach a path of its choosing.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from typing import IO, Any, Protocol

CHUNK = 256 * 1024
KEY = re.compile(r"^[a-z]+/[0-9a-f]{64}$")


class Armazem(Protocol):
    """What the files need of a storage: put a content once, read it (or a range), know it, drop it."""

    def guardar(self, chave: str, origem: IO[bytes]) -> None:
        """Keep the bytes of ``origem`` (read from its start) under ``chave``, replacing any."""

    def existe(self, chave: str) -> bool: ...

    def tamanho(self, chave: str) -> int: ...

    def ler(self, chave: str, inicio: int = 0, fim: int | None = None) -> Iterator[bytes]:
        """The bytes from ``inicio`` up to ``fim`` (exclusive; ``None``: the end), in chunks."""

    def apagar(self, chave: str) -> None:
        """Drop ``chave`` (nothing if it is not there)."""


def _checked(chave: str) -> str:
    if not KEY.match(chave):
        raise ValueError(f"not a storage key: {chave!r}")
    return chave


class ArmazemLocal:
    """A folder: one file per key, written to a temporary name and renamed (a reader never sees half)."""

    def __init__(self, pasta: str) -> None:
        self.pasta = pasta
        os.makedirs(pasta, exist_ok=True)

    def _caminho(self, chave: str) -> str:
        return os.path.join(self.pasta, *_checked(chave).split("/"))

    def guardar(self, chave: str, origem: IO[bytes]) -> None:
        destino = self._caminho(chave)
        os.makedirs(os.path.dirname(destino), exist_ok=True)
        origem.seek(0)
        fd, temporario = tempfile.mkstemp(dir=os.path.dirname(destino), prefix=".parcial-")
        try:
            with os.fdopen(fd, "wb") as saida:
                shutil.copyfileobj(origem, saida, CHUNK)
            os.replace(temporario, destino)
        except BaseException:
            if os.path.exists(temporario):
                os.unlink(temporario)
            raise

    def existe(self, chave: str) -> bool:
        return os.path.exists(self._caminho(chave))

    def tamanho(self, chave: str) -> int:
        return os.path.getsize(self._caminho(chave))

    def ler(self, chave: str, inicio: int = 0, fim: int | None = None) -> Iterator[bytes]:
        with open(self._caminho(chave), "rb") as arquivo:
            arquivo.seek(inicio)
            falta = None if fim is None else fim - inicio
            while falta is None or falta > 0:
                chunk = arquivo.read(CHUNK if falta is None else min(CHUNK, falta))
                if not chunk:
                    return
                if falta is not None:
                    falta -= len(chunk)
                yield chunk

    def apagar(self, chave: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._caminho(chave))


class ArmazemS3:
    """A bucket of an S3-compatible store, through boto3 (its multipart upload for large files)."""

    def __init__(self, bucket: str, prefixo: str = "", cliente: Any = None, **opcoes: Any) -> None:
        import boto3  # only where S3 is used

        self.bucket = bucket
        self.prefixo = prefixo
        self.s3 = cliente or boto3.client("s3", **{k: v for k, v in opcoes.items() if v})

    def _chave(self, chave: str) -> str:
        return self.prefixo + _checked(chave)

    def guardar(self, chave: str, origem: IO[bytes]) -> None:
        origem.seek(0)
        self.s3.upload_fileobj(_Emprestado(origem), self.bucket, self._chave(chave))

    def existe(self, chave: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.s3.head_object(Bucket=self.bucket, Key=self._chave(chave))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def tamanho(self, chave: str) -> int:
        return int(self.s3.head_object(Bucket=self.bucket, Key=self._chave(chave))["ContentLength"])

    def ler(self, chave: str, inicio: int = 0, fim: int | None = None) -> Iterator[bytes]:
        pedido: dict[str, Any] = {"Bucket": self.bucket, "Key": self._chave(chave)}
        if inicio or fim is not None:
            pedido["Range"] = f"bytes={inicio}-{'' if fim is None else fim - 1}"
        corpo = self.s3.get_object(**pedido)["Body"]
        try:
            yield from corpo.iter_chunks(CHUNK)
        finally:
            corpo.close()

    def apagar(self, chave: str) -> None:
        self.s3.delete_object(Bucket=self.bucket, Key=self._chave(chave))


class _Emprestado:
    """A file lent to boto3, which closes what it uploads: the caller's file stays open (and, being a
    temporary file, on disk) for what it still has to do with it."""

    def __init__(self, arquivo: IO[bytes]) -> None:
        self._arquivo = arquivo

    def __getattr__(self, nome: str) -> Any:
        return getattr(self._arquivo, nome)

    def close(self) -> None:
        pass


def do_config(config: Mapping[str, Any], instance_path: str) -> Armazem:
    """The storage the settings name."""
    if config["SGP_FILES_STORAGE"] == "s3":
        return ArmazemS3(
            config["SGP_S3_BUCKET"],
            config["SGP_S3_PREFIX"],
            endpoint_url=config["SGP_S3_ENDPOINT_URL"],
            region_name=config["SGP_S3_REGION"],
        )
    return ArmazemLocal(config["SGP_FILES_DIR"] or os.path.join(instance_path, "arquivos"))
