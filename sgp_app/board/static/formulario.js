// An order's form: the new-order dialog and the drawer's edit form share it. Item rows, a
// running total in reais, Brazilian money ("1.234,50"), and the server's per-field errors shown
// next to the field they name ("cliente", "itens[0].valor_unitario", ...), gone as soon as
// that field is edited.

import { Autocompletar } from "./autocompletar.js";
import { centavos, data, dataDoCampo, decimal, dinheiro, paraCampo } from "./formatos.js";

export const CAMPOS = [
  "cliente_id",
  "cliente",
  "telefone_cliente",
  "cidade_cliente",
  "estado_cliente",
  "data_entrada",
  "data_entrega",
  "prioridade",
  "forma_envio",
  "tipo_pagamento",
  "valor_frete",
  "observacao",
];
const DATAS = new Set(["data_entrada", "data_entrega"]);
const CAMPOS_ITEM = ["descricao", "tipo_producao", "quantidade", "valor_unitario", "largura", "altura"];
const DINHEIRO_ITEM = new Set(["valor_unitario", "largura", "altura"]);
// What an item keeps that this form does not show: sent back as it came, so an edit loses none of it
// (its id too: the item stays the same row, with its files and its art's approval).
const GUARDADOS = ["id", "detalhes"];

// The detail an item carries beyond its row, in the row's "Detalhes": text fields and boxes.
const DETALHE_TEXTO = [
  "material", "vendedor_id", "designer_id", "valor_base", "valores_adicionais", "ilhos_quantidade", "ilhos_espaco",
  "ilhos_valor", "cordinha_quantidade", "cordinha_espaco", "cordinha_valor", "emenda_quantidade", "item_observacao",
];
const DETALHE_CAIXA = ["overloque", "elastico", "bainha"];
// Finishing and a base price are asked for the types that take them (an item that has some shows them anyway).
const COM_ACABAMENTO = new Set(["painel", "generica", "mesa_babado", "lona"]);
// A server's error inside an item, and the field that shows it.
const CAMPO_DO_ERRO = {
  observacao: "item_observacao",
  "acabamento.ilhos.quantidade": "ilhos_quantidade",
  "acabamento.ilhos.espaco": "ilhos_espaco",
  "acabamento.ilhos.valor_unitario": "ilhos_valor",
  "acabamento.cordinha.quantidade": "cordinha_quantidade",
  "acabamento.cordinha.espaco": "cordinha_espaco",
  "acabamento.cordinha.valor_unitario": "cordinha_valor",
};

// The catalogs the pickers offer (GET /catalogos), given by the board once it has read them.
let catalogo = { vendedores: [], designers: [], formasPagamento: [] };

/** The payment methods of the catalog (the drawer's payment form offers the active ones). */
export const formasPagamento = () => catalogo.formasPagamento;

/** Every catalog the item rows pick from: types, sellers, designers, materials. */
export function definirCatalogos(dados) {
  definirTipos(dados["tipos-producao"]);
  catalogo = { vendedores: dados.vendedores, designers: dados.designers, formasPagamento: dados["formas-pagamento"] };
  const materiais = dados.materiais.filter((m) => m.ativo).map((m) => new Option(m.nome));
  document.querySelector("#lista-materiais")?.replaceChildren(...materiais);
}

/** Active entries of ``lista``, and the one the item has (retired since, say). */
function opcoesDe(select, lista, atual) {
  for (const entrada of lista.filter((e) => e.ativo)) select.add(new Option(entrada.nome, String(entrada.id)));
  if (atual && !lista.some((e) => e.ativo && e.id === atual.id)) select.add(new Option(atual.nome, String(atual.id)));
}

const numero = (texto) => {
  const valor = Number(decimal(texto));
  return Number.isFinite(valor) ? valor : 0;
};

// The production types to pick from (GET /catalogos), given by the board once it has read them.
let tipos = []; // the active ones, to pick
let todosOsTipos = []; // retired ones too, to name

/** The production types of /catalogos, for every item row from now on. */
export function definirTipos(lista) {
  todosOsTipos = lista.map(({ codigo, nome }) => ({ codigo, nome }));
  tipos = lista.filter((t) => t.ativo).map(({ codigo, nome }) => ({ codigo, nome }));
}

/** A production type's name for people (its code when the catalog does not hold it). */
export function nomeDoTipo(codigo) {
  return todosOsTipos.find((t) => t.codigo === codigo)?.nome ?? codigo;
}

