"""/clientes: the customer registry. Documents checked and unique, search as one types, orders that
copy a customer and keep their copy, CSV in (matched, reported per line, never a duplicate) and out."""

import csv
import io

import pytest

from sgp_app import documentos
from sgp_app.clientes import service

# Valid documents (check digits right), and the same with a check digit off.
CPF, CPF_2, CNPJ = "529.982.247-25", "111.444.777-35", "11.222.333/0001-81"


def novo(client, headers, **fields):
    answer = client.post("/clientes", json={"nome": "Gráfica Arco-Íris", **fields}, headers=headers)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def nomes(client, headers, **query):
    answer = client.get("/clientes", query_string=query, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return [c["nome"] for c in answer.get_json()]


# -- documents ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [CPF, "52998224725", CPF_2, CNPJ, "11222333000181", " 529 982 247 25 "])
def test_valid_documents_are_kept_as_digits(value):
    assert documentos.documento_digitos(value) == documentos.digitos(value)


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("529.982.247-24", "CPF inválido"),
        ("11.222.333/0001-82", "CNPJ inválido"),
        ("111.111.111-11", "CPF inválido"),  # check digits right, but one digit repeated
        ("00000000000000", "CNPJ inválido"),
        ("5299822472", "11 dígitos"),
        ("529.982.247-25a", "só dígitos"),
        ("５２９９８２２４７２５", "só dígitos"),  # fullwidth digits are not a document's
    ],
)
def test_invalid_documents_are_refused_with_the_reason(value, why):
    with pytest.raises(ValueError, match=why):
        documentos.documento_digitos(value)


def test_cep_and_state_are_checked():
    assert documentos.cep_digitos("29.000-000") == "29000000"
    assert documentos.uf(" es ") == "ES"
    with pytest.raises(ValueError):
        documentos.cep_digitos("2900-000")
    with pytest.raises(ValueError):
        documentos.uf("XX")


# -- the registry ---------------------------------------------------------------------------------


def test_a_customer_is_created_read_and_changed_with_if_match(client, auth):
    cliente = novo(client, auth, documento=CNPJ, telefone="(27) 99999-0000", cep="29000-000", estado="es",
                   cidade="Vitória", email="compras@arco.com.br")  # fmt: skip
    assert cliente["documento"] == "11222333000181" and cliente["cep"] == "29000000" and cliente["estado"] == "ES"
    assert cliente["versao"] == 1 and cliente["ativo"] is True
    url = f"/clientes/{cliente['id']}"
    assert client.get(url, headers=auth).get_json() == cliente
    changed = client.patch(url, json={"cidade": "Vila Velha"}, headers={**auth, "If-Match": '"1"'})
    assert changed.status_code == 200 and changed.headers["ETag"] == '"2"'
    assert changed.get_json()["cidade"] == "Vila Velha" and changed.get_json()["versao"] == 2
    stale = client.patch(url, json={"cidade": "Serra"}, headers={**auth, "If-Match": '"1"'})
    assert stale.status_code == 412
    same = client.patch(url, json={"cidade": "Vila Velha"}, headers=auth)
    assert same.status_code == 200 and same.get_json()["versao"] == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [("documento", "529.982.247-24"), ("cep", "123"), ("estado", "XX"), ("email", "sem-arroba"), ("nome", " ")],
)
def test_bad_fields_are_422_naming_the_field(client, auth, field, value):
    answer = client.post("/clientes", json={"nome": "Ana", field: value}, headers=auth)
    assert answer.status_code == 422 and field in answer.get_json()["error"]["fields"]


def test_a_document_belongs_to_one_customer(client, auth):
    first = novo(client, auth, documento=CPF)
    again = client.post("/clientes", json={"nome": "Outra", "documento": "52998224725"}, headers=auth)
    assert again.status_code == 409 and "Arco-Íris" in again.get_json()["error"]["message"]
    other = novo(client, auth, nome="Outra", documento=CPF_2)
    taken = client.patch(f"/clientes/{other['id']}", json={"documento": CPF}, headers=auth)
    assert taken.status_code == 409
    # Customers without a document are as many as there are.
    novo(client, auth, nome="Sem documento")
    novo(client, auth, nome="Sem documento 2", documento="")
    assert client.get(f"/clientes/{first['id']}", headers=auth).get_json()["documento"] == "52998224725"


