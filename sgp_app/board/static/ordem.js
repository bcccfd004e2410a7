// The printable work order (ordem de serviço) of one order: shown only when printing
// (board.css's print stylesheet hides the board and shows this), with the order's fields,
// its items with sizes, its notes and a signature line.

import { data, dinheiro, momento } from "./formatos.js";
import { nomeDoTipo } from "./formulario.js";
import { ROTULO, nomeEtapa } from "./quadro.js";
import { el } from "./dom.js";
import { cepLegivel, documentoLegivel } from "./clientes.js";

const numero = (valor) => String(valor).replace(".", ",");
const medida = (valor) => (valor ? `${numero(valor)} m` : "—");

/** What the shop floor needs of an item beyond its row: material, finishing, seams, people, notes. */
function detalheDoItem(item) {
  const partes = [];
  if (item.material) partes.push(`Material: ${item.material}`);
  const acabamento = item.acabamento || {};
  const feitos = ["overloque", "elastico", "bainha"].filter((nome) => acabamento[nome]);
  const nomes = { overloque: "overloque", elastico: "elástico", bainha: "bainha" };
  const acabamentos = feitos.map((nome) => nomes[nome]);
  for (const [nome, rotulo] of [["ilhos", "ilhós"], ["cordinha", "cordinha"]]) {
    const extra = acabamento[nome];
    if (extra) acabamentos.push(`${extra.quantidade} ${rotulo}` + (extra.espaco ? ` a cada ${medida(extra.espaco)}` : ""));
  }
  if (acabamentos.length) partes.push(`Acabamento: ${acabamentos.join(", ")}`);
  if (item.emenda_quantidade) partes.push(`Emendas: ${item.emenda_quantidade}`);
  if (item.vendedor) partes.push(`Vendedor: ${item.vendedor.nome}`);
  if (item.designer) partes.push(`Designer: ${item.designer.nome}`);
  for (const [nome, valor] of Object.entries(item.detalhes || {})) partes.push(`${nome}: ${valor === true ? "sim" : valor === false ? "não" : valor}`);
  if (item.observacao) partes.push(`Obs.: ${item.observacao}`);
  return partes.join(" · ");
}

/** The payments and the balance, as the work order prints them. */
function secaoPagamentos(pedido, pagamentos) {
  const secao = el("section", "os-pagamentos");
  secao.append(el("h2", "", "Pagamentos"));
  const validos = (pagamentos ?? []).filter((p) => !p.estornado_em);
  if (validos.length) {
    const lista = el("ul");
    for (const p of validos) lista.append(el("li", "", `${data(p.data)} · ${p.forma_pagamento.nome} · ${dinheiro(p.valor)}`));
    secao.append(lista);
  } else {
    secao.append(el("p", "", "Nenhum pagamento"));
  }
  const saldo = Number(pedido.saldo ?? pedido.valor_total);
  secao.append(
    el("p", "os-saldo", `Total ${dinheiro(pedido.valor_total)} · Pago ${dinheiro(pedido.valor_pago ?? 0)} · ` +
      (saldo < 0 ? `Crédito ${dinheiro(-saldo)}` : `Saldo a receber ${dinheiro(saldo)}`)),
  );
  return secao;
}

/**
 * Fill ``raiz`` with the work order of ``pedido``; ``cliente`` (its registry entry, when the
 * order has one) adds the document and address, ``pagamentos`` the payments.
 */
