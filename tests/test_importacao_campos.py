"""api-sgp's fields as SGP reads them (the import's mapping, no database): money as its
``parse_money`` reads it, packed city and state, statuses, dates, sizes, per-type quantities, steps,
and items with what has no field of its own kept in ``detalhes``."""

import io
import json
from datetime import date, datetime
from decimal import Decimal

import pytest

from sgp_app.importacao import api_sgp
from sgp_app.importacao.api_sgp import Recusa

TIPOS = {"painel", "lona", "adesivo", "totem", "generica"}


@pytest.mark.parametrize(
    ("texto", "valor"),
    [
        ("100,50", "100.50"),  # api-sgp's own examples
        ("1.234,56", "1234.56"),
        ("100.00", "100.00"),
        (None, "0.00"),
        ("", "0.00"),
        ("  ", "0.00"),
        ("R$ 1.500,00", "1500.00"),
        ("R$10", "10.00"),
        (12.5, "12.50"),
        (7, "7.00"),
        ("0,005", "0.01"),  # half up, as parse_money
        ("1.234", "1.23"),  # no comma: a decimal point, as parse_money reads it
    ],
)
def test_money_as_api_sgp_reads_it(texto, valor):
    assert api_sgp.dinheiro(texto) == Decimal(valor)


@pytest.mark.parametrize("texto", ["abc", "-5,00", "1,2,3", "NaN", "Infinity", "99999999999,00", True])
def test_money_it_cannot_read_is_refused_with_the_field_and_value(texto):
    with pytest.raises(Recusa, match="valor_frete"):
        api_sgp.dinheiro(texto, "valor_frete")


@pytest.mark.parametrize(
    ("cidade", "estado", "esperado"),
    [
        ("Sao Paulo - SP", None, ("Sao Paulo", "SP")),
        ("Vitória||ES", None, ("Vitória", "ES")),
        ("Xique-Xique - BA", None, ("Xique-Xique", "BA")),
        ("Embu-Guaçu", None, ("Embu-Guaçu", "")),  # a hyphen in the name is no state
        ("Brasília/DF", "", ("Brasília", "DF")),
        ("Serra-es", None, ("Serra", "ES")),
        ("Cidade - XX", None, ("Cidade - XX", "")),  # no such state: kept whole in the city
        ("Vila Velha", "es", ("Vila Velha", "ES")),
        ("Vila Velha - ES", "RJ", ("Vila Velha", "RJ")),  # a separate state wins
        (None, None, ("", "")),
    ],
)
def test_city_and_state_are_unpacked(cidade, estado, esperado):
    assert api_sgp.cidade_estado(cidade, estado) == esperado


@pytest.mark.parametrize(
    ("texto", "status"),
    [("Pendente", "pendente"), ("Em Produção", "em_producao"), ("emproducao", "em_producao"),
     ("Concluido", "entregue"), ("concluído", "entregue"), ("cancelado", "cancelado"), ("pronto", "pronto"),
     ("arquivado", "pendente"), (None, "pendente")],
)  # fmt: skip
def test_statuses_as_api_sgp_reads_its_spellings(texto, status):
    assert api_sgp.status(texto) == status


def test_priority_and_dates():
    assert api_sgp.prioridade("alta") == "ALTA" and api_sgp.prioridade(None) == "NORMAL"
    assert api_sgp.data("2026-01-20") == date(2026, 1, 20)
    assert api_sgp.data("2026-01-20T10:30:00") == date(2026, 1, 20)
    assert api_sgp.data("20/01/2026") == date(2026, 1, 20)
    assert api_sgp.data(datetime(2026, 1, 20, 23, 59)) == date(2026, 1, 20)
    assert api_sgp.data("") is None and api_sgp.data(None) is None
    for ruim in ("31/02/2026", "amanhã", "2026-13-01"):
        with pytest.raises(Recusa, match="data_entrada"):
            api_sgp.data(ruim, "data_entrada")


def test_sizes_in_metres():
    assert api_sgp.medida("1,50", "largura") == Decimal("1.50")
    assert api_sgp.medida("150cm", "largura") == Decimal("1.50")
    assert api_sgp.medida(2, "altura") == Decimal("2.00")
    assert api_sgp.medida("", "altura") is None and api_sgp.medida("0", "altura") is None
    with pytest.raises(Recusa, match="largura"):
        api_sgp.medida("dois metros", "largura")


def test_each_types_quantity_field_is_folded_into_quantidade():
    assert api_sgp.quantidade({"quantidade_lona": "3", "quantity": 9}, "lona") == 3
    assert api_sgp.quantidade({"quantidade_paineis": "2"}, "generica") == 2
    assert api_sgp.quantidade({"quantidade_lona": "", "quantity": 50}, "lona") == 50
    assert api_sgp.quantidade({"quantidade": "2,6"}, "totem") == 3  # rounded, as _parse_qty
    assert api_sgp.quantidade({"quantidade": "0"}, "totem") == 1
    assert api_sgp.quantidade({}, "") == 1


def test_steps_from_the_orders_flags():
    pedido = {"financeiro": 1, "conferencia": True, "sublimacao": "Sim", "costura": 0, "expedicao": None}
    assert api_sgp.etapas(pedido) == ["financeiro", "conferencia", "sublimacao"]


def test_items_json_is_read_or_refused():
    assert api_sgp.itens(None) == [] and api_sgp.itens("") == []
    assert api_sgp.itens('[{"descricao": "Banner"}]') == [{"descricao": "Banner"}]
    for ruim in ("[{", '{"a": 1}', "[1, 2]"):
        with pytest.raises(Recusa, match="itens"):
            api_sgp.itens(ruim)