def test_customers_are_never_deleted_only_retired(client, auth):
    cliente = novo(client, auth)
    assert client.delete(f"/clientes/{cliente['id']}", headers=auth).status_code == 405
    client.patch(f"/clientes/{cliente['id']}", json={"ativo": False}, headers=auth)
    assert nomes(client, auth, ativo="true") == []
    assert nomes(client, auth, ativo="false") == ["Gráfica Arco-Íris"]
    assert client.get("/clientes").status_code == 401


# -- search ---------------------------------------------------------------------------------------


@pytest.fixture
def registry(client, auth):
    novo(client, auth, nome="Gráfica Arco-Íris Ltda", documento=CNPJ, telefone="+55 (27) 99999-0000")
    novo(client, auth, nome="Maria José da Silva", documento=CPF, telefone="27 3333-4444")
    novo(client, auth, nome="MARIANA Souza", telefone="(11) 98888-7777")
    novo(client, auth, nome="José Mariano", documento=CPF_2)


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("mar", ["José Mariano", "Maria José da Silva", "MARIANA Souza"]),
        ("MARIAN", ["José Mariano", "MARIANA Souza"]),
        ("jose mari", ["José Mariano", "Maria José da Silva"]),
        ("Jo Sil", ["Maria José da Silva"]),
        ("arco-iris", ["Gráfica Arco-Íris Ltda"]),
        ("grafica ltda", ["Gráfica Arco-Íris Ltda"]),
        ("ria", []),  # word beginnings, not any substring
        ("11.222", ["Gráfica Arco-Íris Ltda"]),  # a document as typed
        ("529982", ["Maria José da Silva"]),
        ("(27) 9999", ["Gráfica Arco-Íris Ltda"]),  # a phone with its area code
        ("5527999", ["Gráfica Arco-Íris Ltda"]),  # with the country code
        ("98888", ["MARIANA Souza"]),  # without the area code
        ("3333-44", ["Maria José da Silva"]),
        ("souza 11", ["MARIANA Souza"]),  # a name word and a phone
        ("%", []),
        ("_", []),
        ("mar%", ["José Mariano", "Maria José da Silva", "MARIANA Souza"]),  # no wildcard: % is no word
        ("٥٢٩", []),  # digits of another script are no document's
        ("\U0010ffff", []),
        ("ｍａｒｉａｎａ", ["MARIANA Souza"]),  # fullwidth letters read as letters
    ],
)
def test_search_finds_by_name_word_beginnings_document_and_phone(client, auth, registry, q, found):
    assert nomes(client, auth, q=q) == found


def test_names_that_look_alike_are_one_name_to_search(client, auth):
    import unicodedata

    novo(client, auth, nome=unicodedata.normalize("NFD", "Conceição Gráfica"))  # stored decomposed
    novo(client, auth, nome="ＡＴＥＬＩＥ Ｍａｒｉａ")  # fullwidth
    assert nomes(client, auth, q="conceicao") == [unicodedata.normalize("NFD", "Conceição Gráfica")]
    assert nomes(client, auth, q=unicodedata.normalize("NFC", "CONCEIÇÃO gráf")) == [
        unicodedata.normalize("NFD", "Conceição Gráfica")
    ]
    assert nomes(client, auth, q="atelie mar") == ["ＡＴＥＬＩＥ Ｍａｒｉａ"]
    assert nomes(client, auth, q="conceic\u0327a\u0303o") == [unicodedata.normalize("NFD", "Conceição Gráfica")]


def test_search_pages_and_counts(client, auth, registry):
    answer = client.get("/clientes", query_string={"q": "mar", "limit": 2}, headers=auth)
    assert answer.headers["X-Total-Count"] == "3" and len(answer.get_json()) == 2
    assert 'rel="next"' in answer.headers["Link"] and "q=mar" in answer.headers["Link"]
    second = client.get("/clientes", query_string={"q": "mar", "limit": 2, "skip": 2}, headers=auth)
    assert [c["nome"] for c in second.get_json()] == ["MARIANA Souza"] and second.headers["X-Total-Count"] == "3"
    past = client.get("/clientes", query_string={"q": "mar", "skip": 10}, headers=auth)
    assert past.get_json() == [] and past.headers["X-Total-Count"] == "3"
    both = client.get("/clientes", query_string={"q": "jose mar", "skip": 1}, headers=auth)
    assert [c["nome"] for c in both.get_json()] == ["Maria José da Silva"] and both.headers["X-Total-Count"] == "2"