function opcoesDeTipo(select, atual) {
  const opcoes = [...tipos];
  // A type the item already has stays pickable: retired since, or typed before the catalog existed.
  if (atual && !opcoes.some((t) => t.codigo === atual)) opcoes.push({ codigo: atual, nome: atual });
  for (const { codigo, nome } of opcoes) select.add(new Option(nome, codigo));
}

/** The item's detail in its row's fields. */
function preencherDetalhes(linha, item) {
  const campo = (nome) => linha.querySelector(`[name=${nome}]`);
  const acabamento = item.acabamento ?? {};
  const adicionais = Number(item.valores_adicionais ?? 0);
  const comExtras = adicionais > 0 || acabamento.ilhos || acabamento.cordinha;
  campo("material").value = item.material ?? "";
  campo("vendedor_id").value = item.vendedor_id ?? "";
  campo("designer_id").value = item.designer_id ?? "";
  // A base price only when extras make it differ from the unit price: otherwise the unit is typed.
  campo("valor_base").value = comExtras ? paraCampo(item.valor_base) : "";
  campo("valores_adicionais").value = adicionais > 0 ? paraCampo(item.valores_adicionais) : "";
  for (const nome of DETALHE_CAIXA) campo(nome).checked = Boolean(acabamento[nome]);
  for (const nome of ["ilhos", "cordinha"]) {
    const extra = acabamento[nome];
    campo(`${nome}_quantidade`).value = extra ? String(extra.quantidade) : "";
    campo(`${nome}_espaco`).value = extra?.espaco ? paraCampo(extra.espaco) : "";
    campo(`${nome}_valor`).value = extra ? paraCampo(extra.valor_unitario) : "";
  }
  campo("emenda_quantidade").value = item.emenda_quantidade ? String(item.emenda_quantidade) : "";
  campo("item_observacao").value = item.observacao ?? "";
}

function temAcabamento(linha) {
  const valor = (nome) => linha.querySelector(`[name=${nome}]`).value.trim();
  return (
    ["valor_base", "ilhos_quantidade", "cordinha_quantidade"].some((nome) => valor(nome)) ||
    DETALHE_CAIXA.some((nome) => linha.querySelector(`[name=${nome}]`).checked)
  );
}

/** Finishing and a base price are shown for the types that take them, and for an item that has them. */
function ajustarAoTipo(linha) {
  const mostrar = COM_ACABAMENTO.has(linha.querySelector("[name=tipo_producao]").value) || temAcabamento(linha);
  for (const parte of linha.querySelectorAll("[data-acabamento]")) parte.hidden = !mostrar;
}

/** With a base price typed, the unit price is the server's rule, worked out as one types (read-only). */
function precificar(linha) {
  const valor = (nome) => linha.querySelector(`[name=${nome}]`).value.trim();
  const unitario = linha.querySelector("[name=valor_unitario]");
  if (!valor("valor_base")) {
    unitario.readOnly = false;
    return;
  }
  const extra = (nome) => Math.round(numero(valor(`${nome}_quantidade`))) * centavos(valor(`${nome}_valor`));
  const total = centavos(valor("valor_base")) + centavos(valor("valores_adicionais")) + extra("ilhos") + extra("cordinha");
  unitario.value = paraCampo((total / 100).toFixed(2));
  unitario.readOnly = true;
}

/** The detail fields as the API takes them (what the form shows wins over what the item had). */
function detalhesCorpo(linha) {
  const valor = (nome) => linha.querySelector(`[name=${nome}]`).value.trim();
  const id = (nome) => (valor(nome) ? Number(valor(nome)) : null);
  const extra = (nome) =>
    valor(`${nome}_quantidade`)
      ? {
          quantidade: Number(valor(`${nome}_quantidade`)),
          espaco: valor(`${nome}_espaco`) ? decimal(valor(`${nome}_espaco`)) : null,
          valor_unitario: valor(`${nome}_valor`) ? decimal(valor(`${nome}_valor`)) : "0",
        }
      : null;
  const corpo = {
    material: valor("material"),
    vendedor_id: id("vendedor_id"),
    designer_id: id("designer_id"),
    valores_adicionais: valor("valores_adicionais") ? decimal(valor("valores_adicionais")) : "0",
    acabamento: {
      ...Object.fromEntries(DETALHE_CAIXA.map((nome) => [nome, linha.querySelector(`[name=${nome}]`).checked])),
      ilhos: extra("ilhos"),
      cordinha: extra("cordinha"),
    },
    emenda_quantidade: valor("emenda_quantidade") ? Number(valor("emenda_quantidade")) : 0,
    observacao: valor("item_observacao"),
  };
  if (valor("valor_base")) {
    corpo.valor_base = decimal(valor("valor_base"));
    corpo.valor_unitario = undefined; // the server works it out
  }
  return corpo;
}

