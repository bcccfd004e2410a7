// The columns and their cards. Holds the orders the page knows (by id) and draws them;
// every text goes in through textContent, never as HTML.
//
// A card opens (click, Enter) and moves: by its buttons, by drag and drop between columns
// (mouse anywhere on the card; touch by its handle, so a finger can still scroll the board),
// and from the keyboard (arrow keys on a focused card). Every move goes to the server, whose
// status machine decides; its refusals are shown as they come. On a narrow screen the columns
// become tabs with their counts (a card dropped on a tab moves there).

import { chaveBusca, data, dinheiro, hojeIso } from "./formatos.js";
import { el } from "./dom.js";
import { ARTE } from "./arquivos.js";

/** The art status a card shows: a change asked for first, then one awaiting approval, then all approved. */
function arteDoPedido(pedido) {
  const estados = new Set((pedido.itens ?? []).map((i) => i.status_arte).filter((s) => s && s !== "sem_arte"));
  return ["recusada", "em_aprovacao", "aprovada"].find((s) => estados.has(s)) ?? "";
}

// The labels are the page's. Which statuses there are, their order (the columns), the moves
// allowed and the final statuses are the server's status machine (GET /pedidos/contrato), taken by
// aplicarContrato before the board first draws: the page never keeps a copy of the rules.
export const ROTULO = {
  pendente: "Pendente",
  em_producao: "Em produção",
  pronto: "Pronto",
  entregue: "Entregue",
  cancelado: "Cancelado",
};
export const CANCELADO = "cancelado"; // reached by its own button (and Delete), not a step forward
export const COLUNAS = []; // [status, label], left to right
export const PROXIMO = {}; // status -> the next column, when the machine allows that move
export const ANTERIOR = {}; // status -> the previous column, likewise
export const FINAIS = new Set();

/** Take the server's status machine: ``{status, transicoes, finais}``. */
// The default steps' names with their accents; another step shows its code, spaced and capitalised.
const NOMES_ETAPA = {
  financeiro: "Financeiro", conferencia: "Conferência", sublimacao: "Sublimação", costura: "Costura",
  expedicao: "Expedição",
};

/** A production step's name for people. */
export function nomeEtapa(codigo) {
  return NOMES_ETAPA[codigo] ?? codigo.charAt(0).toUpperCase() + codigo.slice(1).replaceAll("_", " ");
}

export function aplicarContrato({ status, transicoes, finais }) {
  COLUNAS.splice(0, COLUNAS.length, ...status.map((s) => [s, ROTULO[s] ?? s]));
  for (const tabela of [PROXIMO, ANTERIOR]) for (const chave of Object.keys(tabela)) delete tabela[chave];
  const etapas = status.filter((s) => s !== CANCELADO);
  etapas.forEach((s, i) => {
    const permitidos = new Set(transicoes[s] ?? []);
    if (i + 1 < etapas.length && permitidos.has(etapas[i + 1])) PROXIMO[s] = etapas[i + 1];
    if (i > 0 && permitidos.has(etapas[i - 1])) ANTERIOR[s] = etapas[i - 1];
  });
  FINAIS.clear();
  for (const s of finais) FINAIS.add(s);
}
const DESTAQUE_MS = 4000;
const ARRASTO_MIN_PX = 6;
export { dinheiro };

/** "atrasado" (due before today, still open), "hoje" (due today, still open) or "". */
export function prazo(pedido, hoje = hojeIso()) {
  if (FINAIS.has(pedido.status) || !pedido.data_entrega) return "";
  if (pedido.data_entrega < hoje) return "atrasado";
  return pedido.data_entrega === hoje ? "hoje" : "";
}

// Open columns: by due date (none last), then urgent first; final ones: latest change first.
function ordem(a, b) {
  if (FINAIS.has(a.status)) return b.atualizado_em.localeCompare(a.atualizado_em) || b.id - a.id;
  const entregaA = a.data_entrega || "9999-99-99";
  const entregaB = b.data_entrega || "9999-99-99";
  if (entregaA !== entregaB) return entregaA.localeCompare(entregaB);
  if (a.prioridade !== b.prioridade) return a.prioridade === "ALTA" ? -1 : 1;
  return a.id - b.id;
}

/** Whether ``pedido`` waits for one of ``setores``: open, and its next open step is one of them. */
export function naFila(pedido, setores) {
  if (FINAIS.has(pedido.status)) return false;
  const proxima = (pedido.etapas ?? []).find((e) => !e.feita);
  return Boolean(proxima && setores.has(proxima.etapa));
}

