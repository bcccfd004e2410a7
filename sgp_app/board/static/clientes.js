// The customers page: search as one types, page through, add and edit a customer (If-Match),
// retire one; for admins, import a spreadsheet (CSV) — first simulated, its per-row report
// shown, then kept on confirmation — with a progress bar while it uploads; and export
// everything as a CSV a Brazilian spreadsheet opens.

import { api, baixar, sessao } from "./api.js";
import { el } from "./dom.js";

const PAGINA = 50;
const ESPERA_MS = 150;
const CAMPOS = ["nome", "documento", "telefone", "email", "cep", "endereco", "cidade", "estado", "observacao"];
const NOMES = {
  nome: "Nome", documento: "CPF/CNPJ", telefone: "Telefone", email: "E-mail", cep: "CEP", endereco: "Endereço",
  cidade: "Cidade", estado: "UF", observacao: "Observação", arquivo: "Arquivo", linha: "Linha",
};

/** A stored document as people read it: 123.456.789-09 or 12.345.678/0001-95. */
export function documentoLegivel(digitos) {
  if (!digitos) return "";
  if (digitos.length === 11) return digitos.replace(/(\d{3})(\d{3})(\d{3})(\d{2})/, "$1.$2.$3-$4");
  return digitos.replace(/(\d{2})(\d{3})(\d{3})(\d{4})(\d{2})/, "$1.$2.$3/$4-$5");
}

export const cepLegivel = (digitos) => (digitos?.length === 8 ? `${digitos.slice(0, 5)}-${digitos.slice(5)}` : digitos ?? "");

/** POST a file with an upload progress bar (fetch has none): resolves to ``{status, dados}``. */
function enviar(caminho, arquivo, barra) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", caminho);
    xhr.setRequestHeader("Authorization", `Bearer ${sessao.token}`);
    xhr.setRequestHeader("Content-Type", "text/csv");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.responseType = "json";
    barra.hidden = false;
    barra.removeAttribute("value"); // indeterminate until the first progress
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) {
        barra.max = e.total;
        barra.value = e.loaded;
      }
    });
    xhr.upload.addEventListener("load", () => barra.removeAttribute("value")); // sent: the server is reading it
    xhr.addEventListener("load", () => resolve({ status: xhr.status, dados: xhr.response }));
    xhr.addEventListener("error", () => reject(new Error("Sem conexão com o servidor; tente de novo")));
    xhr.send(arquivo);
  });
}