export class Formulario {
  /**
   * @param form the <form>; @param modelo the <template> of one item row
   * @param ids the form's own elements: itens, adicionar, total, erro (and, optional, totalItens, frete)
   */
  constructor(form, modelo, ids = {}) {
    const $ = (id) => (id ? form.querySelector(id) : null);
    // The order's own fields come from one template, so both forms always have the same ones.
    form.querySelector("[data-campos]")?.replaceWith(document.querySelector("#modelo-campos").content.cloneNode(true));
    this.form = form;
    this.modelo = modelo;
    this.itens = $(ids.itens ?? "#itens");
    this.total = $(ids.total ?? "#novo-total");
    this.totalItens = $(ids.totalItens);
    this.frete = $(ids.frete);
    this.erro = $(ids.erro ?? "#novo-erro");
    this.clientes = new Autocompletar(form);
    $(ids.adicionar ?? "#adicionar-item").addEventListener("click", () => {
      this.adicionarItem().querySelector("input").focus();
      this.form.dispatchEvent(new Event("input"));
    });
    form.addEventListener("input", (e) => {
      this.corrigido(e.target);
      this.somar();
    });
    this.limpar();
  }

  limpar() {
    this.form.reset();
    this.clientes.ligar(null);
    this.itens.replaceChildren();
    this.adicionarItem();
    this.mostrarErros("", {});
    this.somar();
  }

  adicionarItem(item = null) {
    const linha = this.modelo.content.firstElementChild.cloneNode(true);
    linha.querySelector(".remover").addEventListener("click", () => {
      linha.remove();
      this.somar();
      this.form.dispatchEvent(new Event("input"));
    });
    const tipo = linha.querySelector("[name=tipo_producao]");
    opcoesDeTipo(tipo, item?.tipo_producao);
    opcoesDe(linha.querySelector("[name=vendedor_id]"), catalogo.vendedores, item?.vendedor);
    opcoesDe(linha.querySelector("[name=designer_id]"), catalogo.designers, item?.designer);
    linha.original = item;
    if (item) {
      for (const nome of CAMPOS_ITEM) {
        const valor = item[nome];
        linha.querySelector(`[name=${nome}]`).value = DINHEIRO_ITEM.has(nome) ? paraCampo(valor) : (valor ?? "");
      }
      preencherDetalhes(linha, item);
    }
    tipo.addEventListener("change", () => ajustarAoTipo(linha));
    ajustarAoTipo(linha);
    this.itens.append(linha);
    return linha;
  }

  /** Show ``pedido`` in the fields (the drawer); what the person then changes is ``alterados()``. */
  preencher(pedido) {
    for (const nome of CAMPOS) {
      const campo = this.form.elements[nome];
      if (nome === "valor_frete") campo.value = paraCampo(pedido.valor_frete);
      else if (DATAS.has(nome)) campo.value = data(pedido[nome]);
      else campo.value = pedido[nome] ?? "";
    }
    this.itens.replaceChildren();
    for (const item of pedido.itens) this.adicionarItem(item);
    this.clientes.sincronizar();
    this.mostrarErros("", {});
    this.somar();
    this.inicial = this.brutos();
  }

  /** Each field's text as typed, and the items' as one text: what tells an edit from none. */
  brutos() {
    const valores = Object.fromEntries(CAMPOS.map((nome) => [nome, this.form.elements[nome].value]));
    valores.itens = JSON.stringify(
      this.preenchidas().map((linha) => [
        ...[...CAMPOS_ITEM, ...DETALHE_TEXTO].map((n) => linha.querySelector(`[name=${n}]`).value.trim()),
        ...DETALHE_CAIXA.map((n) => linha.querySelector(`[name=${n}]`).checked),
      ]),
    );
    return valores;
  }

  /** Names of the fields (and "itens") the person changed since ``preencher``. */
  alterados() {
    const agora = this.brutos();
    return Object.keys(agora).filter((nome) => agora[nome] !== this.inicial?.[nome]);
  }

  linhas() {
    return [...this.itens.querySelectorAll(".item")];
  }

  // Rows with anything typed besides the quantity; blank rows are not sent.
  preenchidas() {
    return this.linhas().filter((linha) =>
      CAMPOS_ITEM.some((n) => n !== "quantidade" && linha.querySelector(`[name=${n}]`).value.trim()));
  }

