// The live board: log in, load the orders, keep them current from /ws/pedidos, and act on them:
// open one in the drawer (edit, history, work order), move it, create one, manage users.
//
// The list and the socket meet at an evento_id: each list answer carries X-Ultimo-Evento-Id,
// read before the orders, so the socket resumes from there and misses nothing. After a reload
// it resumes from the last id this browser saw instead, so what changed meanwhile lights up.

import { ErroApi, api, entrar, sair, sessao } from "./api.js";
import { Formulario, definirCatalogos } from "./formulario.js";
import { Gaveta } from "./gaveta.js";
import { Conexao, ultimoGuardado } from "./live.js";
import { preencherOrdem } from "./ordem.js";
import { COLUNAS, Quadro, ROTULO, aplicarContrato } from "./quadro.js";
import { Catalogos } from "./catalogos.js";
import { Clientes } from "./clientes.js";
import { Usuarios, definirEtapas } from "./usuarios.js";
import { definirFuso } from "./formatos.js";
import { Relatorios } from "./relatorios.js";
import { Resumo, filtro } from "./resumo.js";

const LIMITE_POR_COLUNA = 200;
const REPETICAO_MAXIMA = 1000; // after a reload, light up at most this many missed events
const AVISO_MS = 6000;
const $ = (seletor) => document.querySelector(seletor);

const quadro = new Quadro($("#colunas"), { aoMover: mover, aoAbrir: (pedido) => gaveta.abrir(pedido) });
const formulario = new Formulario($("#form-novo"), $("#modelo-item"));
const gaveta = new Gaveta($("#gaveta"), $("#modelo-item"), {
  aoSalvar: (pedido) => quadro.guardar(pedido),
  aoMover: mover,
  aoImprimir: imprimir,
  aoFalhar: (erro) => falhou(erro),
});
const usuarios = new Usuarios($("#usuarios"), {
  aoFalhar: (erro) => falhou(erro),
  aoAvisar: (texto) => avisar(texto, "ok"),
});
const catalogos = new Catalogos($("#catalogos"), {
  aoFalhar: (erro) => falhou(erro),
  aoAvisar: (texto) => avisar(texto, "ok"),
  // A new or retired entry is offered (or not) in the next item rows.
  aoMudar: async () => {
    try {
      definirCatalogos((await api("GET", "/catalogos")).dados);
    } catch (erro) {
      falhou(erro);
    }
  },
});
const clientes = new Clientes($("#clientes"), {
  aoFalhar: (erro) => falhou(erro),
  aoAvisar: (texto) => avisar(texto, "ok"),
});
const relatorios = new Relatorios($("#relatorios"), { aoFalhar: (erro) => falhou(erro) });
const resumo = new Resumo($("#resumo"), { aoFalhar: (erro) => falhou(erro) });
const conexao = new Conexao({
  aoEvento,
  aoSincronizar,
  aoEstado,
  aoRecusar: () => sessaoTerminou(),
  aoIndisponivel,
});
let listaAte = 0; // every event up to this id is already in the list
const buscando = new Map(); // pedido id -> "again" flag while a GET is in flight

// -- screens and messages ---------------------------------------------------------------

function mostrarLogin(mensagem = "") {
  conexao.fechar();
  for (const dialogo of document.querySelectorAll("dialog[open]")) dialogo.close();
  $("#tela-quadro").hidden = true;
  $("#usuario").hidden = true;
  $("#conexao").hidden = true; // nobody is connected yet: no red "Sem conexão" on the login screen
  $("#tela-login").hidden = false;
  $("#login-erro").textContent = mensagem;
  $("#form-login").elements.username.focus();
}

function mostrarQuadro() {
  $("#tela-login").hidden = true;
  $("#tela-quadro").hidden = false;
  $("#usuario").hidden = false;
  $("#conexao").hidden = false;
  $("#usuario-nome").textContent = sessao.usuario?.username ?? "";
  $("#abrir-usuarios").hidden = !sessao.usuario?.is_admin; // the server says 403 to anyone else
  $("#abrir-catalogos").hidden = !sessao.usuario?.is_admin;
  // Reports show every sale and balance: admins and the finance sector (the server says 403 to others).
  $("#abrir-relatorios").hidden = !(sessao.usuario?.is_admin || sessao.usuario?.setores?.includes("financeiro"));
  $("#minha-fila-rotulo").hidden = !sessao.usuario?.setores?.length;
}