export class Clientes {
  /** @param dialogo the <dialog>; @param aoFalhar(erro) a failure other than a field's; @param aoAvisar(texto) */
  constructor(dialogo, { aoFalhar, aoAvisar }) {
    Object.assign(this, { dialogo, aoFalhar, aoAvisar });
    this.$ = (id) => dialogo.querySelector(id);
    this.form = this.$("#form-cliente");
    this.editando = null;
    this.mostrados = 0;
    this.$("#clientes-fechar").addEventListener("click", () => dialogo.close());
    this.$("#clientes-busca").addEventListener("input", () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.carregar(), ESPERA_MS);
    });
    this.$("#clientes-inativos").addEventListener("change", () => this.carregar());
    this.$("#clientes-mais").addEventListener("click", () => this.carregar(true));
    this.$("#cliente-cancelar").addEventListener("click", () => this.novo());
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.salvar();
    });
    this.$("#clientes-exportar").addEventListener("click", () => this.exportar());
    this.$("#clientes-arquivo").addEventListener("change", () => this.simular());
    this.$("#importar-confirmar").addEventListener("click", () => this.importar());
    this.$("#importar-descartar").addEventListener("click", () => this.limparImportacao());
  }

  async abrir() {
    this.$("#clientes-importacao").hidden = !sessao.usuario?.is_admin;
    this.novo();
    this.limparImportacao();
    if (!this.dialogo.open) this.dialogo.showModal();
    this.$("#clientes-busca").focus();
    await this.carregar();
  }

  erro(texto) {
    this.$("#clientes-erro").textContent = texto;
  }

  consulta(skip) {
    const q = encodeURIComponent(this.$("#clientes-busca").value.trim());
    const ativo = this.$("#clientes-inativos").checked ? "" : "&ativo=true";
    return `/clientes?q=${q}${ativo}&skip=${skip}&limit=${PAGINA}`;
  }

  /** The first page of what the search finds, or (``mais``) the next one, below. */
  async carregar(mais = false) {
    const skip = mais ? this.mostrados : 0;
    const pedido = (this.pedido = (this.pedido ?? 0) + 1);
    try {
      const { dados, headers } = await api("GET", this.consulta(skip));
      if (pedido !== this.pedido) return; // typed on since
      const lista = this.$("#clientes-lista");
      const linhas = dados.map((c) => this.linha(c));
      if (mais) lista.append(...linhas);
      else lista.replaceChildren(...linhas);
      this.mostrados = skip + dados.length;
      const total = Number(headers.get("X-Total-Count"));
      this.$("#clientes-contagem").textContent =
        total === 1 ? "1 cliente" : `${total.toLocaleString("pt-BR")} clientes`;
      const botao = this.$("#clientes-mais");
      botao.hidden = this.mostrados >= total;
      botao.textContent = `Mostrar mais (${(total - this.mostrados).toLocaleString("pt-BR")})`;
    } catch (erro) {
      this.aoFalhar(erro);
    }
  }

  linha(cliente) {
    const tr = el("tr", cliente.ativo ? "" : "inativo");
    tr.dataset.id = cliente.id;
    const lugar = [cliente.cidade, cliente.estado].filter(Boolean).join("/");
    for (const texto of [cliente.nome, documentoLegivel(cliente.documento), cliente.telefone, lugar]) {
      tr.append(el("td", "", texto || "—"));
    }
    tr.append(el("td", "", cliente.ativo ? "Ativo" : "Inativo"));
    const acoes = el("td", "acoes");
    const editar = el("button", "secundario editar", "Editar");
    editar.type = "button";
    editar.addEventListener("click", () => this.editar(cliente));
    acoes.append(editar);
    tr.append(acoes);
    return tr;
  }

  editar(cliente) {
    this.editando = cliente;
    for (const nome of CAMPOS) {
      const valor = cliente[nome] ?? "";
      this.form.elements[nome].value =
        nome === "documento" ? documentoLegivel(valor) : nome === "cep" ? cepLegivel(valor) : valor;
    }
    this.form.elements.ativo.checked = cliente.ativo;
    this.$("#cliente-form-titulo").textContent = `Editar ${cliente.nome}`;
    this.$("#cliente-salvar").textContent = "Salvar";
    this.$("#cliente-cancelar").hidden = false;
    this.form.elements.nome.focus();
  }

  novo() {
    this.editando = null;
    this.form.reset();
    this.form.elements.ativo.checked = true;
    this.$("#cliente-form-titulo").textContent = "Novo cliente";
    this.$("#cliente-salvar").textContent = "Adicionar";
    this.$("#cliente-cancelar").hidden = true;
    this.marcar({});
  }

  /** Each field the server refused gets its message beside it. */
  marcar(campos) {
    for (const nota of this.form.querySelectorAll(".nota-erro")) nota.remove();
    for (const campo of this.form.querySelectorAll(".invalido")) campo.classList.remove("invalido");
    for (const [nome, texto] of Object.entries(campos)) {
      const campo = this.form.elements[nome];
      if (!campo) continue;
      campo.classList.add("invalido");
      campo.closest("label").append(el("span", "nota-erro", texto));
    }
  }

  async salvar() {
    const corpo = Object.fromEntries(CAMPOS.map((nome) => [nome, this.form.elements[nome].value.trim()]));
    corpo.ativo = this.form.elements.ativo.checked;
    const editando = this.editando;
    this.erro("");
    try {
      const { dados } = editando
        ? await api("PATCH", `/clientes/${editando.id}`, { corpo, cabecalhos: { "If-Match": `"${editando.versao}"` } })
        : await api("POST", "/clientes", { corpo });
      this.aoAvisar(editando ? `${dados.nome} salvo.` : `${dados.nome} cadastrado.`);
      this.novo();
      await this.carregar();
    } catch (erro) {
      if (erro.status === 422) {
        this.erro("Confira os campos marcados.");
        this.marcar(erro.fields);
      } else if (erro.status === 412) {
        this.erro("Outra pessoa alterou este cliente; ele foi recarregado. Confira e salve de novo.");
        const { dados } = await api("GET", `/clientes/${editando.id}`);
        this.editar(dados);
      } else if (erro.status === 409) {
        this.erro(erro.message);
      } else {
        this.aoFalhar(erro);
      }
    }
  }

  // -- spreadsheets ----------------------------------------------------------------------

  async exportar() {
    try {
      await baixar(this.consulta(0).replace(/&skip=.*$/, ""), "text/csv", "clientes.csv");
    } catch (erro) {
      this.aoFalhar(erro);
    }
  }

  limparImportacao() {
    this.$("#clientes-arquivo").value = "";
    this.$("#importar-relatorio").hidden = true;
    this.$("#importar-progresso").hidden = true;
  }

  /** A chosen file is first simulated: the report says what it would do, row by row. */
  async simular() {
    const arquivo = this.$("#clientes-arquivo").files[0];
    if (!arquivo) return;
    await this.enviarArquivo(arquivo, true);
  }

  async importar() {
    const arquivo = this.$("#clientes-arquivo").files[0];
    if (!arquivo) return;
    await this.enviarArquivo(arquivo, false);
  }

  async enviarArquivo(arquivo, simular) {
    const barra = this.$("#importar-progresso");
    const confirmar = this.$("#importar-confirmar");
    confirmar.disabled = true;
    this.erro("");
    try {
      const { status, dados } = await enviar(`/clientes/importar${simular ? "?simular=1" : ""}`, arquivo, barra);
      if (status === 401) return this.aoFalhar({ status: 401, message: "Sessão terminada" });
      if (status !== 200) {
        const erro = dados?.error ?? {};
        this.erro([erro.message ?? `Erro ${status}`, ...Object.values(erro.fields ?? {})].join(" "));
        return;
      }
      this.relatorio(dados, simular);
      if (!simular) {
        this.aoAvisar(`Importação concluída: ${dados.criados} novos, ${dados.atualizados} atualizados.`);
        this.$("#clientes-arquivo").value = "";
        await this.carregar();
      }
    } catch (erro) {
      this.aoFalhar(erro);
    } finally {
      barra.hidden = true;
      confirmar.disabled = false;
    }
  }

  relatorio(dados, simular) {
    const caixa = this.$("#importar-relatorio");
    caixa.hidden = false;
    const verbo = simular ? "Serão" : "Foram";
    this.$("#importar-resumo").textContent =
      `${verbo} ${dados.criados} novos, ${dados.atualizados} atualizados, ${dados.inalterados} sem mudança` +
      ` e ${dados.rejeitados.length} linhas recusadas.` +
      (dados.colunas_ignoradas.length ? ` Colunas ignoradas: ${dados.colunas_ignoradas.join(", ")}.` : "");
    const corpo = this.$("#importar-recusadas");
    corpo.replaceChildren(
      ...dados.rejeitados.map(({ linha, erros }) => {
        const tr = el("tr");
        const motivos = Object.entries(erros).map(([campo, texto]) => `${NOMES[campo] ?? campo}: ${texto}`);
        tr.append(el("td", "", String(linha)), el("td", "", motivos.join("; ")));
        return tr;
      }),
    );
    this.$("#importar-tabela").hidden = !dados.rejeitados.length;
    this.$("#importar-confirmar").hidden = !simular;
    this.$("#importar-descartar").textContent = simular ? "Desistir" : "Fechar relatório";
  }
}