export class Quadro {
  /**
   * @param raiz the element that holds the columns
   * @param aoMover(pedido, status) a move (button, drag, keyboard); status "cancelado" cancels
   * @param aoAbrir(pedido) open the order (click or Enter on its card)
   */
  constructor(raiz, { aoMover, aoAbrir }) {
    this.raiz = raiz;
    this.aoMover = aoMover;
    this.aoAbrir = aoAbrir;
    this.pedidos = new Map();
    this.destacados = new Map(); // id -> timer that ends the highlight
    this.busca = "";
    this.mostrarCancelados = false;
    this.aba = "pendente"; // the column shown on a narrow screen
    this.agendado = false;
    this.arrastou = false; // a drag just ended: the click that follows it opens nothing
  }

  get(id) {
    return this.pedidos.get(id);
  }

  // Keep the newest version of an order: answers and events can arrive out of order.
  guardar(pedido) {
    const atual = this.pedidos.get(pedido.id);
    if (atual && atual.versao > pedido.versao) return;
    this.pedidos.set(pedido.id, pedido);
    this.desenhar();
  }

  // What an event says of an order this page shows: its status, client and total.
  aplicar(evento) {
    const atual = this.pedidos.get(evento.pedido_id);
    if (!atual) return;
    const { status_atual: status, cliente, valor_total } = evento;
    this.pedidos.set(evento.pedido_id, { ...atual, status, cliente, valor_total });
    this.desenhar();
  }

  // A fresh list from the server, keeping any order this page already saw in a newer version.
  substituir(lista) {
    const novos = new Map(lista.map((p) => [p.id, p]));
    for (const [id, pedido] of novos) {
      const atual = this.pedidos.get(id);
      if (atual && atual.versao > pedido.versao) novos.set(id, atual);
    }
    this.pedidos = novos;
    this.desenhar();
  }

  destacar(id) {
    clearTimeout(this.destacados.get(id));
    this.destacados.set(
      id,
      setTimeout(() => {
        this.destacados.delete(id);
        this.desenhar();
      }, DESTAQUE_MS),
    );
    this.desenhar();
  }

  /** Only the orders in one of the payment ``situacoes`` (a Set), or all with ``null``. */
  filtrarPagamento(situacoes) {
    this.pagamento = situacoes;
    this.desenhar();
  }

  /** Only the orders ``predicado(pedido)`` keeps (the strip's links), or all with ``null``. */
  filtrarPor(predicado) {
    this.predicado = predicado;
    this.desenhar();
  }

  /** Only the orders whose next open step is one of ``setores`` (a sector's queue), or all with ``null``. */
  filaDe(setores) {
    this.fila = setores;
    this.desenhar();
  }

  filtrar(busca, mostrarCancelados) {
    this.busca = chaveBusca(busca);
    this.mostrarCancelados = mostrarCancelados;
    if (!mostrarCancelados && this.aba === "cancelado") this.aba = "pendente";
    this.desenhar();
  }

  // Many events in one frame cost one drawing.
  desenhar() {
    if (this.agendado) return;
    this.agendado = true;
    requestAnimationFrame(() => {
      this.agendado = false;
      this.desenharAgora();
    });
  }

  desenharAgora() {
    const focado = document.activeElement?.closest?.(".cartao")?.dataset.id;
    const hoje = hojeIso();
    const porStatus = Object.fromEntries(COLUNAS.map(([status]) => [status, []]));
    for (const pedido of this.pedidos.values()) {
      if (this.busca && !chaveBusca(pedido.cliente).includes(this.busca)) continue;
      if (this.fila && !naFila(pedido, this.fila)) continue;
      if (this.pagamento && !this.pagamento.has(pedido.situacao_pagamento)) continue;
      if (this.predicado && !this.predicado(pedido)) continue;
      porStatus[pedido.status]?.push(pedido);
    }
    const visiveis = COLUNAS.filter(([status]) => status !== "cancelado" || this.mostrarCancelados);
    const abas = el("nav", "abas");
    abas.setAttribute("aria-label", "Colunas");
    const colunas = visiveis.map(([status, rotulo]) => {
      const pedidos = porStatus[status].sort(ordem);
      const atrasados = pedidos.filter((p) => prazo(p, hoje) === "atrasado").length;
      abas.append(this.botaoAba(status, rotulo, pedidos.length, atrasados));
      return this.coluna(status, rotulo, pedidos, atrasados, hoje);
    });
    this.raiz.replaceChildren(abas, ...colunas);
    if (focado) this.raiz.querySelector(`.cartao[data-id="${focado}"]`)?.focus({ preventScroll: true });
  }

  botaoAba(status, rotulo, total, atrasados) {
    const aba = el("button", "aba");
    aba.type = "button";
    aba.dataset.status = status;
    aba.setAttribute("aria-pressed", String(status === this.aba));
    aba.append(el("span", "", rotulo), el("span", "contagem", String(total)));
    if (atrasados) aba.append(el("span", "contagem atrasados", `${atrasados} atras.`));
    aba.addEventListener("click", () => {
      this.aba = status;
      this.desenhar();
    });
    return aba;
  }

