// The catalogs page, for admins (the server answers 403 to anyone else, and the board hides it):
// pick a catalog, see its entries, add one with that catalog's fields, retire or bring back one.
// Nothing is deleted: a retired entry stays on the orders that have it.

import { api } from "./api.js";
import { decimal, dinheiro } from "./formatos.js";
import { el } from "./dom.js";

const porcento = (valor) => `${String(valor).replace(".", ",")}%`;

// Each catalog: its name for people, and its own fields (name, label, kind) besides "nome".
export const CATALOGOS = {
  "tipos-producao": { nome: "Tipos de produção", campos: [["codigo", "Código (ex.: impressao_3d)", "texto"]] },
  materiais: { nome: "Materiais", campos: [["valor_metro_quadrado", "Valor do m² (R$)", "dinheiro"]] },
  vendedores: {
    nome: "Vendedores",
    campos: [["comissao_percentual", "Comissão (%)", "porcento"], ["email", "E-mail", "texto"], ["telefone", "Telefone", "texto"]],
  },
  designers: { nome: "Designers", campos: [["email", "E-mail", "texto"], ["telefone", "Telefone", "texto"]] },
  "formas-pagamento": {
    nome: "Formas de pagamento",
    campos: [["parcelas_max", "Parcelas (máx.)", "inteiro"], ["taxa_percentual", "Taxa (%)", "porcento"]],
  },
  "formas-envio": { nome: "Formas de envio", campos: [["valor", "Frete padrão (R$)", "dinheiro"], ["prazo_dias", "Prazo (dias)", "inteiro"]] },
  maquinas: { nome: "Máquinas", campos: [["descricao", "Descrição", "texto"]] },
};

/** What an emptied field means when an entry is edited (a number left empty keeps its value). */
function vazio(nome, tipo) {
  if (tipo === "texto") return "";
  if (nome === "valor_metro_quadrado") return null; // no price per m²
  return tipo === "inteiro" ? undefined : "0";
}

function mostrado(tipo, valor) {
  if (valor === null || valor === undefined || valor === "") return "—";
  if (tipo === "dinheiro") return dinheiro(valor);
  if (tipo === "porcento") return porcento(valor);
  return String(valor);
}

export class Catalogos {
  /** @param dialogo the <dialog>; @param aoFalhar(erro) a failure other than a field's; @param aoAvisar(texto) */
  constructor(dialogo, { aoFalhar, aoAvisar, aoMudar }) {
    Object.assign(this, { dialogo, aoFalhar, aoAvisar, aoMudar });
    this.$ = (id) => dialogo.querySelector(id);
    this.tipo = "tipos-producao";
    const escolha = this.$("#catalogo-tipo");
    for (const [tipo, { nome }] of Object.entries(CATALOGOS)) escolha.add(new Option(nome, tipo));
    escolha.addEventListener("change", () => {
      this.tipo = escolha.value;
      this.novo();
      this.carregar();
    });
    this.$("#catalogo-cancelar").addEventListener("click", () => this.novo());
    this.$("#catalogos-fechar").addEventListener("click", () => dialogo.close());
    this.$("#form-catalogo").addEventListener("submit", (e) => {
      e.preventDefault();
      this.criar();
    });
  }

  async abrir() {
    if (!this.dialogo.open) this.dialogo.showModal();
    await this.carregar();
  }

  erro(texto) {
    this.$("#catalogos-erro").textContent = texto;
  }

  async carregar() {
    const { campos } = CATALOGOS[this.tipo];
    this.erro("");
    // The form asks for this catalog's fields.
    const extras = this.$("#catalogo-campos");
    extras.replaceChildren(
      ...campos.map(([nome, rotulo, tipo]) => {
        const label = el("label", "", `${rotulo} `);
        const campo = el("input");
        campo.name = nome;
        if (tipo !== "texto") campo.inputMode = tipo === "inteiro" ? "numeric" : "decimal";
        label.append(campo);
        return label;
      }),
    );
    const cabeca = this.$("#catalogo-cabeca");
    cabeca.replaceChildren(
      ...["Nome", ...campos.map(([, rotulo]) => rotulo.replace(/ \(ex\..*\)/, "")), "Situação", "Ações"].map((t) => el("th", "", t)),
    );
    try {
      const { dados } = await api("GET", `/catalogos/${this.tipo}`);
      this.$("#catalogo-lista").replaceChildren(...dados.map((entrada) => this.linha(entrada)));
    } catch (erro) {
      this.aoFalhar(erro);
    }
  }