let avisoTimer;
function avisar(texto, tipo = "erro", duracaoMs = AVISO_MS) {
  const aviso = $("#aviso");
  aviso.dataset.tipo = tipo;
  $("#aviso-texto").textContent = texto;
  aviso.hidden = false;
  clearTimeout(avisoTimer);
  if (duracaoMs) avisoTimer = setTimeout(() => (aviso.hidden = true), duracaoMs);
}

function sessaoTerminou() {
  sessao.esquecer();
  mostrarLogin("Sua sessão terminou; entre novamente.");
}

// Any failed call: a rejected token sends the person back to the login form.
function falhou(erro, contexto = "") {
  if (erro instanceof ErroApi && erro.status === 401) return sessaoTerminou();
  avisar(contexto ? `${contexto}: ${erro.message}` : erro.message);
}

const TEXTO_ESTADO = {
  conectando: "Conectando…",
  sincronizando: "Sincronizando…",
  conectado: "Ao vivo",
  desconectado: "Sem conexão",
  indisponivel: "Sem eventos ao vivo",
};

function aoEstado(estado, esperaMs) {
  const indicador = $("#conexao");
  indicador.dataset.estado = estado;
  indicador.title = "";
  $("#conexao-texto").textContent =
    esperaMs === undefined ? TEXTO_ESTADO[estado] : `Sem conexão — tentando em ${Math.ceil(esperaMs / 1000)} s`;
}

// The server runs without gevent (flask run): say so once, and stay, instead of retrying.
function aoIndisponivel(detalhe) {
  $("#conexao").title = detalhe;
  avisar(
    "Este servidor não entrega eventos ao vivo: eles precisam do worker gevent do gunicorn " +
      "(inicie o serviço com gunicorn wsgi:app). O quadro funciona, mas as mudanças feitas por " +
      "outras pessoas só aparecem ao recarregar a página.",
    "erro",
    0,
  );
}

// -- orders -----------------------------------------------------------------------------

let contrato = null; // GET /pedidos/contrato: the status machine and the event types

async function carregar() {
  if (!contrato) {
    const [lido, catalogos] = await Promise.all([api("GET", "/pedidos/contrato"), api("GET", "/catalogos")]);
    contrato = lido.dados;
    definirFuso(contrato.fuso_horario); // late, due today, this month: the shop's days, not this browser's
    aplicarContrato(contrato);
    definirCatalogos(catalogos.dados);
    definirEtapas(contrato.etapas);
    formulario.limpar(); // its first row was drawn before the types were known
  }
  const respostas = await Promise.all(
    COLUNAS.map(([status]) => api("GET", `/pedidos/?status=${status}&limit=${LIMITE_POR_COLUNA}`)),
  );
  quadro.substituir(respostas.flatMap((r) => r.dados));
  listaAte = Math.min(...respostas.map((r) => Number(r.headers.get("X-Ultimo-Evento-Id"))));
  resumo.carregar();
  aplicarFiltroDaUrl();
  return listaAte;
}

// One GET per order at a time; an event during the GET asks for one more afterwards, and
// the answer that GET brings may be older than that event, so only the last one is kept.
async function buscar(id) {
  if (buscando.has(id)) return buscando.set(id, true);
  buscando.set(id, false);
  try {
    const { dados } = await api("GET", `/pedidos/${id}`);
    if (!buscando.get(id)) mostrarPedido(dados);
  } catch (erro) {
    falhou(erro);
  } finally {
    const outraVez = buscando.get(id);
    buscando.delete(id);
    if (outraVez) buscar(id);
  }
}

// A newer version of an order: on the board, and in the drawer if it is the open one.
function mostrarPedido(pedido) {
  quadro.guardar(pedido);
  if (gaveta.aberta && gaveta.pedido.id === pedido.id) gaveta.atualizar(pedido);
}

/** Wait until the work order's thumbnails have loaded (or failed), so that they are printed. */
function imagensCarregadas(raiz) {
  const pendentes = [...raiz.querySelectorAll("img")].filter((img) => !img.complete);
  const carregada = (img) =>
    new Promise((pronto) => {
      img.addEventListener("load", pronto, { once: true });
      img.addEventListener("error", pronto, { once: true });
    });
  return Promise.all(pendentes.map(carregada));
}

