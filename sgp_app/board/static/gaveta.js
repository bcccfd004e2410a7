// The order drawer: every field of one order, its items with sizes and totals, its history,
// and editing in place.
//
// A save sends only what the person changed, with If-Match: the version the form shows. When
// someone else changed the order meanwhile, nothing typed is lost: an open drawer takes the
// other person's changes into the fields the person did not touch (live, as they happen), and
// notes the ones they did; a save that still meets a newer version (412) lists what changed
// and offers to apply the person's edits again on top of it.

import { api, sessao } from "./api.js";
import { ARTE, Arquivos } from "./arquivos.js";
import { CAMPOS, Formulario, formasPagamento } from "./formulario.js";
import { data, dataDoCampo, decimal, dinheiro, momento, paraCampo } from "./formatos.js";
import { ANTERIOR, FINAIS, PROXIMO, ROTULO, nomeEtapa } from "./quadro.js";
import { el } from "./dom.js";

export const NOME_CAMPO = {
  cliente_id: "Cadastro do cliente",
  cliente: "Cliente",
  telefone_cliente: "Telefone",
  cidade_cliente: "Cidade",
  estado_cliente: "UF",
  data_entrada: "Entrada",
  data_entrega: "Entrega",
  prioridade: "Prioridade",
  status: "Situação",
  observacao: "Observação",
  forma_envio: "Forma de envio",
  tipo_pagamento: "Pagamento",
  valor_frete: "Frete",
  valor_total: "Total",
  valor_pago: "Pago",
  pagamento: "Pagamento",
  arquivo: "Arquivo",
  prova: "Prova",
  status_arte: "Arte",
  itens: "Itens",
};
const PAGINA_HISTORICO = 50; // entries per request; older ones load on demand
const TIPO_HISTORICO = { pedido_criado: "criou", pedido_atualizado: "alterou", pedido_cancelado: "cancelou" };

/** A value of the order (or of a history entry) as people read it. */
export function legivel(campo, valor) {
  if (valor === null || valor === undefined || valor === "") return "—";
  if (campo === "status") return ROTULO[valor] ?? valor;
  if (campo === "valor_frete" || campo === "valor_total" || campo === "valor_pago") return dinheiro(valor);
  if (campo === "arquivo") return valor.nome;
  if (campo === "prova") return valor.decisao ? `${valor.decisao === "aprovada" ? "aprovada" : "alteração pedida"}${valor.comentario ? `: “${valor.comentario}”` : ""}` : "enviada ao cliente";
  if (campo === "status_arte") return ARTE[valor.status] ?? valor.status;
  if (campo === "pagamento") {
    return `${dinheiro(valor.valor)} (${valor.forma_pagamento}, ${data(valor.data)})${valor.estornado ? " estornado" : ""}`;
  }
  if (campo === "data_entrega" || campo === "data_entrada") return data(valor);
  if (campo === "prioridade") return valor === "ALTA" ? "Alta" : "Normal";
  if (campo === "itens") return valor.map((i) => `${i.quantidade}× ${i.descricao}`).join(", ") || "nenhum";
  return String(valor);
}