def test_the_words_a_customer_is_found_by():
    words = service.palavras("Gráfica Arco-Íris", "11222333000181", "+55 (27) 99999-0000")
    assert words == {"grafica", "arco", "iris", "11222333000181", "5527999990000", "27999990000", "999990000"}
    assert service.termos("(27) 9999-") == ["279999"]
    assert service.termos("José  da SILVA") == ["jose", "da", "silva"]


def test_a_change_of_name_or_phone_changes_what_finds_the_customer(client, auth):
    cliente = novo(client, auth, telefone="27 1234-5678")
    client.patch(f"/clientes/{cliente['id']}", json={"nome": "Papelaria Sol", "telefone": "27 8765-4321"}, headers=auth)
    assert nomes(client, auth, q="arco") == [] and nomes(client, auth, q="1234") == []
    assert nomes(client, auth, q="sol") == ["Papelaria Sol"] and nomes(client, auth, q="8765") == ["Papelaria Sol"]


# -- orders from customers ------------------------------------------------------------------------


def test_an_order_copies_its_customer_and_keeps_the_copy(client, auth):
    cliente = novo(client, auth, telefone="27 99999-0000", cidade="Vitória", estado="ES")
    pedido = client.post("/pedidos/", json={"cliente_id": cliente["id"], "valor_total": "50.00"}, headers=auth)
    assert pedido.status_code == 201, pedido.get_json()
    pedido = pedido.get_json()
    assert (pedido["cliente_id"], pedido["cliente"], pedido["telefone_cliente"]) == (
        cliente["id"], "Gráfica Arco-Íris", "27 99999-0000"
    )  # fmt: skip
    assert (pedido["cidade_cliente"], pedido["estado_cliente"]) == ("Vitória", "ES")
    client.patch(f"/clientes/{cliente['id']}", json={"nome": "Arco-Íris ME", "telefone": "27 1111-2222"}, headers=auth)
    kept = client.get(f"/pedidos/{pedido['id']}", headers=auth).get_json()
    assert kept["cliente"] == "Gráfica Arco-Íris" and kept["telefone_cliente"] == "27 99999-0000"
    # Fields given win over the customer's; the customer's orders are listed.
    other = client.post(
        "/pedidos/", json={"cliente_id": cliente["id"], "telefone_cliente": "27 5555-0000"}, headers=auth
    ).get_json()
    assert other["cliente"] == "Arco-Íris ME" and other["telefone_cliente"] == "27 5555-0000"
    client.post("/pedidos/", json={"cliente": "Outro"}, headers=auth)
    listed = client.get(f"/clientes/{cliente['id']}/pedidos", headers=auth)
    assert [p["id"] for p in listed.get_json()] == [other["id"], pedido["id"]]
    assert listed.headers["X-Total-Count"] == "2"
    assert client.get(f"/pedidos/?cliente_id={cliente['id']}", headers=auth).headers["X-Total-Count"] == "2"
    assert client.get("/clientes/999/pedidos", headers=auth).status_code == 404


def test_an_order_needs_a_customer_name_or_an_active_customer(client, auth):
    assert client.post("/pedidos/", json={"valor_total": "1.00"}, headers=auth).get_json()["error"]["fields"] == {
        "cliente": "Obrigatório"
    }
    assert "cliente_id" in client.post("/pedidos/", json={"cliente_id": 99}, headers=auth).get_json()["error"]["fields"]
    cliente = novo(client, auth)
    pedido = client.post("/pedidos/", json={"cliente_id": cliente["id"]}, headers=auth).get_json()
    client.patch(f"/clientes/{cliente['id']}", json={"ativo": False}, headers=auth)
    assert client.post("/pedidos/", json={"cliente_id": cliente["id"]}, headers=auth).status_code == 422
    # An order already made for a retired customer keeps it, and its other fields still change.
    changed = client.patch(f"/pedidos/{pedido['id']}", json={"cliente_id": cliente["id"], "observacao": "x"},
                           headers=auth)  # fmt: skip
    assert changed.status_code == 200 and changed.get_json()["cliente_id"] == cliente["id"]
    # Moving an order to another customer copies that one; null unlinks it and keeps the copy.
    outro = novo(client, auth, nome="Papelaria Sol", cidade="Serra")
    moved = client.patch(f"/pedidos/{pedido['id']}", json={"cliente_id": outro["id"]}, headers=auth).get_json()
    assert (moved["cliente"], moved["cidade_cliente"]) == ("Papelaria Sol", "Serra")
    unlinked = client.patch(f"/pedidos/{pedido['id']}", json={"cliente_id": None}, headers=auth).get_json()
    assert unlinked["cliente_id"] is None and unlinked["cliente"] == "Papelaria Sol"
    historico = client.get(f"/pedidos/{pedido['id']}/historico", headers=auth).get_json()
    assert historico[-1]["alteracoes"]["cliente_id"] == {"de": outro["id"], "para": None}


