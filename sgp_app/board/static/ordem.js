// The printable work order (ordem de serviço) of one order: shown only when printing
// (board.css's print stylesheet hides the board and shows this), with the order's fields,
// its items with sizes, its notes and a signature line.

import { data, dinheiro, momento } from "./formatos.js";
import { ROTULO } from "./quadro.js";

function el(tag, classe, texto) {
  const elemento = document.createElement(tag);
  if (classe) elemento.className = classe;
  if (texto !== undefined) elemento.textContent = texto;
  return elemento;
}

const medida = (valor) => (valor ? `${String(valor).replace(".", ",")} m` : "—");

/** Fill ``raiz`` with the work order of ``pedido``. */
export function preencherOrdem(raiz, pedido) {
  const cabecalho = el("header", "os-topo");
  cabecalho.append(
    el("h1", "", `Ordem de serviço nº ${Number(pedido.numero)}`),
    el("p", "", `Emitida em ${momento(new Date().toISOString())} · Situação: ${ROTULO[pedido.status]}`),
  );

  const dados = el("dl", "os-dados");
  const campo = (rotulo, valor) => dados.append(el("dt", "", rotulo), el("dd", "", valor || "—"));
  campo("Cliente", pedido.cliente);
  campo("Telefone", pedido.telefone_cliente);
  campo("Cidade/UF", [pedido.cidade_cliente, pedido.estado_cliente].filter(Boolean).join("/"));
  campo("Entrada", data(pedido.data_entrada));
  campo("Entrega", data(pedido.data_entrega));
  campo("Prioridade", pedido.prioridade === "ALTA" ? "Alta (urgente)" : "Normal");
  campo("Forma de envio", pedido.forma_envio);
  campo("Pagamento", pedido.tipo_pagamento);

  const tabela = el("table", "os-itens");
  const cabeca = el("tr");
  for (const titulo of ["Qtd.", "Descrição", "Tipo", "Largura", "Altura", "Valor unit.", "Subtotal"]) {
    cabeca.append(el("th", "", titulo));
  }
  tabela.append(el("thead"), el("tbody"), el("tfoot"));
  tabela.tHead.append(cabeca);
  for (const item of pedido.itens) {
    const linha = el("tr");
    const subtotal = (Number(item.valor_unitario) * item.quantidade).toFixed(2);
    for (const valor of [
      String(item.quantidade),
      item.descricao,
      item.tipo_producao || "—",
      medida(item.largura),
      medida(item.altura),
      dinheiro(item.valor_unitario),
      dinheiro(subtotal),
    ]) {
      linha.append(el("td", "", valor));
    }
    tabela.tBodies[0].append(linha);
  }
  if (!pedido.itens.length) {
    const vazio = el("td", "", "Sem itens");
    vazio.colSpan = 7;
    tabela.tBodies[0].append(el("tr")).append(vazio);
  }
  for (const [rotulo, valor] of [
    ["Itens", pedido.valor_itens],
    ["Frete", pedido.valor_frete],
    ["Total", pedido.valor_total],
  ]) {
    const linha = el("tr");
    const nome = el("th", "", rotulo);
    nome.colSpan = 6;
    linha.append(nome, el("td", "", dinheiro(valor)));
    tabela.tFoot.append(linha);
  }

  const notas = el("section", "os-observacao");
  notas.append(el("h2", "", "Observação"), el("p", "", pedido.observacao || "—"));

  const assinatura = el("section", "os-assinatura");
  assinatura.append(
    el("div", "linha-assinatura", "Assinatura do cliente"),
    el("div", "linha-assinatura", "Responsável pela produção"),
    el("p", "", "Data: ____/____/________"),
  );

  raiz.replaceChildren(cabecalho, dados, tabela, notas, assinatura);
  raiz.dataset.pedido = pedido.id;
}
