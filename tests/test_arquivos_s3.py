"""Files in an S3-compatible store, against a real S3 API server started here (moto's standalone
``moto_server``): the storage itself, and two gunicorn "hosts" with folders of their own that
share their files through the bucket."""

import io
import os
import shutil
import subprocess
import sys
import time

import pytest
import requests

from sgp_app import create_app
from sgp_app.arquivos.armazem import ArmazemS3
from tests.live import free_port, make_user, require_service
from tests.test_arquivos import PDF, imagem

BUCKET = "sgp-arquivos"
CREDENCIAIS = {
    "AWS_ACCESS_KEY_ID": "teste",
    "AWS_SECRET_ACCESS_KEY": "teste-segredo",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture(scope="module")
def s3():
    """``moto_server`` on a free port, with an empty bucket; its URL."""
    comando = shutil.which("moto_server", path=os.path.dirname(sys.executable))
    if comando is None:
        require_service("moto_server is not installed (pip install 'moto[s3]', in requirements-dev.txt)")
    porta = free_port()
    processo = subprocess.Popen(
        [comando, "-H", "127.0.0.1", "-p", str(porta)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{porta}"
    try:
        prazo = time.monotonic() + 30
        while time.monotonic() < prazo:
            try:
                requests.get(url, timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.2)
        else:
            pytest.fail("moto_server did not start")
        import boto3

        boto3.client("s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id="teste",
                     aws_secret_access_key="teste-segredo").create_bucket(Bucket=BUCKET)  # fmt: skip
        yield url
    finally:
        processo.terminate()
        processo.wait(10)


def armazem(url, prefixo="teste/"):
    import boto3

    cliente = boto3.client("s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id="teste",
                           aws_secret_access_key="teste-segredo")  # fmt: skip
    return ArmazemS3(BUCKET, prefixo, cliente=cliente)


def test_the_s3_storage_keeps_reads_ranges_and_drops(s3):
    guardado = armazem(s3)
    chave = "conteudo/" + "a" * 64
    dados = os.urandom(9 * 1024 * 1024 + 17)  # past boto3's multipart threshold (8 MiB): sent in parts
    assert not guardado.existe(chave)
    origem = io.BytesIO(dados)
    guardado.guardar(chave, origem)
    assert not origem.closed  # boto3 closes what it uploads: the caller's file is only lent to it
    assert guardado.existe(chave) and guardado.tamanho(chave) == len(dados)
    assert b"".join(guardado.ler(chave)) == dados
    assert b"".join(guardado.ler(chave, 100, 200)) == dados[100:200]
    guardado.apagar(chave)
    assert not guardado.existe(chave)
    guardado.apagar(chave)  # twice: nothing
    with pytest.raises(ValueError):
        guardado.existe("../fora")


def test_two_hosts_share_their_files_through_the_bucket(s3, live_server, db_url):
    make_user(create_app({"SGP_DATABASE_URL": db_url}), "ana", "s3nha-forte")
    env = {**CREDENCIAIS, "SGP_FILES_STORAGE": "s3", "SGP_S3_BUCKET": BUCKET, "SGP_S3_ENDPOINT_URL": s3}
    um, outro = live_server(**env), live_server(**env)  # each with a local folder of its own
    auth = {"Authorization": f"Bearer {um.login('ana', 's3nha-forte')}"}
    pedido = requests.post(um.url + "/pedidos/", json={"cliente": "Gráfica Sol"}, headers=auth, timeout=10).json()
    foto = imagem("JPEG")
    enviado = requests.post(f"{um.url}/pedidos/{pedido['id']}/arquivos", files={"arquivo": ("foto.jpg", foto)},
                            headers=auth, timeout=30)  # fmt: skip
    assert enviado.status_code == 201, enviado.text
    arquivo = enviado.json()
    # The other host serves the file, a range of it and its thumbnail, from the bucket.
    assert requests.get(outro.url + arquivo["url"], timeout=10).content == foto
    parte = requests.get(outro.url + arquivo["url"], headers={"Range": "bytes=0-3"}, timeout=10)
    assert parte.status_code == 206 and parte.content == foto[:4]
    miniatura = requests.get(outro.url + arquivo["miniatura_url"], timeout=10)
    assert miniatura.status_code == 200 and miniatura.headers["Content-Type"] == "image/webp"
    pdf = requests.post(f"{outro.url}/pedidos/{pedido['id']}/arquivos", files={"arquivo": ("p.pdf", PDF)},
                        headers=auth, timeout=30).json()  # fmt: skip
    assert requests.get(um.url + pdf["url"], timeout=10).content == PDF
    # Deleted through one host, gone for both.
    assert requests.delete(f"{outro.url}/arquivos/{arquivo['id']}", headers=auth, timeout=10).status_code == 204
    assert requests.get(f"{um.url}/arquivos/{arquivo['id']}", headers=auth, timeout=10).status_code == 404
    assert not armazem(s3, "sgp/").existe("conteudo/" + arquivo["sha256"])  # SGP_S3_PREFIX's default