// The work order also shows the customer's document and address, the payments and each item's
// thumbnail: read first.
async function imprimir(pedido) {
  try {
    const [cliente, pagamentos, arquivos] = await Promise.all([
      pedido.cliente_id ? api("GET", `/clientes/${pedido.cliente_id}`).then((r) => r.dados) : null,
      api("GET", `/pedidos/${pedido.id}/pagamentos`).then((r) => r.dados),
      api("GET", `/pedidos/${pedido.id}/arquivos`).then((r) => r.dados),
    ]);
    preencherOrdem($("#os"), pedido, { cliente, pagamentos, arquivos });
    await imagensCarregadas($("#os"));
  } catch (erro) {
    falhou(erro);
    preencherOrdem($("#os"), pedido);
  }
  window.print();
}

function aoEvento(evento, repeticao) {
  quadro.aplicar(evento); // the card moves at once; the GET brings the rest of the order
  resumo.atualizarEmBreve();
  quadro.destacar(evento.pedido_id);
  // Replayed events up to listaAte are already in the list: only light them up.
  if (!repeticao || evento.evento_id > listaAte) buscar(evento.pedido_id);
}

async function aoSincronizar(msg) {
  if (msg.completo) return;
  // Events this page missed are no longer kept: the list is the truth.
  try {
    await carregar();
  } catch (erro) {
    falhou(erro, "Não foi possível recarregar a lista");
  }
}

// A move sends only the new status and no If-Match: the server's status machine refuses a
// move that no longer makes sense (409), and nobody's other edits are overwritten.
async function mover(pedido, status) {
  const numero = Number(pedido.numero);
  if (status === "cancelado" && !confirm(`Cancelar o pedido nº ${numero} de ${pedido.cliente}?`)) return;
  try {
    if (status === "cancelado") {
      await api("DELETE", `/pedidos/${pedido.id}`);
      buscar(pedido.id);
    } else {
      mostrarPedido((await api("PATCH", `/pedidos/${pedido.id}`, { corpo: { status } })).dados);
    }
  } catch (erro) {
    if (erro.status === 409) {
      const acao = status === "cancelado" ? "cancelar" : `mover para ${ROTULO[status]}`;
      avisar(`Pedido nº ${numero}: não foi possível ${acao}. ${legivel(erro.message)}.`);
      buscar(pedido.id); // this page was behind: show the order as it is now
    } else {
      falhou(erro, `Pedido nº ${numero}`);
    }
  }
}

// The server names statuses as on the wire (em_producao); people read labels (em produção).
const STATUS_NO_TEXTO = new RegExp(`\\b(${Object.keys(ROTULO).join("|")})\\b`, "g");
const legivel = (texto) => texto.replace(STATUS_NO_TEXTO, (status) => ROTULO[status].toLowerCase());

// -- start ------------------------------------------------------------------------------

async function iniciar() {
  if (!sessao.token) return mostrarLogin();
  mostrarQuadro();
  let ate;
  try {
    ate = await carregar();
  } catch (erro) {
    if (erro.status === 401) return sessaoTerminou();
    avisar(`Não foi possível carregar os pedidos: ${erro.message}`);
    setTimeout(iniciar, 3000);
    return;
  }
  // Resume from this browser's last id, so what changed meanwhile lights up; from the list's
  // own id when that one is unknown, from another database, or too far behind to be worth it.
  const guardado = ultimoGuardado();
  const recente = guardado !== null && guardado <= ate && ate - guardado <= REPETICAO_MAXIMA;
  conexao.abrir(recente ? guardado : ate, contrato.tipos_evento);
}

$("#form-login").addEventListener("submit", async (e) => {
  e.preventDefault();
  const campos = e.target.elements;
  try {
    await entrar(campos.username.value.trim(), campos.password.value);
    campos.password.value = "";
    iniciar();
  } catch (erro) {
    $("#login-erro").textContent = erro.status === 401 ? "Usuário ou senha incorretos." : erro.message;
  }
});

$("#sair").addEventListener("click", async () => {
  conexao.fechar();
  await sair().catch(() => {});
  mostrarLogin();
});

$("#abrir-novo").addEventListener("click", () => {
  $("#dialogo-novo").showModal();
  $("#form-novo").elements.cliente.focus();
});
$("#fechar-novo").addEventListener("click", () => $("#dialogo-novo").close());
$("#abrir-usuarios").addEventListener("click", () => usuarios.abrir());
$("#abrir-catalogos").addEventListener("click", () => catalogos.abrir());
$("#abrir-clientes").addEventListener("click", () => clientes.abrir());
$("#abrir-relatorios").addEventListener("click", () => relatorios.abrir());
$("#aviso-fechar").addEventListener("click", () => ($("#aviso").hidden = true));