  coluna(status, rotulo, pedidos, atrasados, hoje) {
    const coluna = el("section", "coluna");
    coluna.dataset.status = status;
    if (status === this.aba) coluna.classList.add("ativa");
    const titulo = el("h2", "", rotulo);
    const contagens = el("span", "contagens");
    if (atrasados) {
      const aviso = el("span", "contagem atrasados", `${atrasados} atrasado${atrasados > 1 ? "s" : ""}`);
      aviso.title = "Pedidos com entrega vencida";
      contagens.append(aviso);
    }
    contagens.append(el("span", "contagem", String(pedidos.length)));
    titulo.append(contagens);
    const lista = el("ol", "cartoes");
    lista.append(...pedidos.map((p) => this.cartao(p, hoje)));
    if (!pedidos.length) lista.append(el("li", "vazio", "Nenhum pedido"));
    coluna.append(titulo, lista);
    return coluna;
  }

  cartao(pedido, hoje) {
    const cartao = el("li", "cartao");
    cartao.dataset.id = pedido.id;
    cartao.dataset.numero = pedido.numero;
    cartao.tabIndex = 0;
    const situacao = prazo(pedido, hoje);
    cartao.setAttribute(
      "aria-label",
      `Pedido nº ${Number(pedido.numero)}, ${pedido.cliente}, ${ROTULO[pedido.status]}` +
        (situacao === "atrasado" ? ", atrasado" : situacao === "hoje" ? ", entrega hoje" : "") +
        ". Enter abre; setas movem.",
    );
    if (pedido.prioridade === "ALTA") cartao.classList.add("alta");
    if (situacao) cartao.classList.add(situacao);
    if (this.destacados.has(pedido.id)) cartao.classList.add("destaque");

    const topo = el("div", "cartao-topo");
    if (!FINAIS.has(pedido.status)) {
      const alca = el("span", "alca", "⠿");
      alca.title = "Arraste para outra coluna";
      alca.setAttribute("aria-hidden", "true");
      topo.append(alca);
    }
    topo.append(el("span", "numero", `Nº ${Number(pedido.numero)}`));
    if (pedido.prioridade === "ALTA") topo.append(el("span", "selo", "Urgente"));
    if (situacao === "atrasado") topo.append(el("span", "selo atraso", "Atrasado"));
    if (situacao === "hoje") topo.append(el("span", "selo hoje", "Entrega hoje"));
    topo.append(el("span", "valor", dinheiro(pedido.valor_total)));
    cartao.append(topo, el("p", "cliente", pedido.cliente));
    if (pedido.capa_url) {
      const capa = el("img", "capa");
      capa.src = pedido.capa_url;
      capa.alt = "";
      capa.loading = "lazy";
      cartao.append(capa);
    }
    const arte = arteDoPedido(pedido);
    if (arte) cartao.append(el("p", `arte ${arte}`, `Arte ${ARTE[arte]}`));
    const saldo = this.saldo(pedido);
    if (saldo) cartao.append(saldo);

    const detalhes = [pedido.cidade_cliente, pedido.data_entrega && `entrega ${data(pedido.data_entrega)}`];
    const linha = detalhes.filter(Boolean).join(" · ");
    if (linha) cartao.append(el("p", "detalhe", linha));
    if (pedido.itens?.length) {
      const itens = el("ul", "itens");
      for (const item of pedido.itens) itens.append(el("li", "", `${item.quantidade}× ${item.descricao}`));
      cartao.append(itens);
    }
    const etapas = pedido.etapas ?? [];
    if (etapas.length && !FINAIS.has(pedido.status)) {
      const feitas = etapas.filter((e) => e.feita).length;
      const proxima = etapas.find((e) => !e.feita);
      const progresso = el("p", "etapas", `Etapas ${feitas}/${etapas.length}` + (proxima ? ` · ${nomeEtapa(proxima.etapa)}` : ""));
      const barra = el("span", "barra");
      barra.append(el("span", ""));
      barra.firstChild.style.width = `${Math.round((100 * feitas) / etapas.length)}%`;
      progresso.prepend(barra);
      cartao.append(progresso);
    }
    if (!FINAIS.has(pedido.status)) cartao.append(this.botoes(pedido));

    cartao.addEventListener("click", (e) => {
      if (this.arrastou || e.target.closest("button")) return;
      this.aoAbrir(pedido);
    });
    cartao.addEventListener("keydown", (e) => this.tecla(e, pedido));
    cartao.addEventListener("pointerdown", (e) => this.pegar(e, pedido, cartao));
    return cartao;
  }