export class Gaveta {
  /**
   * @param dialogo the <dialog>; @param modelo the item row <template>
   * @param aoSalvar(pedido) an answer from the server (the board keeps it)
   * @param aoMover(pedido, status) a status button in the drawer
   * @param aoImprimir(pedido) print its work order
   * @param aoFalhar(erro) any other failure (401 sends the page to the login)
   */
  constructor(dialogo, modelo, { aoSalvar, aoMover, aoImprimir, aoFalhar }) {
    Object.assign(this, { dialogo, aoSalvar, aoMover, aoImprimir, aoFalhar });
    const $ = (id) => dialogo.querySelector(id);
    this.$ = $;
    this.form = $("#form-gaveta");
    this.formulario = new Formulario(this.form, modelo, {
      itens: "#gaveta-itens",
      adicionar: "#gaveta-adicionar-item",
      total: "#gaveta-total",
      totalItens: "#gaveta-itens-total",
      frete: "#gaveta-frete",
      erro: "#gaveta-erro",
    });
    this.pedido = null; // the version the form is based on (its If-Match)
    this.arquivos = new Arquivos($("#gaveta-arquivos-secao"), document.querySelector("#visualizador"), { aoFalhar });
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.salvar();
    });
    $("#gaveta-fechar").addEventListener("click", () => this.fechar());
    $("#gaveta-imprimir").addEventListener("click", () => this.aoImprimir(this.pedido));
    $("#reaplicar").addEventListener("click", () => this.salvar());
    $("#descartar").addEventListener("click", () => this.mostrar(this.pedido));
    $("#gaveta-historico-mais").addEventListener("click", () => this.carregarHistoricoAnterior());
    $("#registrar-pagamento").addEventListener("click", () => this.registrarPagamento());
    for (const campo of $("#gaveta-pagar").querySelectorAll("input")) {
      campo.addEventListener("keydown", (e) => {
        if (e.key !== "Enter") return;
        e.preventDefault(); // records the payment, not a save of the order
        this.registrarPagamento();
      });
    }
    dialogo.addEventListener("close", () => (this.pedido = null));
    dialogo.addEventListener("cancel", (e) => {
      // Esc: the same question as the close button when something was typed.
      if (this.formulario.alterados().length && !confirm("Descartar as alterações não salvas?")) e.preventDefault();
    });
  }

  get aberta() {
    return this.dialogo.open && this.pedido !== null;
  }

  async abrir(pedido) {
    this.mostrar(pedido);
    if (!this.dialogo.open) this.dialogo.showModal();
    this.form.elements.cliente.focus();
    try {
      const { dados } = await api("GET", `/pedidos/${pedido.id}`);
      if (this.pedido?.id === dados.id) this.atualizar(dados);
    } catch (erro) {
      this.aoFalhar(erro);
    }
  }

  fechar() {
    if (this.formulario.alterados().length && !confirm("Descartar as alterações não salvas?")) return;
    this.dialogo.close();
  }

  /** Show ``pedido`` as it is, dropping any edit. */
  mostrar(pedido) {
    this.pedido = pedido;
    this.limparNotas();
    this.formulario.preencher(pedido);
    this.$("#gaveta-conflito").hidden = true;
    this.$("#gaveta-aviso").hidden = true;
    this.cabecalho();
    this.carregarHistorico();
    this.carregarPagamentos(true);
    this.arquivos.mostrar(pedido);
  }

  cabecalho() {
    const pedido = this.pedido;
    this.$("#gaveta-titulo").textContent = `Pedido nº ${Number(pedido.numero)}`;
    const status = this.$("#gaveta-status");
    status.textContent = ROTULO[pedido.status];
    status.dataset.status = pedido.status;
    const final = FINAIS.has(pedido.status);
    for (const campo of this.form.querySelectorAll("input, select, textarea, #gaveta-adicionar-item, .remover")) {
      if (campo.closest("#gaveta-pagar, #gaveta-arquivos-secao")) continue; // a delivered order still takes payment, files
      campo.disabled = final; // entregue and cancelado orders cannot change (the server says 409)
    }
    this.$("#gaveta-salvar").hidden = final;
    this.desenharEtapas();
    const mover = this.$("#gaveta-mover");
    mover.replaceChildren();
    for (const destino of [ANTERIOR[pedido.status], PROXIMO[pedido.status], final ? null : "cancelado"]) {
      if (!destino) continue;
      const botao = el("button", destino === "cancelado" ? "link cancelar" : "secundario");
      botao.type = "button";
      botao.textContent = destino === "cancelado" ? "Cancelar pedido" : `Mover para ${ROTULO[destino]}`;
      botao.addEventListener("click", () => this.aoMover(this.pedido, destino));
      mover.append(botao);
    }
  }

  /** The order's steps: a box to tick each, or the reason it cannot be ticked here, and who did it. */
  desenharEtapas() {
    const etapas = this.pedido.etapas ?? [];
    this.$("#gaveta-etapas-secao").hidden = !etapas.length;
    const usuario = sessao.usuario;
    const meus = new Set(usuario?.setores ?? []);
    const final = FINAIS.has(this.pedido.status);
    const lista = this.$("#gaveta-etapas");
    lista.replaceChildren();
    etapas.forEach((etapa, i) => {
      let motivo = "";
      if (final) motivo = "pedido encerrado";
      else if (!usuario?.is_admin && !meus.has(etapa.etapa)) motivo = `só o setor ${nomeEtapa(etapa.etapa)}`;
      else if (!etapa.feita && etapas.slice(0, i).some((e) => !e.feita)) motivo = "faça antes as anteriores";
      const item = el("li", etapa.feita ? "feita" : "");
      const rotulo = el("label");
      const caixa = el("input");
      caixa.type = "checkbox";
      caixa.name = `etapa-${etapa.etapa}`;
      caixa.checked = etapa.feita;
      caixa.disabled = Boolean(motivo);
      caixa.addEventListener("change", () => this.marcarEtapa(etapa.etapa, caixa.checked));
      rotulo.append(caixa, ` ${nomeEtapa(etapa.etapa)}`);
      item.append(rotulo);
      if (etapa.feita) {
        const quem = [etapa.por?.username ?? "—", momento(etapa.em), etapa.maquina?.nome].filter(Boolean).join(", ");
        item.append(el("span", "quem", ` ${quem}`));
      }
      if (motivo && !final) item.append(el("span", "motivo", ` (${motivo})`));
      lista.append(item);
    });
  }

  async marcarEtapa(etapa, feita) {
    const base = this.pedido;
    try {
      const { dados } = await api("PATCH", `/pedidos/${base.id}/etapas`, {
        corpo: { etapa, feita },
        cabecalhos: { "If-Match": `"${base.versao}"` },
      });
      this.aoSalvar(dados);
      if (this.pedido?.id === dados.id) this.atualizar(dados);
    } catch (erro) {
      if (![403, 409, 412, 422].includes(erro.status)) return this.aoFalhar(erro);
      const aviso = this.$("#gaveta-aviso");
      aviso.textContent = erro.status === 412 ? "O pedido mudou; confira as etapas e tente de novo." : erro.message;
      aviso.hidden = false;
      try {
        const { dados } = await api("GET", `/pedidos/${base.id}`);
        if (this.pedido?.id === dados.id && dados.versao > this.pedido.versao) this.atualizar(dados);
        else this.desenharEtapas();
      } catch (falha) {
        this.aoFalhar(falha);
      }
    }
  }

  // -- payments ---------------------------------------------------------------------------

  /** Who may record and reverse payments: admins and the sector financeiro (as the server decides). */
  get podePagar() {
    const usuario = sessao.usuario;
    return Boolean(usuario?.is_admin || usuario?.setores?.includes("financeiro"));
  }

  /** The order's payments and balance; ``novo``: the order was just opened, so the form starts afresh. */
  async carregarPagamentos(novo) {
    const pedido = this.pedido;
    const saldo = Number(pedido.saldo ?? 0);
    const texto =
      pedido.situacao_pagamento === "credito"
        ? `Pago ${dinheiro(pedido.valor_pago)} · crédito de ${dinheiro(-saldo)}`
        : `Pago ${dinheiro(pedido.valor_pago)} · Saldo ${dinheiro(saldo)}`;
    this.$("#gaveta-saldo").textContent = texto;
    const pagar = this.$("#gaveta-pagar");
    pagar.hidden = !this.podePagar || pedido.status === "cancelado";
    const campos = this.form.elements;
    if (novo || !campos.pagamento_valor.value) {
      campos.pagamento_valor.value = saldo > 0 ? paraCampo(pedido.saldo) : "";
      campos.pagamento_data.value = "";
      campos.pagamento_obs.value = "";
      this.$("#pagamento-erro").textContent = "";
    }
    const forma = campos.pagamento_forma;
    const escolhida = forma.value;
    forma.replaceChildren(...formasPagamento().filter((f) => f.ativo).map((f) => new Option(f.nome, String(f.id))));
    if (escolhida) forma.value = escolhida;
    try {
      const { dados } = await api("GET", `/pedidos/${pedido.id}/pagamentos`);
      if (this.pedido?.id === pedido.id) this.desenharPagamentos(dados);
    } catch (erro) {
      this.aoFalhar(erro);
    }
  }

  desenharPagamentos(pagamentos) {
    const lista = this.$("#gaveta-pagamentos");
    lista.replaceChildren(
      ...pagamentos.map((p) => {
        const item = el("li", p.estornado_em ? "estornado" : "");
        item.dataset.id = p.id;
        item.append(
          el("strong", "", dinheiro(p.valor)),
          el("span", "", ` ${p.forma_pagamento.nome} · ${data(p.data)} · ${p.usuario?.username ?? "sistema"}`),
        );
        if (p.observacao) item.append(el("span", "obs", ` · ${p.observacao}`));
        if (p.estornado_em) {
          item.append(el("span", "selo-estorno", ` estornado por ${p.estornado_por?.username ?? "sistema"} em ${momento(p.estornado_em)}`));
        } else if (this.podePagar) {
          const estornar = el("button", "link estornar", "Estornar");
          estornar.type = "button";
          estornar.addEventListener("click", () => this.estornar(p));
          item.append(estornar);
        }
        return item;
      }),
    );
    if (!pagamentos.length) lista.append(el("li", "vazio", "Nenhum pagamento"));
  }

  async registrarPagamento() {
    const campos = this.form.elements;
    const erro = this.$("#pagamento-erro");
    const quando = dataDoCampo(campos.pagamento_data.value);
    if (quando === null) {
      erro.textContent = "Data inválida; use dd/mm/aaaa";
      return;
    }
    const corpo = {
      valor: decimal(campos.pagamento_valor.value) || "0",
      forma_pagamento_id: Number(campos.pagamento_forma.value),
      observacao: campos.pagamento_obs.value.trim(),
    };
    if (quando) corpo.data = quando;
    const botao = this.$("#registrar-pagamento");
    botao.disabled = true;
    erro.textContent = "";
    const id = this.pedido.id;
    try {
      await api("POST", `/pedidos/${id}/pagamentos`, { corpo });
      campos.pagamento_valor.value = "";
      await this.recarregar(id);
    } catch (falha) {
      if (![403, 409, 422].includes(falha.status)) return this.aoFalhar(falha);
      erro.textContent = Object.values(falha.fields).join(" ") || falha.message;
    } finally {
      botao.disabled = false;
    }
  }

  async estornar(pagamento) {
    if (!confirm(`Estornar o pagamento de ${dinheiro(pagamento.valor)} (${pagamento.forma_pagamento.nome})?`)) return;
    const id = this.pedido.id;
    try {
      await api("POST", `/pedidos/${id}/pagamentos/${pagamento.id}/estorno`);
      await this.recarregar(id);
    } catch (falha) {
      if (![403, 409].includes(falha.status)) return this.aoFalhar(falha);
      this.$("#pagamento-erro").textContent = falha.message;
    }
  }

  /** The order again after a payment: on the board, and here (the socket's event may come later). */
  async recarregar(id) {
    const { dados } = await api("GET", `/pedidos/${id}`);
    this.aoSalvar(dados);
    if (this.pedido?.id === dados.id) {
      if (dados.versao > this.pedido.versao) this.atualizar(dados);
      else this.carregarPagamentos(false);
    }
  }

  /** The newest page of the history (the server pages it oldest first: the last page, then). */
  async carregarHistorico() {
    const id = this.pedido.id;
    const caminho = (skip, limit) => `/pedidos/${id}/historico?skip=${skip}&limit=${limit}`;
    try {
      let { dados, headers } = await api("GET", caminho(0, PAGINA_HISTORICO));
      const total = Number(headers.get("X-Total-Count"));
      const inicio = Math.max(0, total - PAGINA_HISTORICO);
      if (inicio > 0) ({ dados } = await api("GET", caminho(inicio, PAGINA_HISTORICO)));
      if (this.pedido?.id !== id) return;
      this.historicoInicio = inicio;
      this.desenharHistorico(dados, false);
    } catch (erro) {
      this.aoFalhar(erro);
    }
  }

  /** The page before the oldest shown, added below it. */
  async carregarHistoricoAnterior() {
    const id = this.pedido.id;
    const inicio = Math.max(0, this.historicoInicio - PAGINA_HISTORICO);
    const botao = this.$("#gaveta-historico-mais");
    botao.disabled = true;
    try {
      const limite = this.historicoInicio - inicio;
      const { dados } = await api("GET", `/pedidos/${id}/historico?skip=${inicio}&limit=${limite}`);
      if (this.pedido?.id !== id) return;
      this.historicoInicio = inicio;
      this.desenharHistorico(dados, true);
    } catch (erro) {
      this.aoFalhar(erro);
    } finally {
      botao.disabled = false;
    }
  }

  /** History entries, newest first; ``acrescentar`` adds older ones below those shown. */
  desenharHistorico(entradas, acrescentar) {
    const lista = this.$("#gaveta-historico");
    const itens = entradas.reverse().map((h) => {
      const item = el("li", "entrada");
      const quem = h.usuario ? h.usuario.username : h.cliente ? `${h.cliente.nome} (cliente)` : "sistema";
      item.append(el("span", "quando", momento(h.timestamp)), el("strong", "quem", quem));
      item.append(el("span", "", ` ${TIPO_HISTORICO[h.tipo] ?? h.tipo} (versão ${h.versao})`));
      const mudancas = el("ul", "mudancas");
      for (const [campo, { de, para }] of Object.entries(h.alteracoes)) {
        mudancas.append(el("li", "", `${NOME_CAMPO[campo] ?? campo}: ${legivel(campo, de)} → ${legivel(campo, para)}`));
      }
      if (mudancas.children.length) item.append(mudancas);
      return item;
    });
    if (acrescentar) lista.append(...itens);
    else lista.replaceChildren(...itens);
    const mais = this.$("#gaveta-historico-mais");
    mais.hidden = this.historicoInicio === 0;
    mais.textContent = `Mostrar alterações anteriores (${this.historicoInicio})`;
  }

  /**
   * A newer version of the open order (someone's change, or our own save's answer). Fields the
   * person did not touch take its values; touched ones keep what was typed, with a note when the
   * server's value changed under them. Returns the names of those conflicting fields.
   */
  atualizar(remoto) {
    if (!this.pedido || remoto.id !== this.pedido.id || remoto.versao <= this.pedido.versao) return [];
    const base = this.pedido;
    const alterados = new Set(this.formulario.alterados());
    if (!alterados.size) {
      this.mostrar(remoto);
      return [];
    }
    const mudaram = [...CAMPOS, "itens"].filter((nome) =>
      nome === "itens" ? JSON.stringify(base.itens) !== JSON.stringify(remoto.itens) : base[nome] !== remoto[nome],
    );
    const conflitos = mudaram.filter((nome) => alterados.has(nome));
    this.limparNotas();
    // Carry the person's edits over onto the new version: refill, then type them in again.
    const digitado = this.capturar(alterados);
    this.pedido = remoto;
    this.formulario.preencher(remoto);
    this.restaurar(digitado);
    for (const nome of conflitos) this.notarConflito(nome, remoto);
    this.cabecalho();
    this.carregarHistorico();
    this.carregarPagamentos(false);
    this.arquivos.mostrar(remoto, false);
    const aviso = this.$("#gaveta-aviso");
    aviso.textContent =
      "Este pedido foi alterado por outra pessoa. Suas alterações não salvas foram mantidas" +
      (conflitos.length ? `; confira: ${conflitos.map((n) => NOME_CAMPO[n]).join(", ")}.` : ".");
    aviso.hidden = false;
    return conflitos;
  }

  capturar(nomes) {
    const digitado = {};
    for (const nome of nomes) {
      if (nome === "itens") {
        digitado.itens = this.formulario.linhas().map((linha) => ({
          original: linha.original,
          campos: Object.fromEntries(
            [...linha.querySelectorAll("input, select")].map((i) => [i.name, i.type === "checkbox" ? i.checked : i.value]),
          ),
        }));
      } else {
        digitado[nome] = this.form.elements[nome].value;
      }
    }
    return digitado;
  }

  restaurar(digitado) {
    for (const [nome, valor] of Object.entries(digitado)) {
      if (nome !== "itens") {
        this.form.elements[nome].value = valor;
        continue;
      }
      this.formulario.itens.replaceChildren();
      for (const { original, campos } of valor) {
        const nova = this.formulario.adicionarItem(original ?? null); // what the form does not show stays
        for (const [campo, valor] of Object.entries(campos)) {
          const elemento = nova.querySelector(`[name=${campo}]`);
          if (elemento.type === "checkbox") elemento.checked = valor;
          else elemento.value = valor;
        }
      }
    }
    this.formulario.somar();
  }

  limparNotas() {
    for (const nota of this.form.querySelectorAll(".nota-conflito")) nota.remove();
  }

  notarConflito(nome, remoto) {
    const campo = nome === "itens" ? this.$("#gaveta-itens") : this.form.elements[nome];
    const valor = legivel(nome, remoto[nome]);
    const nota = el("span", "nota-conflito", `No servidor agora: ${valor}`);
    (campo.closest("label") ?? campo.parentElement).append(nota);
  }

  async salvar() {
    const alterados = this.formulario.alterados();
    if (!alterados.length) {
      this.dialogo.close();
      return;
    }
    const locais = this.formulario.errosLocais();
    if (Object.keys(locais).length) {
      this.formulario.mostrarErros("Confira os campos marcados.", locais);
      return;
    }
    const botao = this.$("#gaveta-salvar");
    botao.disabled = true;
    const base = this.pedido;
    try {
      const { dados } = await api("PATCH", `/pedidos/${base.id}`, {
        corpo: this.formulario.corpoAlteracoes(alterados),
        cabecalhos: { "If-Match": `"${base.versao}"` },
      });
      this.mostrar(dados);
      this.aoSalvar(dados);
      const aviso = this.$("#gaveta-aviso");
      aviso.textContent = "Alterações salvas.";
      aviso.hidden = false;
    } catch (erro) {
      if (erro.status === 412) await this.conflito(base);
      else if (erro.status === 422) this.formulario.mostrarErros("Confira os campos marcados.", erro.fields);
      else if (erro.status === 409) this.formulario.mostrarErros(erro.message, {});
      else this.aoFalhar(erro);
    } finally {
      botao.disabled = false;
    }
  }

  /** The save met a newer version: list what changed since ``base``; the edits stay, to apply again. */
  async conflito(base) {
    let remoto;
    try {
      remoto = (await api("GET", `/pedidos/${base.id}`)).dados;
    } catch (erro) {
      this.aoFalhar(erro);
      return;
    }
    this.atualizar(remoto);
    const lista = this.$("#conflito-lista");
    lista.replaceChildren(
      ...[...CAMPOS, "status", "itens"]
        .filter((nome) => JSON.stringify(base[nome]) !== JSON.stringify(remoto[nome]))
        .map((nome) => el("li", "", `${NOME_CAMPO[nome]}: ${legivel(nome, base[nome])} → ${legivel(nome, remoto[nome])}`)),
    );
    this.$("#gaveta-aviso").hidden = true;
    this.$("#gaveta-conflito").hidden = false;
  }
}
