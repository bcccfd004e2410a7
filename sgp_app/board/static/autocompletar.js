// Customer autocomplete on an order's "Cliente" field: as one types, the registry's matches
// (GET /clientes?q=, word beginnings, document or phone digits) in a list under the field.
// Arrow keys move through it, Enter or a click chooses, Esc closes; choosing fills the
// customer's name, phone, city and state and links the order to it (cliente_id). Typing over a
// chosen name unlinks it again: the order then has a customer by name only.

import { api } from "./api.js";
import { el } from "./dom.js";

const ESPERA_MS = 120; // after the last keystroke, before asking the server
const SUGESTOES = 8;
const MINIMO = 2; // characters before the first search

let sequencia = 0; // listboxes need ids of their own

/** The line under a suggestion's name: document, phone, city/UF. */
function detalhe(cliente) {
  const doc = cliente.documento
    ? cliente.documento.length === 11
      ? `CPF ${cliente.documento.replace(/(\d{3})(\d{3})(\d{3})(\d{2})/, "$1.$2.$3-$4")}`
      : `CNPJ ${cliente.documento.replace(/(\d{2})(\d{3})(\d{3})(\d{4})(\d{2})/, "$1.$2.$3/$4-$5")}`
    : "";
  const lugar = [cliente.cidade, cliente.estado].filter(Boolean).join("/");
  return [doc, cliente.telefone, lugar].filter(Boolean).join(" · ");
}

export class Autocompletar {
  /**
   * @param form the order's form: its ``cliente`` field gets the list, its ``cliente_id``
   *   (hidden) the choice; @param aoEscolher(cliente) after a choice filled the fields
   */
  constructor(form, { aoEscolher = () => {} } = {}) {
    this.form = form;
    this.campo = form.elements.cliente;
    this.id = form.elements.cliente_id;
    this.aoEscolher = aoEscolher;
    this.lista = el("ul", "sugestoes");
    this.lista.id = `sugestoes-${++sequencia}`;
    this.lista.setAttribute("role", "listbox");
    this.lista.setAttribute("aria-label", "Clientes cadastrados");
    this.lista.hidden = true;
    this.selo = el("span", "selo-cliente", "cadastrado");
    this.selo.title = "Pedido ligado ao cadastro do cliente";
    this.selo.hidden = true;
    this.campo.closest("label").append(this.selo, this.lista);
    this.campo.setAttribute("role", "combobox");
    this.campo.setAttribute("aria-autocomplete", "list");
    this.campo.setAttribute("aria-controls", this.lista.id);
    this.campo.setAttribute("aria-expanded", "false");
    this.campo.autocomplete = "off";
    this.resultados = [];
    this.ativo = -1;
    this.campo.addEventListener("input", () => {
      if (this.id.value) this.ligar(null); // typing over a chosen customer: a name only, again
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.buscar(), ESPERA_MS);
    });
    this.campo.addEventListener("keydown", (e) => this.tecla(e));
    this.campo.addEventListener("blur", () => setTimeout(() => this.fechar(), 150));
    // pointerdown, not click: it comes before the field's blur closes the list.
    this.lista.addEventListener("pointerdown", (e) => {
      const opcao = e.target.closest("[role=option]");
      if (!opcao) return;
      e.preventDefault();
      this.escolher(Number(opcao.dataset.indice));
    });
  }

  /** Show whether the form's order is linked to a customer (after the form was filled). */
  sincronizar() {
    this.selo.hidden = !this.id.value;
    this.fechar();
  }

  ligar(id) {
    this.id.value = id ?? "";
    this.selo.hidden = !id;
  }

  async buscar() {
    const texto = this.campo.value.trim();
    if (texto.length < MINIMO) return this.fechar();
    const pedido = ++this.pedidoAtual;
    try {
      const q = encodeURIComponent(texto);
      const { dados } = await api("GET", `/clientes?q=${q}&ativo=true&limit=${SUGESTOES}`);
      if (pedido !== this.pedidoAtual || document.activeElement !== this.campo) return; // typed on since
      this.mostrar(dados);
    } catch {
      this.fechar(); // suggestions are a help: a failure leaves the field as it is
    }
  }

  mostrar(clientes) {
    this.resultados = clientes;
    this.ativo = -1;
    this.lista.replaceChildren(
      ...clientes.map((cliente, i) => {
        const opcao = el("li", "sugestao");
        opcao.id = `${this.lista.id}-${i}`;
        opcao.setAttribute("role", "option");
        opcao.setAttribute("aria-selected", "false");
        opcao.dataset.indice = String(i);
        opcao.append(el("strong", "", cliente.nome), el("span", "", detalhe(cliente)));
        return opcao;
      }),
    );
    if (!clientes.length) this.lista.append(el("li", "sem-sugestao", "Nenhum cliente cadastrado com isso"));
    this.lista.hidden = false;
    this.campo.setAttribute("aria-expanded", "true");
  }

  fechar() {
    this.lista.hidden = true;
    this.campo.setAttribute("aria-expanded", "false");
    this.campo.removeAttribute("aria-activedescendant");
    this.ativo = -1;
  }

  marcar(indice) {
    const opcoes = [...this.lista.querySelectorAll("[role=option]")];
    if (!opcoes.length) return;
    this.ativo = (indice + opcoes.length) % opcoes.length;
    opcoes.forEach((opcao, i) => opcao.setAttribute("aria-selected", String(i === this.ativo)));
    this.campo.setAttribute("aria-activedescendant", opcoes[this.ativo].id);
    opcoes[this.ativo].scrollIntoView({ block: "nearest" });
  }

  tecla(e) {
    if (this.lista.hidden) {
      if (e.key === "ArrowDown" && this.campo.value.trim().length >= MINIMO) {
        e.preventDefault();
        this.buscar();
      }
      return;
    }
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      this.marcar(this.ativo + (e.key === "ArrowDown" ? 1 : -1));
    } else if (e.key === "Enter" && this.ativo >= 0) {
      e.preventDefault(); // choosing, not submitting the form
      this.escolher(this.ativo);
    } else if (e.key === "Escape") {
      e.preventDefault(); // closes the list, not the dialog
      e.stopPropagation();
      this.fechar();
    }
  }

  escolher(indice) {
    const cliente = this.resultados[indice];
    if (!cliente) return;
    const campos = this.form.elements;
    campos.cliente.value = cliente.nome;
    campos.telefone_cliente.value = cliente.telefone;
    campos.cidade_cliente.value = cliente.cidade;
    campos.estado_cliente.value = cliente.estado;
    this.ligar(String(cliente.id));
    this.fechar();
    for (const nome of ["cliente", "telefone_cliente", "cidade_cliente", "estado_cliente"]) {
      campos[nome].classList.remove("invalido");
    }
    this.aoEscolher(cliente);
    this.form.dispatchEvent(new Event("input"));
  }
}
Autocompletar.prototype.pedidoAtual = 0;