# -- CSV in ---------------------------------------------------------------------------------------


def importar(client, headers, text, *, encoding="utf-8", simular=False, content_type="text/csv"):
    answer = client.post(
        "/clientes/importar" + ("?simular=1" if simular else ""),
        data=text.encode(encoding) if isinstance(text, str) else text,
        content_type=content_type,
        headers=headers,
    )
    return answer


PLANILHA = (
    "Nome;CPF/CNPJ;Celular;Cidade;UF;Obs interna\r\n"
    "Ana Souza;529.982.247-25;27 98888-1111;Vitória;ES;cliente antiga\r\n"
    "Beto Gráfica;123;;;SP;\r\n"  # line 3: a bad document
    ";;;;;\r\n"  # blank: skipped
    '"Carla ""Cacau"" Lima";;(27) 3222-1000;"Vila\r\nVelha";ES;\r\n'  # lines 5-6: quotes and a line break
    "Ana Souza;52998224725;27 98888-1111;Vitória;ES;\r\n"  # line 7: the same as line 2
    "Duda;;;;XX;\r\n"  # line 8: a bad state
    'Carla "Cacau" Lima;;(27) 3222-1000;;;\r\n'  # line 9: matches line 5 by name and phone
)


def test_an_import_reports_each_row_by_line_and_makes_no_duplicate(client, admin):
    answer = importar(client, admin, PLANILHA, encoding="cp1252")
    assert answer.status_code == 200, answer.get_json()
    report = answer.get_json()
    assert (report["criados"], report["atualizados"], report["inalterados"]) == (2, 0, 2)
    assert report["rejeitados"] == [
        {"linha": 3, "erros": {"documento": "Um CPF tem 11 dígitos e um CNPJ 14"}},
        {"linha": 8, "erros": {"estado": "Sigla de estado brasileiro, como ES ou SP"}},
    ]
    assert report["colunas_ignoradas"] == ["Obs interna"] and report["simulacao"] is False
    assert nomes(client, admin) == ["Ana Souza", 'Carla "Cacau" Lima']
    carla = client.get("/clientes", query_string={"q": "cacau"}, headers=admin).get_json()[0]
    assert carla["cidade"] == "Vila\r\nVelha" and carla["telefone"] == "(27) 3222-1000"
    # Again, the same file: everything matches, nothing is added.
    again = importar(client, admin, PLANILHA, encoding="cp1252").get_json()
    assert (again["criados"], again["atualizados"], again["inalterados"]) == (0, 0, 4)
    assert client.get("/clientes", headers=admin).headers["X-Total-Count"] == "2"


def test_an_import_matches_by_document_then_by_name_and_phone_and_updates(client, admin):
    ana = novo(client, admin, nome="Ana S.", documento=CPF)
    beto = novo(client, admin, nome="Beto", telefone="27 3333-0000")
    homonimo = novo(client, admin, nome="Beto", telefone="11 4444-0000")
    text = (
        "nome,documento,telefone,email\n"
        f"Ana Souza,{CPF},,ana@ex.com.br\n"  # by document: renamed, e-mail added
        "BETO,,(27) 3333-0000,beto@ex.com.br\n"  # by name (any case) and phone
        f"Beto,{CPF_2},11 4444-0000,\n"  # the other Beto, who gets a document
    )
    report = importar(client, admin, "\ufeff" + text).get_json()
    assert (report["criados"], report["atualizados"], report["rejeitados"]) == (0, 3, [])
    assert client.get(f"/clientes/{ana['id']}", headers=admin).get_json()["email"] == "ana@ex.com.br"
    assert client.get(f"/clientes/{ana['id']}", headers=admin).get_json()["nome"] == "Ana Souza"
    assert client.get(f"/clientes/{beto['id']}", headers=admin).get_json()["versao"] == 2
    assert client.get(f"/clientes/{homonimo['id']}", headers=admin).get_json()["documento"] == "11144477735"
    # Found by its new words: the index follows an import too.
    assert nomes(client, admin, q="souza") == ["Ana Souza"]