export function preencherOrdem(raiz, pedido, { cliente = null, pagamentos = [], arquivos = [] } = {}) {
  const miniaturas = new Map();
  for (const arquivo of arquivos) {
    if (arquivo.item_id && arquivo.miniatura_url && !miniaturas.has(arquivo.item_id)) miniaturas.set(arquivo.item_id, arquivo);
  }
  const cabecalho = el("header", "os-topo");
  cabecalho.append(
    el("h1", "", `Ordem de serviço nº ${Number(pedido.numero)}`),
    el("p", "", `Emitida em ${momento(new Date().toISOString())} · Situação: ${ROTULO[pedido.status]}`),
  );

  const dados = el("dl", "os-dados");
  const campo = (rotulo, valor) => dados.append(el("dt", "", rotulo), el("dd", "", valor || "—"));
  campo("Cliente", pedido.cliente);
  if (cliente?.documento) campo(cliente.documento.length === 11 ? "CPF" : "CNPJ", documentoLegivel(cliente.documento));
  if (cliente?.endereco || cliente?.cep) {
    campo("Endereço", [cliente.endereco, cliente.cep && `CEP ${cepLegivel(cliente.cep)}`].filter(Boolean).join(" · "));
  }
  campo("Telefone", pedido.telefone_cliente);
  campo("Cidade/UF", [pedido.cidade_cliente, pedido.estado_cliente].filter(Boolean).join("/"));
  campo("Entrada", data(pedido.data_entrada));
  campo("Entrega", data(pedido.data_entrega));
  campo("Prioridade", pedido.prioridade === "ALTA" ? "Alta (urgente)" : "Normal");
  campo("Forma de envio", pedido.forma_envio);
  campo("Pagamento", pedido.tipo_pagamento);

  const tabela = el("table", "os-itens");
  const cabeca = el("tr");
  for (const titulo of ["Qtd.", "Descrição", "Tipo", "Largura", "Altura", "m²", "Valor unit.", "Subtotal"]) {
    cabeca.append(el("th", "", titulo));
  }
  tabela.append(el("thead"), el("tbody"), el("tfoot"));
  tabela.tHead.append(cabeca);
  for (const item of pedido.itens) {
    const linha = el("tr");
    const subtotal = item.subtotal ?? (Number(item.valor_unitario) * item.quantidade).toFixed(2);
    for (const valor of [
      String(item.quantidade),
      item.descricao,
      nomeDoTipo(item.tipo_producao) || "—",
      medida(item.largura),
      medida(item.altura),
      item.metro_quadrado ? numero(item.metro_quadrado) : "—",
      dinheiro(item.valor_unitario),
      dinheiro(subtotal),
    ]) {
      linha.append(el("td", "", valor));
    }
    tabela.tBodies[0].append(linha);
    const arte = miniaturas.get(item.id);
    if (arte) {
      const img = el("img", "os-miniatura");
      img.src = arte.miniatura_url;
      img.alt = `Arte: ${arte.nome}`;
      linha.children[1].prepend(img);
    }
    const detalhe = detalheDoItem(item);
    if (detalhe) {
      const celula = el("td", "", detalhe);
      celula.colSpan = 8;
      const linhaDetalhe = el("tr", "os-detalhe");
      linhaDetalhe.append(celula);
      tabela.tBodies[0].append(linhaDetalhe);
    }
  }
  if (!pedido.itens.length) {
    const vazio = el("td", "", "Sem itens");
    vazio.colSpan = 8;
    const linhaVazia = el("tr");
    linhaVazia.append(vazio);
    tabela.tBodies[0].append(linhaVazia);
  }
  for (const [rotulo, valor] of [
    ["Itens", pedido.valor_itens],
    ["Frete", pedido.valor_frete],
    ["Total", pedido.valor_total],
  ]) {
    const linha = el("tr");
    const nome = el("th", "", rotulo);
    nome.colSpan = 7;
    linha.append(nome, el("td", "", dinheiro(valor)));
    tabela.tFoot.append(linha);
  }

  const etapas = el("section", "os-etapas");
  if (pedido.etapas?.length) {
    const quadro = el("table", "os-tabela-etapas");
    quadro.append(el("thead"), el("tbody"));
    const topo = el("tr");
    for (const titulo of ["Etapa", "Feita por", "Em", "Máquina"]) topo.append(el("th", "", titulo));
    quadro.tHead.append(topo);
    for (const etapa of pedido.etapas) {
      const linha = el("tr");
      for (const valor of [
        `${etapa.feita ? "☑" : "☐"} ${nomeEtapa(etapa.etapa)}`,
        etapa.por?.username ?? "",
        etapa.em ? momento(etapa.em) : "",
        etapa.maquina?.nome ?? "",
      ]) {
        linha.append(el("td", "", valor));
      }
      quadro.tBodies[0].append(linha);
    }
    etapas.append(el("h2", "", "Etapas de produção"), quadro);
  }

  const notas = el("section", "os-observacao");
  notas.append(el("h2", "", "Observação"), el("p", "", pedido.observacao || "—"));

  const assinatura = el("section", "os-assinatura");
  assinatura.append(
    el("div", "linha-assinatura", "Assinatura do cliente"),
    el("div", "linha-assinatura", "Responsável pela produção"),
    el("p", "", "Data: ____/____/________"),
  );

  raiz.replaceChildren(cabecalho, dados, tabela, secaoPagamentos(pedido, pagamentos), etapas, notas, assinatura);
  raiz.dataset.pedido = pedido.id;
}