  somar() {
    const frete = centavos(this.form.elements.valor_frete.value);
    let itens = 0;
    for (const linha of this.linhas()) {
      const quantidade = Number(linha.querySelector("[name=quantidade]").value) || 0;
      precificar(linha);
      const largura = numero(linha.querySelector("[name=largura]").value);
      const altura = numero(linha.querySelector("[name=altura]").value);
      const area = linha.querySelector(".area");
      if (area) area.textContent = largura && altura ? `· ${paraCampo((largura * altura * quantidade).toFixed(2))} m²` : "";
      const unitario = centavos(linha.querySelector("[name=valor_unitario]").value);
      itens += quantidade * unitario;
      const subtotal = linha.querySelector(".subtotal");
      if (subtotal) subtotal.textContent = dinheiro((quantidade * unitario) / 100);
    }
    this.total.textContent = dinheiro((itens + frete) / 100);
    if (this.totalItens) this.totalItens.textContent = dinheiro(itens / 100);
    if (this.frete) this.frete.textContent = dinheiro(frete / 100);
  }

  valor(nome) {
    const valor = this.form.elements[nome].value.trim();
    if (DATAS.has(nome)) return dataDoCampo(valor) ?? valor;
    if (nome === "cliente_id") return valor ? Number(valor) : null;
    return nome === "valor_frete" ? decimal(valor) : valor;
  }

  /** Problems found before asking the server: dates that are no dd/mm/aaaa calendar date. */
  errosLocais() {
    const erros = {};
    for (const nome of DATAS) {
      if (dataDoCampo(this.form.elements[nome].value) === null) erros[nome] = "Data inválida; use dd/mm/aaaa";
    }
    return erros;
  }

  itensCorpo() {
    return this.preenchidas().map((linha) => {
      const original = linha.original;
      const item = {};
      if (original) {
        for (const nome of GUARDADOS) if (original[nome] !== undefined) item[nome] = original[nome];
      }
      for (const nome of CAMPOS_ITEM) {
        const valor = linha.querySelector(`[name=${nome}]`).value.trim();
        if (nome === "quantidade") item.quantidade = valor === "" ? 0 : Number(valor);
        else if (nome === "descricao" || nome === "tipo_producao") item[nome] = valor;
        else if (valor) item[nome] = decimal(valor);
      }
      return { ...item, ...detalhesCorpo(linha) };
    });
  }

  // The new order's JSON body; empty optional fields are left out so the server's defaults apply.
  corpo() {
    const corpo = {};
    for (const nome of CAMPOS) {
      const valor = this.valor(nome);
      if (valor) corpo[nome] = valor;
    }
    corpo.itens = this.itensCorpo();
    return corpo;
  }

  /** A PATCH body with only ``nomes`` (what the person changed): an emptied field is sent empty. */
  corpoAlteracoes(nomes) {
    const corpo = {};
    for (const nome of nomes) {
      if (nome === "itens") corpo.itens = this.itensCorpo();
      else if (nome === "data_entrega") corpo.data_entrega = this.valor(nome) || null;
      else if (nome === "cliente_id") corpo.cliente_id = this.valor(nome);
      else if (nome === "valor_frete") corpo.valor_frete = this.valor(nome) || "0";
      else corpo[nome] = this.valor(nome);
    }
    return corpo;
  }

  // A field the server marked is being corrected: its mark goes at once, not at the next submit.
  corrigido(campo) {
    if (!campo.classList || !campo.classList.contains("invalido")) return;
    campo.classList.remove("invalido");
    campo.closest("label")?.querySelector(".nota-erro")?.remove();
    if (!this.form.querySelector(".invalido")) this.erro.textContent = "";
  }

  mostrarErros(mensagem, campos) {
    this.erro.textContent = mensagem;
    for (const invalido of this.form.querySelectorAll(".invalido")) invalido.classList.remove("invalido");
    for (const nota of this.form.querySelectorAll(".nota-erro")) nota.remove();
    const linhas = this.preenchidas();
    for (const [chave, texto] of Object.entries(campos)) {
      const item = /^itens\[(\d+)\](?:\.([\w.]+))?$/.exec(chave);
      const nomeNoItem = item && (CAMPO_DO_ERRO[item[2]] ?? item[2] ?? "descricao");
      const linha = item && linhas[Number(item[1])];
      const campo = item
        ? (linha?.querySelector(`[name=${nomeNoItem}]`) ?? linha?.querySelector("[name=descricao]"))
        : this.form.elements[chave];
      const detalhes = campo?.closest("details");
      if (detalhes) detalhes.open = true;
      if (!campo) {
        this.erro.textContent += ` ${chave}: ${texto}.`;
        continue;
      }
      campo.classList.add("invalido");
      const nota = document.createElement("span");
      nota.className = "nota-erro";
      nota.textContent = texto;
      campo.closest("label").append(nota);
    }
  }
}
