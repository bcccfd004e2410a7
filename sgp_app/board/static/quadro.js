// The columns and their cards. Holds the orders the page knows (by id) and draws them;
// every text goes in through textContent, never as HTML.

export const COLUNAS = [
  ["pendente", "Pendente"],
  ["em_producao", "Em produção"],
  ["pronto", "Pronto"],
  ["entregue", "Entregue"],
  ["cancelado", "Cancelado"],
];
export const ROTULO = Object.fromEntries(COLUNAS);
const PROXIMO = { pendente: "em_producao", em_producao: "pronto", pronto: "entregue" };
const ANTERIOR = { em_producao: "pendente", pronto: "em_producao" };
const FINAIS = new Set(["entregue", "cancelado"]);
const DESTAQUE_MS = 4000;

const reais = new Intl.NumberFormat("pt-BR", { style: "currency", currency: "BRL" });
export const dinheiro = (texto) => reais.format(Number(texto || 0));
const data = (iso) => (iso ? iso.split("-").reverse().join("/") : "");
const semAcento = (texto) => texto.normalize("NFD").replace(/\p{Diacritic}/gu, "").toLowerCase();

function el(tag, classe, texto) {
  const elemento = document.createElement(tag);
  if (classe) elemento.className = classe;
  if (texto !== undefined) elemento.textContent = texto;
  return elemento;
}

// Active columns: urgent first, then by delivery date; final ones: latest change first.
function ordem(a, b) {
  if (FINAIS.has(a.status)) return b.atualizado_em.localeCompare(a.atualizado_em) || b.id - a.id;
  if (a.prioridade !== b.prioridade) return a.prioridade === "ALTA" ? -1 : 1;
  const entregaA = a.data_entrega || "9999-99-99";
  const entregaB = b.data_entrega || "9999-99-99";
  return entregaA.localeCompare(entregaB) || a.id - b.id;
}

export class Quadro {
  /**
   * @param raiz the element that holds the columns
   * @param aoMover(pedido, status) a card's move button; status "cancelado" cancels
   */
  constructor(raiz, aoMover) {
    this.raiz = raiz;
    this.aoMover = aoMover;
    this.pedidos = new Map();
    this.destacados = new Map(); // id -> timer that ends the highlight
    this.busca = "";
    this.mostrarCancelados = false;
    this.agendado = false;
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

  filtrar(busca, mostrarCancelados) {
    this.busca = semAcento(busca.trim());
    this.mostrarCancelados = mostrarCancelados;
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
    const porStatus = Object.fromEntries(COLUNAS.map(([status]) => [status, []]));
    for (const pedido of this.pedidos.values()) {
      if (this.busca && !semAcento(pedido.cliente).includes(this.busca)) continue;
      porStatus[pedido.status]?.push(pedido);
    }
    const colunas = COLUNAS.filter(([status]) => status !== "cancelado" || this.mostrarCancelados).map(
      ([status, rotulo]) => this.coluna(status, rotulo, porStatus[status].sort(ordem)),
    );
    this.raiz.replaceChildren(...colunas);
  }

  coluna(status, rotulo, pedidos) {
    const coluna = el("section", "coluna");
    coluna.dataset.status = status;
    const titulo = el("h2", "", rotulo);
    titulo.append(el("span", "contagem", String(pedidos.length)));
    const lista = el("ol", "cartoes");
    lista.append(...pedidos.map((p) => this.cartao(p)));
    if (!pedidos.length) lista.append(el("li", "vazio", "Nenhum pedido"));
    coluna.append(titulo, lista);
    return coluna;
  }

  cartao(pedido) {
    const cartao = el("li", "cartao");
    cartao.dataset.id = pedido.id;
    cartao.dataset.numero = pedido.numero;
    if (pedido.prioridade === "ALTA") cartao.classList.add("alta");
    if (this.destacados.has(pedido.id)) cartao.classList.add("destaque");

    const topo = el("div", "cartao-topo");
    topo.append(el("span", "numero", `Nº ${Number(pedido.numero)}`));
    if (pedido.prioridade === "ALTA") topo.append(el("span", "selo", "Urgente"));
    topo.append(el("span", "valor", dinheiro(pedido.valor_total)));
    cartao.append(topo, el("p", "cliente", pedido.cliente));

    const detalhes = [pedido.cidade_cliente, pedido.data_entrega && `entrega ${data(pedido.data_entrega)}`];
    const linha = detalhes.filter(Boolean).join(" · ");
    if (linha) cartao.append(el("p", "detalhe", linha));
    if (pedido.itens.length) {
      const itens = el("ul", "itens");
      for (const item of pedido.itens) itens.append(el("li", "", `${item.quantidade}× ${item.descricao}`));
      cartao.append(itens);
    }
    if (!FINAIS.has(pedido.status)) cartao.append(this.botoes(pedido));
    return cartao;
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
