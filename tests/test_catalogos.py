"""/catalogos: the shop's lists. Everyone reads, admins write, names unique ignoring case and accents,
nothing deleted (retired with ativo false)."""

import pytest

from sgp_app.catalogos import CATALOGOS
from tests.conftest import PASSWORD
from tests.live import make_user

# A valid new entry of each catalog, with its extra fields.
NOVAS = {
    "tipos-producao": {"nome": "Faixa", "codigo": "faixa"},
    "materiais": {"nome": "Lona 440g", "valor_metro_quadrado": "35.50"},
    "vendedores": {"nome": "Caio", "comissao_percentual": "5.5", "email": "caio@grafica.com.br", "telefone": "27 9999"},
    "designers": {"nome": "Bia", "email": "bia@grafica.com.br"},
    "formas-pagamento": {"nome": "Cartão de crédito", "parcelas_max": 12, "taxa_percentual": 3.99},
    "formas-envio": {"nome": "Motoboy", "valor": "15.00", "prazo_dias": 1},
    "maquinas": {"nome": "Mimaki JV150", "descricao": "Sublimação, 1,6 m"},
}
# What each answer shows of it (money and percentages as text with two decimals).
MOSTRADAS = {
    "tipos-producao": {"codigo": "faixa"},
    "materiais": {"valor_metro_quadrado": "35.50"},
    "vendedores": {"comissao_percentual": "5.50", "email": "caio@grafica.com.br", "telefone": "27 9999"},
    "designers": {"email": "bia@grafica.com.br", "telefone": "", "usuario_id": None},
    "formas-pagamento": {"parcelas_max": 12, "taxa_percentual": "3.99"},
    "formas-envio": {"valor": "15.00", "prazo_dias": 1},
    "maquinas": {"descricao": "Sublimação, 1,6 m"},
}


def test_the_test_covers_every_catalog():
    assert set(NOVAS) == set(MOSTRADAS) == set(CATALOGOS)


@pytest.mark.parametrize("tipo", sorted(NOVAS))
def test_an_admin_adds_an_entry_everyone_reads_it(client, admin, auth, tipo):
    created = client.post(f"/catalogos/{tipo}", json=NOVAS[tipo], headers=admin)
    assert created.status_code == 201, created.get_json()
    entrada = created.get_json()
    assert created.headers["Location"] == f"/catalogos/{tipo}/{entrada['id']}"
    assert {k: entrada[k] for k in MOSTRADAS[tipo]} == MOSTRADAS[tipo]
    assert entrada["nome"] == NOVAS[tipo]["nome"] and entrada["ativo"] is True and entrada["criado_em"]
    assert client.get(f"/catalogos/{tipo}/{entrada['id']}", headers=auth).get_json() == entrada
    assert entrada in client.get(f"/catalogos/{tipo}", headers=auth).get_json()
    assert entrada in client.get("/catalogos", headers=auth).get_json()[tipo]


@pytest.mark.parametrize("tipo", sorted(NOVAS))
def test_only_admins_write_and_only_logged_in_users_read(client, auth, tipo):
    assert client.post(f"/catalogos/{tipo}", json=NOVAS[tipo], headers=auth).status_code == 403
    assert client.patch(f"/catalogos/{tipo}/1", json={"ativo": False}, headers=auth).status_code == 403
    assert client.get(f"/catalogos/{tipo}").status_code == 401
    assert client.get("/catalogos").status_code == 401


@pytest.mark.parametrize("tipo", sorted(NOVAS))
def test_nothing_is_deleted_an_entry_is_retired_and_listed_apart(client, admin, tipo):
    entrada = client.post(f"/catalogos/{tipo}", json=NOVAS[tipo], headers=admin).get_json()
    url = f"/catalogos/{tipo}/{entrada['id']}"
    assert client.delete(url, headers=admin).status_code == 405
    retired = client.patch(url, json={"ativo": False}, headers=admin)
    assert retired.status_code == 200 and retired.get_json()["ativo"] is False
    ids = lambda query: [e["id"] for e in client.get(f"/catalogos/{tipo}{query}", headers=admin).get_json()]  # noqa: E731
    assert entrada["id"] in ids("?ativo=false") and entrada["id"] not in ids("?ativo=true")
    assert entrada["id"] in ids("")
    assert client.get(f"/catalogos/{tipo}?ativo=sim", headers=admin).get_json()["error"]["fields"] == {
        "ativo": "Deve ser true ou false"
    }
    assert client.patch(url, json={"ativo": True}, headers=admin).get_json()["ativo"] is True


@pytest.mark.parametrize(
    "taken, wanted",
    [
        ("Lona Fosca", "lona fosca"),
        ("Lona Fosca", "LONA FÔSCA"),
        ("Café", "Cafe\u0301"),  # NFD: the same letters, written another way
        ("Impressão  Digital", "impressao digital"),  # spacing aside too
        ("ｌｏｎａ", "lona"),  # fullwidth letters
    ],
)
def test_a_name_is_unique_in_its_catalog_ignoring_case_and_accents(client, admin, taken, wanted):
    first = client.post("/catalogos/materiais", json={"nome": taken}, headers=admin)
    assert first.status_code == 201
    again = client.post("/catalogos/materiais", json={"nome": wanted}, headers=admin)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "duplicate"
    assert taken in again.get_json()["error"]["message"]
    # Another catalog may hold the same name.
    assert client.post("/catalogos/maquinas", json={"nome": wanted}, headers=admin).status_code == 201