  linha(entrada) {
    const tr = el("tr", entrada.ativo ? "" : "inativo");
    tr.dataset.nome = entrada.nome;
    tr.append(el("td", "", entrada.nome));
    for (const [nome, , tipo] of CATALOGOS[this.tipo].campos) tr.append(el("td", "", mostrado(tipo, entrada[nome])));
    tr.append(el("td", "", entrada.ativo ? "Em uso" : "Retirado"));
    const acoes = el("td", "acoes");
    const editar = el("button", "secundario editar", "Editar");
    editar.type = "button";
    editar.addEventListener("click", () => this.editar(entrada));
    const botao = el("button", "secundario alternar", entrada.ativo ? "Retirar" : "Voltar a usar");
    botao.type = "button";
    botao.addEventListener("click", () => this.alterar(entrada, { ativo: !entrada.ativo }));
    acoes.append(editar, botao);
    tr.append(acoes);
    return tr;
  }

  /** The form takes ``entrada``'s values; saving changes it (a production type's code stays as it is). */
  editar(entrada) {
    const form = this.$("#form-catalogo");
    this.editando = entrada;
    form.elements.nome.value = entrada.nome;
    for (const [nome, , tipo] of CATALOGOS[this.tipo].campos) {
      const valor = entrada[nome];
      form.elements[nome].value = valor === null || valor === undefined ? "" : tipo === "texto" ? valor : String(valor).replace(".", ",");
      form.elements[nome].disabled = nome === "codigo";
    }
    this.$("#catalogo-form-titulo").textContent = `Editar ${entrada.nome}`;
    this.$("#catalogo-salvar").textContent = "Salvar";
    this.$("#catalogo-cancelar").hidden = false;
    form.elements.nome.focus();
  }

  /** Back to adding a new entry. */
  novo() {
    this.editando = null;
    const form = this.$("#form-catalogo");
    form.reset();
    for (const campo of form.elements) campo.disabled = false;
    this.$("#catalogo-form-titulo").textContent = "Nova entrada";
    this.$("#catalogo-salvar").textContent = "Adicionar";
    this.$("#catalogo-cancelar").hidden = true;
  }

  async alterar(entrada, corpo, feito = null) {
    this.erro("");
    try {
      await api("PATCH", `/catalogos/${this.tipo}/${entrada.id}`, { corpo });
      this.aoAvisar(feito ?? `${entrada.nome}: ${corpo.ativo ? "de volta ao uso" : "retirado"}.`);
      this.aoMudar(this.tipo);
      await this.carregar();
    } catch (erro) {
      this.recusado(erro);
    }
  }

  /** A 422 or 409 is said on the page, with each field's message; anything else goes up. */
  recusado(erro) {
    if (erro.status === 422 || erro.status === 409) this.erro([erro.message, ...Object.values(erro.fields)].join(" "));
    else this.aoFalhar(erro);
  }

  async criar() {
    const form = this.$("#form-catalogo");
    const corpo = { nome: form.elements.nome.value.trim() };
    const editando = this.editando;
    for (const [nome, , tipo] of CATALOGOS[this.tipo].campos) {
      if (editando && nome === "codigo") continue; // fixed once created
      const valor = form.elements[nome].value.trim();
      if (!valor) {
        if (editando) corpo[nome] = vazio(nome, tipo);
        continue; // a new entry takes the server's default
      }
      if (tipo === "inteiro") corpo[nome] = Number(valor);
      else if (tipo === "dinheiro" || tipo === "porcento") corpo[nome] = decimal(valor);
      else corpo[nome] = valor;
    }
    this.erro("");
    if (editando) {
      await this.alterar(editando, corpo, `${corpo.nome} salvo.`);
      if (!this.$("#catalogos-erro").textContent) this.novo();
      return;
    }
    try {
      await api("POST", `/catalogos/${this.tipo}`, { corpo });
      this.aoAvisar(`${corpo.nome} adicionado a ${CATALOGOS[this.tipo].nome}.`);
      this.aoMudar(this.tipo);
      form.reset();
      await this.carregar();
    } catch (erro) {
      this.recusado(erro);
    }
  }
}