$("#form-novo").addEventListener("submit", async (e) => {
  e.preventDefault();
  const locais = formulario.errosLocais();
  if (Object.keys(locais).length) return formulario.mostrarErros("Confira os campos marcados.", locais);
  const botao = e.submitter;
  botao.disabled = true;
  try {
    const { dados } = await api("POST", "/pedidos/", { corpo: formulario.corpo() });
    quadro.guardar(dados);
    quadro.destacar(dados.id);
    formulario.limpar();
    $("#dialogo-novo").close();
    avisar(`Pedido nº ${Number(dados.numero)} criado.`, "ok");
  } catch (erro) {
    if (erro.status === 422) formulario.mostrarErros("Confira os campos marcados.", erro.fields);
    else if (erro.status === 401) sessaoTerminou();
    else formulario.mostrarErros(erro.message, {});
  } finally {
    botao.disabled = false;
  }
});

const filtrar = () => {
  localStorage.setItem("sgp.mostrar_cancelados", $("#mostrar-cancelados").checked ? "1" : "");
  quadro.filtrar($("#busca").value, $("#mostrar-cancelados").checked);
};
$("#busca").addEventListener("input", filtrar);
$("#mostrar-cancelados").addEventListener("change", filtrar);

// A sector's queue: its orders are read from the server (every one, not only the board's first
// pages), then the board shows only those whose next step is one of the user's sectors, oldest
// due date first, and keeps them live like any card.
async function minhaFila() {
  const setores = sessao.usuario?.setores ?? [];
  if (!$("#minha-fila").checked) return quadro.filaDe(null);
  try {
    const filas = await Promise.all(setores.map((s) => api("GET", `/pedidos/?etapa=${s}&limit=500`)));
    for (const { dados } of filas) for (const pedido of dados) quadro.guardar(pedido);
    quadro.filaDe(new Set(setores));
  } catch (erro) {
    falhou(erro);
  }
}
$("#minha-fila").addEventListener("change", minhaFila);

// By payment situation: those orders are read from the server (every one, not only the board's
// first pages), then the board shows only the orders in those situations, and keeps them live.
async function filtrarPagamento() {
  const escolha = $("#filtro-pagamento").value;
  if (!escolha) return quadro.filtrarPagamento(null);
  try {
    const { dados } = await api("GET", `/pedidos/?pagamento=${escolha}&limit=500`);
    for (const pedido of dados) quadro.guardar(pedido);
    quadro.filtrarPagamento(new Set(escolha.split(",")));
  } catch (erro) {
    falhou(erro);
  }
}
$("#filtro-pagamento").addEventListener("change", filtrarPagamento);
// The strip's links (#filtro=atrasados, #filtro=etapa:costura…): those orders are read from the
// server, then the board shows only them, and keeps them live; "Mostrar todos" goes back.
async function aplicarFiltroDaUrl() {
  const nome = decodeURIComponent(/^#filtro=(.+)$/.exec(location.hash)?.[1] ?? "");
  const escolhido = nome ? filtro(nome) : null;
  $("#filtro-ativo").hidden = !escolhido;
  for (const a of document.querySelectorAll("#resumo a")) a.classList.toggle("ativo", a.dataset.filtro === nome);
  if (!escolhido) return quadro.filtrarPor(null);
  $("#filtro-ativo-texto").textContent = `Mostrando: ${escolhido.rotulo}.`;
  try {
    const { dados } = await api("GET", `/pedidos/?${escolhido.consulta}&limit=500`);
    for (const pedido of dados) quadro.guardar(pedido);
    quadro.filtrarPor(escolhido.predicado);
  } catch (erro) {
    falhou(erro);
  }
}
window.addEventListener("hashchange", aplicarFiltroDaUrl);
$("#filtro-limpar").addEventListener("click", (e) => {
  e.preventDefault();
  history.replaceState(null, "", location.pathname + location.search);
  aplicarFiltroDaUrl();
});
$("#mostrar-cancelados").checked = Boolean(localStorage.getItem("sgp.mostrar_cancelados"));
filtrar();

iniciar();