def test_a_simulated_import_reports_and_keeps_nothing(client, admin):
    report = importar(client, admin, PLANILHA, encoding="cp1252", simular=True).get_json()
    assert report["criados"] == 2 and report["simulacao"] is True
    assert client.get("/clientes", headers=admin).headers["X-Total-Count"] == "0"


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("telefone;cidade\n1;2\n", "text/csv", 422),  # no name column
        ("", "text/csv", 422),
        ('nome\n"sem fim\n', "text/csv", 200),  # an open quote runs to the end: one row
        ("nome\nAna\n", "application/json", 415),
    ],
)
def test_a_file_that_is_no_customer_list_is_refused_whole(client, admin, body, content_type, status):
    answer = importar(client, admin, body, content_type=content_type)
    assert answer.status_code == status, answer.get_json()


@pytest.mark.parametrize(
    "body",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x81\x8d\x8f\x90\x9d",  # binary: neither UTF-8 nor Windows-1252
        b"nome\n" + b"x" * 200_000 + b"\n",  # one cell beyond the CSV reader's field limit
        b'nome\n"' + b"y" * 200_000,  # an unclosed quote over it
    ],
)
def test_hostile_files_are_refused_whole_and_keep_nothing(client, admin, body):
    answer = importar(client, admin, body)
    assert answer.status_code == 422 and "arquivo" in answer.get_json()["error"]["fields"]
    assert client.get("/clientes", headers=admin).headers["X-Total-Count"] == "0"


def test_hostile_cells_are_refused_by_line_and_the_rest_is_kept(client, admin):
    text = (
        "nome;telefone;observacao\n"
        "Ana\x00Nul;;\n"  # line 2: NUL, which no database keeps
        "Bia;;" + "o" * 2001 + "\n"  # line 3: a note past its limit
        '"Caio\r\nINFO forged log line";;\n'  # lines 4-5: a line break inside a name is just text
        "Duda;;;extra\n"  # line 6: more cells than the header
    )
    report = importar(client, admin, text).get_json()
    assert [r["linha"] for r in report["rejeitados"]] == [2, 3, 6]
    assert report["criados"] == 1
    assert nomes(client, admin) == ["Caio\r\nINFO forged log line"]


def test_only_admins_import(client, auth):
    assert importar(client, auth, "nome\nAna\n").status_code == 403


def test_an_import_beyond_the_json_limit_streams_and_one_beyond_its_own_is_413(app, client, admin):
    rows = "".join(f"Cliente {n:06d};27 9{n:08d}\n" for n in range(60_000))  # ≈ 1.6 MiB
    assert len(rows) > app.config["SGP_MAX_BODY_BYTES"]
    report = importar(client, admin, "nome;telefone\n" + rows, simular=True).get_json()
    assert report["criados"] == 60_000 and report["rejeitados"] == []
    app.config["SGP_MAX_IMPORT_BYTES"] = 1024 * 1024
    assert importar(client, admin, "nome;telefone\n" + rows).status_code == 413


# -- CSV out --------------------------------------------------------------------------------------


def test_an_export_opens_in_a_brazilian_spreadsheet_and_imports_back(client, admin):
    novo(client, admin, nome="=HYPERLINK(\"http://mal\")", documento=CPF,
         telefone="+55 27 99999-0000", cep="01310-100", estado="SP", observacao="tem; ponto e vírgula")  # fmt: skip
    novo(client, admin, nome="Zeca", ativo=False)
    answer = client.get("/clientes", headers={**admin, "Accept": "text/csv"})
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert answer.headers["Content-Disposition"].startswith('attachment; filename="clientes-')
    text = answer.data.decode("utf-8")
    assert text.startswith("\ufeffnome;documento;") and "\r\n" in text
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=";"))
    assert rows[1][:5] == ['\'=HYPERLINK("http://mal")', "529.982.247-25", "'+55 27 99999-0000", "", "01310-100"]
    assert rows[1][8] == "tem; ponto e vírgula" and rows[2][0] == "Zeca" and rows[2][9] == "não"
    # What was exported imports back as the same customers (the formula guard taken off).
    report = importar(client, admin, text).get_json()
    assert (report["criados"], report["rejeitados"]) == (0, [])
    assert nomes(client, admin, q="hyperlink") == ['=HYPERLINK("http://mal")']
    # Filters apply; JSON stays the default.
    filtered = client.get("/clientes?ativo=false", headers={**admin, "Accept": "text/csv"}).data.decode()
    assert "Zeca" in filtered and "HYPERLINK" not in filtered
    assert client.get("/clientes", headers={**admin, "Accept": "*/*"}).is_json
