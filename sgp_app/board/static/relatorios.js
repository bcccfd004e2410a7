// Relatórios: the month-end closing report. Pick a period (this month, last month, or dates), one or
// two groupings and how freight counts; the page draws a bar chart of the groups (SVG, drawn here),
// the table with subtotals and the total, and downloads the same report as CSV or XLSX.

import { api, baixar } from "./api.js";
import { el } from "./dom.js";
import { data, dataDoCampo, dinheiro, hojeIso, mes } from "./formatos.js";

export const DIMENSOES = [
  ["vendedor", "Vendedor"],
  ["designer", "Designer"],
  ["cliente", "Cliente"],
  ["forma_envio", "Forma de envio"],
  ["tipo_producao", "Tipo de produção"],
  ["material", "Material"],
  ["status", "Situação"],
  ["dia", "Dia"],
];
const COLUNAS = [
  ["pedidos", "Pedidos"],
  ["itens", "Itens"],
  ["quantidade", "Qtd."],
  ["metro_quadrado", "m²"],
  ["valor_itens", "Itens"],
  ["valor_frete", "Frete"],
  ["valor_total", "Total"],
  ["valor_pago", "Pago"],
  ["saldo", "Saldo"],
];
const DINHEIRO = new Set(["valor_itens", "valor_frete", "valor_total", "valor_pago", "saldo"]);
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const BARRAS_MAX = 20; // more groups than this: the chart shows the largest ones
const SVG = "http://www.w3.org/2000/svg";
const area = new Intl.NumberFormat("pt-BR", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

const rotuloDe = (nome) => DIMENSOES.find(([d]) => d === nome)[1];
const figura = (chave, valor) =>
  DINHEIRO.has(chave) ? dinheiro(valor) : chave === "metro_quadrado" ? area.format(Number(valor)) : String(valor);

/** The dates of a preset ("este_mes", "mes_passado") in the shop's today; null for "intervalo". */
export function periodo(escolha, hoje = hojeIso()) {
  if (escolha === "este_mes") return mes(hoje, 0);
  if (escolha === "mes_passado") return mes(hoje, -1);
  return null;
}

function svg(tag, atributos = {}, texto) {
  const elemento = document.createElementNS(SVG, tag);
  for (const [nome, valor] of Object.entries(atributos)) elemento.setAttribute(nome, valor);
  if (texto !== undefined) elemento.textContent = texto;
  return elemento;
}

/** A horizontal bar per group (its total), largest value sets the scale; labels and values as text. */
export function grafico(grupos, titulo) {
  const barras = [...grupos].sort((a, b) => Number(b.valor_total) - Number(a.valor_total)).slice(0, BARRAS_MAX);
  const maior = Math.max(...barras.map((g) => Number(g.valor_total)), 0.01);
  const [largura, alturaBarra, margem, rotulo] = [640, 22, 6, 170];
  const altura = barras.length * (alturaBarra + margem) + margem;
  const desenho = svg("svg", {
    viewBox: `0 0 ${largura} ${altura}`,
    role: "img",
    "aria-label": titulo,
    class: "grafico-barras",
    preserveAspectRatio: "xMinYMin meet",
  });
  desenho.append(svg("title", {}, titulo));
  barras.forEach((grupo, n) => {
    const y = margem + n * (alturaBarra + margem);
    const comprimento = ((largura - rotulo - 110) * Number(grupo.valor_total)) / maior;
    const linha = svg("g", { class: "barra", "data-rotulo": grupo.rotulo });
    const nome = grupo.rotulo.length > 24 ? `${grupo.rotulo.slice(0, 23)}…` : grupo.rotulo;
    linha.append(
      svg("text", { x: rotulo - 6, y: y + alturaBarra * 0.7, "text-anchor": "end", class: "rotulo" }, nome),
      svg("rect", { x: rotulo, y, width: Math.max(comprimento, 1), height: alturaBarra, rx: 3 }),
      svg("text", { x: rotulo + comprimento + 6, y: y + alturaBarra * 0.7, class: "valor" }, dinheiro(grupo.valor_total)),
    );
    linha.append(svg("title", {}, `${grupo.rotulo}: ${dinheiro(grupo.valor_total)}`));
    desenho.append(linha);
  });
  return { desenho, cortados: grupos.length - barras.length };
}

export class Relatorios {
  /** @param dialogo the <dialog>; @param aoFalhar(erro) a failure the page cannot show in place */
  constructor(dialogo, { aoFalhar }) {
    Object.assign(this, { dialogo, aoFalhar });
    this.$ = (id) => dialogo.querySelector(id);
    this.form = this.$("#form-relatorio");
    this.ultimo = null; // the query string of the report on screen
    const campos = this.form.elements;
    for (const [valor, texto] of DIMENSOES) {
      campos.agrupar1.append(new Option(texto, valor));
      campos.agrupar2.append(new Option(texto, valor));
    }
    campos.periodo.addEventListener("change", () => this.mostrarIntervalo());
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.gerar();
    });
    this.$("#relatorios-fechar").addEventListener("click", () => dialogo.close());
    this.$("#relatorio-csv").addEventListener("click", () => this.baixar("text/csv", "fechamento.csv"));
    this.$("#relatorio-xlsx").addEventListener("click", () => this.baixar(XLSX, "fechamento.xlsx"));
    this.$("#relatorio-imprimir").addEventListener("click", () => this.imprimir());
  }

  async abrir() {
    if (!this.dialogo.open) this.dialogo.showModal();
    if (!this.ultimo) await this.gerar();
  }

  mostrarIntervalo() {
    const intervalo = this.form.elements.periodo.value === "intervalo";
    for (const rotulo of this.form.querySelectorAll("[data-intervalo]")) rotulo.hidden = !intervalo;
    if (intervalo) this.form.elements.de.focus();
  }

  /** The query string the form asks for, or null (with the reason shown) when a date is wrong. */
  consulta() {
    const campos = this.form.elements;
    let datas = periodo(campos.periodo.value);
    if (!datas) {
      datas = [dataDoCampo(campos.de.value), dataDoCampo(campos.ate.value)];
      if (datas.some((d) => !d)) {
        this.$("#relatorio-erro").textContent = "Escreva as duas datas como dd/mm/aaaa.";
        return null;
      }
    }
    const agrupar = [campos.agrupar1.value, campos.agrupar2.value].filter(Boolean);
    const params = new URLSearchParams({
      data_inicio: datas[0],
      data_fim: datas[1],
      data_por: campos.data_por.value,
      agrupar: [...new Set(agrupar)].join(","),
      frete: campos.frete.value,
      ordenar: campos.ordenar.value,
    });
    if (campos.cancelados.checked) params.set("status", "cancelado");
    return params.toString();
  }

  async gerar() {
    const consulta = this.consulta();
    if (!consulta) return;
    this.$("#relatorio-erro").textContent = "";
    const botao = this.form.querySelector("button[type=submit]");
    botao.disabled = true;
    botao.textContent = "Gerando…";
    try {
      const { dados } = await api("GET", `/relatorios/fechamento?${consulta}`);
      this.ultimo = consulta;
      this.mostrar(dados);
    } catch (erro) {
      if (erro.status === 401) this.aoFalhar(erro);
      else this.$("#relatorio-erro").textContent = erro.message;
    } finally {
      botao.disabled = false;
      botao.textContent = "Gerar";
    }
  }

  mostrar(relatorio) {
    const { filtros, grupos, total } = relatorio;
    const nomes = filtros.agrupar.map(rotuloDe);
    this.$("#relatorio-resultado").hidden = false;
    this.$("#relatorio-titulo").textContent =
      `${nomes.join(" e ")} · ${data(filtros.data_inicio)} a ${data(filtros.data_fim)}` +
      (filtros.data_por === "entrega" ? " (pela entrega)" : "");
    this.$("#relatorio-resumo").replaceChildren(
      ...[
        ["Pedidos", String(total.pedidos)],
        ["Total", dinheiro(total.valor_total)],
        ["Recebido", dinheiro(total.valor_pago)],
        ["A receber", dinheiro(total.saldo)],
        ["m²", area.format(Number(total.metro_quadrado))],
      ].map(([rotulo, valor]) => {
        const caixa = el("span", "numero-resumo");
        caixa.append(el("small", "", rotulo), el("strong", "", valor));
        return caixa;
      }),
    );
    const { desenho, cortados } = grafico(grupos, `Total por ${nomes[0].toLowerCase()}`);
    this.$("#relatorio-grafico").replaceChildren(grupos.length ? desenho : el("p", "nota", "Nenhum pedido no período."));
    this.$("#relatorio-legenda").textContent =
      (cortados > 0 ? `Os ${BARRAS_MAX} maiores de ${grupos.length} grupos. ` : "") +
      (filtros.frete === "por_pedido" && grupos.length > 1
        ? "O frete de um pedido conta inteiro em cada grupo em que ele aparece."
        : "");
    this.tabela(filtros.agrupar.length, nomes, grupos, total);
  }

  tabela(niveis, nomes, grupos, total) {
    const cabeca = this.$("#relatorio-cabeca");
    cabeca.replaceChildren(...[...nomes, ...COLUNAS.map(([, t]) => t)].map((t) => el("th", "", t)));
    const linha = (rotulos, figuras, classe = "") => {
      const tr = el("tr", classe);
      tr.append(...rotulos.map((r) => el("th", "", r)));
      for (const [chave] of COLUNAS) tr.append(el("td", "numero", figura(chave, figuras[chave])));
      return tr;
    };
    const linhas = [];
    for (const grupo of grupos) {
      if (niveis === 1) {
        linhas.push(linha([grupo.rotulo], grupo));
        continue;
      }
      grupo.subgrupos.forEach((sub, n) => linhas.push(linha([n ? "" : grupo.rotulo, sub.rotulo], sub)));
      linhas.push(linha(["", `Subtotal ${grupo.rotulo}`], grupo, "subtotal"));
    }
    this.$("#relatorio-linhas").replaceChildren(...linhas);
    this.$("#relatorio-total").replaceChildren(linha(["Total", ...Array(niveis - 1).fill("")], total, "total"));
  }

  async baixar(accept, nome) {
    if (!this.ultimo) return;
    try {
      await baixar(`/relatorios/fechamento?${this.ultimo}`, accept, nome);
    } catch (erro) {
      this.$("#relatorio-erro").textContent = erro.message;
    }
  }

  imprimir() {
    document.body.classList.add("imprimindo-relatorio");
    window.addEventListener("afterprint", () => document.body.classList.remove("imprimindo-relatorio"), {
      once: true,
    });
    window.print();
  }
}