def test_an_item_keeps_its_print_fields_and_puts_the_rest_in_detalhes():
    bruto = {
        "id": 7, "tipo_producao": "Lona", "descricao": "Banner promocional", "largura": "1,00", "altura": "2,00",
        "vendedor": "Joao", "designer": "Maria", "tecido": "Lona 440g", "valor_unitario": "1.250,90",
        "acabamento": {"overloque": True, "elastico": False, "ilhos": True}, "emenda": "com-emenda",
        "emenda_qtd": "2", "observacao": "Usar reforço", "quantidade_lona": "2", "quantidade_ilhos": "10",
        "espaco_ilhos": "20cm", "acabamento_lona": "Bainha", "ziper": False, "comentarios": [{"x": 1}],
        "imagem_path": "pedidos/115/banner.png", "status_arte": "aprovado", "rip_maquina": None,
    }  # fmt: skip
    item = api_sgp.item(bruto, TIPOS)
    assert item["tipo_producao"] == "lona" and item["quantidade"] == 2 and item["descricao"] == "Banner promocional"
    assert item["valor_unitario"] == Decimal("1250.90")
    assert (item["largura"], item["altura"]) == (Decimal("1.00"), Decimal("2.00"))
    assert item["material"] == "Lona 440g" and item["emenda_quantidade"] == 2 and item["observacao"] == "Usar reforço"
    assert item["acabamento"] == {
        "overloque": True,
        "elastico": False,
        "bainha": False,
        "ilhos": None,
        "cordinha": None,
    }
    assert item["detalhes"] == {"quantidade_ilhos": "10", "espaco_ilhos": "20cm", "acabamento_lona": "Bainha",
                                "ziper": False, "acabamento_ilhos": True}  # fmt: skip
    assert (item["vendedor_nome"], item["designer_nome"]) == ("Joao", "Maria")
    assert item["imagem_path"] == "pedidos/115/banner.png" and item["status_arte"] == "aprovada"


def test_an_unknown_production_type_is_kept_in_detalhes():
    item = api_sgp.item({"tipo_producao": "bandeira", "descricao": "", "quantity": 4}, TIPOS)
    assert item["tipo_producao"] == "" and item["detalhes"] == {"tipo_producao_api_sgp": "bandeira"}
    assert item["descricao"] == "Item" and item["quantidade"] == 4


def test_detalhes_stay_within_their_limit_dropping_the_longest_first():
    bruto = {"tipo_producao": "painel", "curto": "ok", **{f"longo_{n}": "x" * 480 for n in range(12)}}
    detalhes = api_sgp.item(bruto, TIPOS)["detalhes"]
    assert len(json.dumps(detalhes, ensure_ascii=False).encode()) <= api_sgp.MAX_DETALHES
    assert detalhes["curto"] == "ok"


def test_a_broken_yes_no_or_price_in_an_item_is_refused_with_its_reason():
    with pytest.raises(Recusa, match="valor_unitario"):
        api_sgp.item({"tipo_producao": "lona", "valor_unitario": "cinco reais"}, TIPOS)
    with pytest.raises(Recusa, match="sim ou não"):
        api_sgp.item({"acabamento": {"overloque": "talvez"}}, TIPOS)


def test_the_shops_own_fixture_rows_map_as_items():
    """Rows of api-sgp's tests/fixtures/controle_producao_dataset.json (its production export's
    shape: ``dimensoes``, ``quantity``, ``material``, ``observacao_item``) read as items too."""
    linha = {
        "numero": "0000000115", "descricao": "Banner promocional", "dimensoes": "1,00 x 2,00", "quantity": 2,
        "material": "Lona", "tipo_producao": "lona", "acabamento_lona": "Bainha", "quantidade_ilhos": 10,
        "espaco_ilhos": "20cm", "observacao_item": "Usar reforco nas pontas", "legenda_imagem": "Arte final aprovada",
    }  # fmt: skip
    item = api_sgp.item(linha, TIPOS)
    assert (item["largura"], item["altura"], item["quantidade"]) == (Decimal("1.00"), Decimal("2.00"), 2)
    assert item["material"] == "Lona" and item["observacao"] == "Usar reforco nas pontas"
    assert item["detalhes"]["acabamento_lona"] == "Bainha" and item["detalhes"]["quantidade_ilhos"] == 10
    assert item["detalhes"]["legenda_imagem"] == "Arte final aprovada"


def test_progress_redraws_one_line_on_a_terminal_and_writes_plain_lines_elsewhere(monkeypatch):
    from sgp_app.importacao import progresso as modulo

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    relogio = iter(range(0, 1000, 1))
    monkeypatch.setattr(modulo.time, "monotonic", lambda: next(relogio))
    terminal = Terminal()
    barra = modulo.Progresso(terminal)
    for feitos in (0, 500, 1000):
        barra("pedidos", feitos, 1000)
    linhas = terminal.getvalue()
    assert linhas.count("\r") == 2 and linhas.endswith("\n") and "pedidos: 1.000/1.000 (100%)" in linhas
    assert "█" * 30 in linhas
    log = io.StringIO()
    plano = modulo.Progresso(log, intervalo=10)
    for feitos in range(0, 1001, 100):
        plano("pedidos", feitos, 1000)
    assert "\r" not in log.getvalue() and log.getvalue().count("\n") < 11
    assert log.getvalue().splitlines()[-1].startswith("pedidos: 1.000/1.000 (100%)")
