// The "new order" form: item rows, a running total, and the server's per-field errors
// shown next to the field they name ("cliente", "itens[0].valor_unitario", ...).

import { dinheiro } from "./quadro.js";

const CAMPOS_ITEM = ["descricao", "tipo_producao", "quantidade", "valor_unitario", "largura", "altura"];

// "1.234,50" or "1234.5" -> "1234.50"-like text for the server, which validates it.
function decimal(texto) {
  const limpo = texto.trim().replace(/\s/g, "");
  if (!limpo) return "";
  return limpo.includes(",") ? limpo.replace(/\./g, "").replace(",", ".") : limpo;
}

function centavos(texto) {
  const valor = Number(decimal(texto || ""));
  return Number.isFinite(valor) ? Math.round(valor * 100) : 0;
}

export class Formulario {
  /** @param form the <form>; @param modelo the <template> of one item row */
  constructor(form, modelo) {
    this.form = form;
    this.modelo = modelo;
    this.itens = form.querySelector("#itens");
    this.total = form.querySelector("#novo-total");
    this.erro = form.querySelector("#novo-erro");
    form.querySelector("#adicionar-item").addEventListener("click", () => this.adicionarItem());
    form.addEventListener("input", (e) => {
      this.corrigido(e.target);
      this.somar();
    });
    this.limpar();
  }

  limpar() {
    this.form.reset();
    this.itens.replaceChildren();
    this.adicionarItem();
    this.mostrarErros("", {});
    this.somar();
  }

  adicionarItem() {
    const linha = this.modelo.content.firstElementChild.cloneNode(true);
    linha.querySelector(".remover").addEventListener("click", () => {
      linha.remove();
      this.somar();
    });
    this.itens.append(linha);
    return linha;
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
    let soma = centavos(this.form.elements.valor_frete.value);
    for (const linha of this.linhas()) {
      const quantidade = Number(linha.querySelector("[name=quantidade]").value) || 0;
      soma += quantidade * centavos(linha.querySelector("[name=valor_unitario]").value);
    }
    this.total.textContent = dinheiro(soma / 100);
  }

  // The JSON body; empty optional fields are left out so the server's defaults apply.
  corpo() {
    const campos = this.form.elements;
    const corpo = {};
    for (const nome of ["cliente", "telefone_cliente", "cidade_cliente", "estado_cliente", "data_entrega",
      "prioridade", "forma_envio", "tipo_pagamento", "observacao"]) {
      const valor = campos[nome].value.trim();
      if (valor) corpo[nome] = valor;
    }
    const frete = decimal(campos.valor_frete.value);
    if (frete) corpo.valor_frete = frete;
    corpo.itens = this.preenchidas().map((linha) => {
      const item = {};
      for (const nome of CAMPOS_ITEM) {
        const valor = linha.querySelector(`[name=${nome}]`).value.trim();
        if (nome === "quantidade") item.quantidade = valor === "" ? 0 : Number(valor);
        else if (nome === "descricao" || nome === "tipo_producao") item[nome] = valor;
        else if (valor) item[nome] = decimal(valor);
      }
      return item;
    });
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
      const item = /^itens\[(\d+)\](?:\.(\w+))?$/.exec(chave);
      const campo = item
        ? linhas[Number(item[1])]?.querySelector(`[name=${item[2] || "descricao"}]`)
        : this.form.elements[chave];
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