def test_renaming_to_a_taken_name_is_409_and_to_its_own_name_is_fine(client, admin):
    lona = client.post("/catalogos/materiais", json={"nome": "Lona"}, headers=admin).get_json()
    client.post("/catalogos/materiais", json={"nome": "Vinil"}, headers=admin)
    assert client.patch(f"/catalogos/materiais/{lona['id']}", json={"nome": "VINIL"}, headers=admin).status_code == 409
    renamed = client.patch(f"/catalogos/materiais/{lona['id']}", json={"nome": "LONA"}, headers=admin)
    assert renamed.status_code == 200 and renamed.get_json()["nome"] == "LONA"


def test_the_production_types_are_seeded_and_their_codes_never_change(client, admin):
    tipos = client.get("/catalogos/tipos-producao", headers=admin).get_json()
    assert {t["codigo"] for t in tipos} == {
        "painel", "totem", "lona", "adesivo", "canga", "impressao_3d",
        "mochilinha", "bolsinha", "mesa_babado", "almofada", "generica",
    }  # fmt: skip
    assert [t["nome"] for t in tipos] == sorted((t["nome"] for t in tipos), key=lambda n: n.replace("é", "e"))
    painel = next(t for t in tipos if t["codigo"] == "painel")
    changed = client.patch(f"/catalogos/tipos-producao/{painel['id']}", json={"codigo": "outro"}, headers=admin)
    assert changed.status_code == 422 and changed.get_json()["error"]["fields"] == {"codigo": "Campo somente leitura"}
    same_code = client.post(
        "/catalogos/tipos-producao", json={"nome": "Outro painel", "codigo": "painel"}, headers=admin
    )
    assert same_code.status_code == 409
    bad = client.post("/catalogos/tipos-producao", json={"nome": "Faixa", "codigo": "Faixa Grande"}, headers=admin)
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"codigo"}
    missing = client.post("/catalogos/tipos-producao", json={"nome": "Faixa"}, headers=admin)
    assert missing.get_json()["error"]["fields"] == {"codigo": "Obrigatório"}


@pytest.mark.parametrize(
    "tipo, body, field",
    [
        ("materiais", {"nome": "  "}, "nome"),
        ("materiais", {"nome": "x" * 121}, "nome"),
        ("materiais", {"nome": "Lona\x00"}, "nome"),
        ("materiais", {"nome": "Lona", "valor_metro_quadrado": "-1"}, "valor_metro_quadrado"),
        ("materiais", {"nome": "Lona", "preco": "1"}, "preco"),
        ("materiais", {"nome": "Lona", "id": 7}, "id"),
        ("vendedores", {"nome": "Caio", "comissao_percentual": "100.01"}, "comissao_percentual"),
        ("vendedores", {"nome": "Caio", "comissao_percentual": "5.555"}, "comissao_percentual"),
        ("vendedores", {"nome": "Caio", "email": "caio.grafica.com"}, "email"),
        ("designers", {"nome": "Bia", "usuario_id": 999}, "usuario_id"),
        ("designers", {"nome": "Bia", "usuario_id": 0}, "usuario_id"),
        ("formas-pagamento", {"nome": "Pix", "parcelas_max": 0}, "parcelas_max"),
        ("formas-pagamento", {"nome": "Pix", "taxa_percentual": True}, "taxa_percentual"),
        ("formas-envio", {"nome": "Correios", "prazo_dias": -1}, "prazo_dias"),
        ("formas-envio", {"nome": "Correios", "valor": "1e3"}, "valor"),
        ("maquinas", {"nome": "Mimaki", "descricao": 5}, "descricao"),
    ],
)
def test_bad_entries_are_422_on_the_field_and_nothing_is_saved(client, admin, tipo, body, field):
    before = client.get(f"/catalogos/{tipo}", headers=admin).get_json()
    response = client.post(f"/catalogos/{tipo}", json=body, headers=admin)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert client.get(f"/catalogos/{tipo}", headers=admin).get_json() == before


def test_a_designer_may_be_linked_to_a_login_and_unlinked(app, client, admin):
    usuario = make_user(app, "bia", PASSWORD)
    designer = client.post("/catalogos/designers", json={"nome": "Bia", "usuario_id": usuario["id"]}, headers=admin)
    assert designer.status_code == 201 and designer.get_json()["usuario_id"] == usuario["id"]
    url = f"/catalogos/designers/{designer.get_json()['id']}"
    unlinked = client.patch(url, json={"usuario_id": None}, headers=admin)
    assert unlinked.status_code == 200 and unlinked.get_json()["usuario_id"] is None


def test_unknown_entries_are_404(client, admin):
    assert client.get("/catalogos/materiais/999", headers=admin).status_code == 404
    assert client.patch("/catalogos/materiais/999", json={"ativo": False}, headers=admin).status_code == 404
    assert client.get("/catalogos/desconhecido", headers=admin).status_code == 404