  /** "Saldo R$ 120,00", "Pago" or "Crédito R$ 20,00" (nothing for a cancelled order or one worth nothing). */
  saldo(pedido) {
    if (pedido.situacao_pagamento === undefined || pedido.status === CANCELADO || !Number(pedido.valor_total)) {
      return null;
    }
    const situacao = pedido.situacao_pagamento;
    const texto =
      situacao === "pago" ? "Pago" : situacao === "credito" ? `Crédito ${dinheiro(-Number(pedido.saldo))}` : `Saldo ${dinheiro(pedido.saldo)}`;
    const selo = el("p", `pagamento ${situacao}`, texto);
    selo.title = `Pago ${dinheiro(pedido.valor_pago)} de ${dinheiro(pedido.valor_total)}`;
    return selo;
  }

  tecla(e, pedido) {
    if (e.target !== e.currentTarget) return; // a key on one of the card's buttons
    const destino = { ArrowRight: PROXIMO[pedido.status], ArrowLeft: ANTERIOR[pedido.status] }[e.key];
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      this.aoAbrir(pedido);
    } else if (destino) {
      e.preventDefault();
      this.aoMover(pedido, destino);
    } else if (e.key === "Delete" && !FINAIS.has(pedido.status)) {
      e.preventDefault();
      this.aoMover(pedido, "cancelado");
    }
  }

  // -- drag and drop (Pointer Events: one code path for mouse, pen and touch) ------------

  pegar(e, pedido, cartao) {
    if (FINAIS.has(pedido.status) || e.button !== 0 || e.target.closest("button")) return;
    if (e.pointerType !== "mouse" && !e.target.closest(".alca")) return; // a finger elsewhere scrolls
    const inicio = { x: e.clientX, y: e.clientY };
    let arrasto = null;
    const mover = (ev) => {
      if (ev.pointerId !== e.pointerId) return;
      if (!arrasto) {
        if (Math.hypot(ev.clientX - inicio.x, ev.clientY - inicio.y) < ARRASTO_MIN_PX) return;
        arrasto = this.comecarArrasto(cartao, inicio);
      }
      ev.preventDefault();
      arrasto.fantasma.style.transform = `translate(${ev.clientX - arrasto.dx}px, ${ev.clientY - arrasto.dy}px)`;
      this.marcarAlvo(this.alvo(ev.clientX, ev.clientY), pedido.status);
    };
    const soltar = (ev) => {
      if (ev.pointerId !== e.pointerId) return;
      window.removeEventListener("pointermove", mover);
      window.removeEventListener("pointerup", soltar);
      window.removeEventListener("pointercancel", soltar);
      if (!arrasto) return;
      arrasto.fantasma.remove();
      this.raiz.classList.remove("arrastando");
      this.marcarAlvo(null);
      this.arrastou = true;
      setTimeout(() => (this.arrastou = false), 0);
      const destino = ev.type === "pointerup" ? this.alvo(ev.clientX, ev.clientY) : null;
      if (destino && destino !== pedido.status) this.aoMover(pedido, destino);
    };
    window.addEventListener("pointermove", mover, { passive: false });
    window.addEventListener("pointerup", soltar);
    window.addEventListener("pointercancel", soltar);
  }

  comecarArrasto(cartao, inicio) {
    const caixa = cartao.getBoundingClientRect();
    const fantasma = cartao.cloneNode(true);
    fantasma.classList.add("fantasma");
    fantasma.removeAttribute("tabindex");
    Object.assign(fantasma.style, { width: `${caixa.width}px`, left: "0px", top: "0px" });
    document.body.append(fantasma);
    this.raiz.classList.add("arrastando");
    return { fantasma, dx: inicio.x - caixa.left, dy: inicio.y - caixa.top };
  }

  /** The status of the column (or tab) under a point, or null. */
  alvo(x, y) {
    return document.elementFromPoint(x, y)?.closest(".coluna, .aba")?.dataset.status ?? null;
  }

  marcarAlvo(status, origem) {
    for (const elemento of this.raiz.querySelectorAll(".alvo")) elemento.classList.remove("alvo");
    if (!status || status === origem) return;
    for (const elemento of this.raiz.querySelectorAll(`[data-status="${status}"]`)) elemento.classList.add("alvo");
  }

  botoes(pedido) {
    const acoes = el("div", "acoes");
    const botao = (classe, texto, titulo, status) => {
      const b = el("button", classe, texto);
      b.type = "button";
      b.title = titulo;
      b.addEventListener("click", () => this.aoMover(pedido, status));
      acoes.append(b);
    };
    const anterior = ANTERIOR[pedido.status];
    const proximo = PROXIMO[pedido.status];
    if (anterior) botao("voltar secundario", "◀ Voltar", `Voltar para ${ROTULO[anterior]}`, anterior);
    if (proximo) botao("avancar", `${ROTULO[proximo]} ▶`, `Mover para ${ROTULO[proximo]}`, proximo);
    botao("cancelar link", "Cancelar", "Cancelar o pedido", "cancelado");
    return acoes;
  }
}
