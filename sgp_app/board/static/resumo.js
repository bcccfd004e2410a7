// The strip above the board: what is late, due today, due this week, ready, owed, each sector's queue
// and this month's m² (GET /relatorios/resumo, in the shop's today). Each number is a link
// (#filtro=...) that reads those orders from the server and shows only them on the board.

import { api } from "./api.js";
import { el } from "./dom.js";
import { dinheiro, hojeIso, mes, somarDias } from "./formatos.js";
import { naFila } from "./quadro.js";

const ABERTOS = "pendente,em_producao,pronto";
const ATUALIZAR_MS = 1500; // after an event, wait for the burst to end before asking again
const area = new Intl.NumberFormat("pt-BR", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const aberto = (p) => ABERTOS.split(",").includes(p.status);

/**
 * Each filter: its label, the order list's query that finds those orders (in the shop's ``hoje``),
 * and the same rule for the orders the board already has (so it stays live).
 */
export function filtro(nome, hoje = hojeIso()) {
  const semana = somarDias(hoje, 7);
  const [primeiro, ultimo] = mes(hoje);
  const filtros = {
    atrasados: ["Atrasados", `status=${ABERTOS}&entrega_ate=${somarDias(hoje, -1)}`,
      (p) => aberto(p) && p.data_entrega && p.data_entrega < hoje],
    hoje: ["Entrega hoje", `status=${ABERTOS}&entrega_de=${hoje}&entrega_ate=${hoje}`,
      (p) => aberto(p) && p.data_entrega === hoje],
    semana: ["Entrega nos próximos 7 dias", `status=${ABERTOS}&entrega_de=${somarDias(hoje, 1)}&entrega_ate=${semana}`,
      (p) => aberto(p) && p.data_entrega > hoje && p.data_entrega <= semana],
    prontos: ["Prontos, não entregues", "status=pronto", (p) => p.status === "pronto"],
    devendo: ["Com saldo a receber", "status=pendente,em_producao,pronto,entregue&pagamento=em_aberto,parcial",
      (p) => p.status !== "cancelado" && Number(p.saldo) > 0],
    mes: ["Pedidos deste mês", `status=pendente,em_producao,pronto,entregue&data_inicio=${primeiro}&data_fim=${ultimo}`,
      (p) => p.status !== "cancelado" && p.data_entrada >= primeiro && p.data_entrada <= ultimo],
  }; // prettier-ignore
  if (nome.startsWith("etapa:")) {
    const etapa = nome.slice("etapa:".length);
    return { rotulo: `Fila: ${etapa}`, consulta: `etapa=${encodeURIComponent(etapa)}`,
      predicado: (p) => naFila(p, new Set([etapa])) }; // prettier-ignore
  }
  if (!(nome in filtros)) return null;
  const [rotulo, consulta, predicado] = filtros[nome];
  return { rotulo, consulta, predicado };
}

export class Resumo {
  /** @param raiz the strip's element; @param aoFalhar(erro) */
  constructor(raiz, { aoFalhar }) {
    Object.assign(this, { raiz, aoFalhar });
  }

  /** Ask again soon (an order changed); many changes in a burst cost one request. */
  atualizarEmBreve() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.carregar(), ATUALIZAR_MS);
  }

  async carregar() {
    try {
      const { dados } = await api("GET", "/relatorios/resumo");
      this.desenhar(dados);
    } catch (erro) {
      this.aoFalhar(erro);
    }
  }

  desenhar(resumo) {
    const link = (nome, numero, texto, classe = "", zero = numero === "0") => {
      const a = el("a", `indicador ${classe}${zero ? " zero" : ""}`);
      a.href = `#filtro=${nome}`;
      a.dataset.filtro = nome;
      a.append(el("strong", "", numero), el("span", "", ` ${texto}`));
      return a;
    };
    const filas = el("span", "filas");
    for (const [etapa, n] of Object.entries(resumo.por_etapa)) filas.append(link(`etapa:${etapa}`, String(n), etapa, "fila"));
    this.raiz.replaceChildren(
      link("atrasados", String(resumo.atrasados), "atrasados", "atraso"),
      link("hoje", String(resumo.entrega_hoje), "entregam hoje", "hoje"),
      link("semana", String(resumo.entrega_7_dias), "em 7 dias"),
      link("prontos", String(resumo.prontos_nao_entregues), "prontos p/ entregar"),
      link("devendo", dinheiro(resumo.saldo_em_aberto.valor), `a receber (${resumo.saldo_em_aberto.pedidos})`, "saldo",
        !resumo.saldo_em_aberto.pedidos),
      link("mes", area.format(Number(resumo.metro_quadrado_mes)), "m² no mês", "", !Number(resumo.metro_quadrado_mes)),
      filas,
    );
    this.raiz.dataset.hoje = resumo.hoje;
  }
}
