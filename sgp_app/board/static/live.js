// The live connection to /ws/pedidos. It authenticates with the session token, resumes from
// the last evento_id it saw (kept in localStorage, so a page reload resumes too), reconnects
// with exponential backoff and jitter, and notices a silent link with its own pings.

import { eventosAoVivoIndisponiveis, sessao } from "./api.js";

const CHAVE_ULTIMO = "sgp.ultimo_evento_id";
const PING_MS = 20000; // the server's limit is far above one message every 20 s
const PONG_MS = 10000; // no answer within this after a ping: the link is dead
const ESPERA_BASE_MS = 500;
const ESPERA_MAX_MS = 30000;
const EVENTOS = new Set(["pedido_criado", "pedido_atualizado", "pedido_cancelado"]);

export function ultimoGuardado() {
  const valor = localStorage.getItem(CHAVE_ULTIMO);
  return valor === null ? null : Number(valor);
}

export class Conexao {
  /**
   * @param aoEvento(evento, repeticao) an order event; repeticao is true while replaying missed ones
   * @param aoSincronizar(msg) the replay ended; msg.completo false means reload the list
   * @param aoEstado(estado, esperaMs) "conectando" | "sincronizando" | "conectado" | "desconectado"
   *   | "indisponivel"
   * @param aoRecusar(motivo) the server refused the token (close 1008): log in again
   * @param aoIndisponivel(detalhe) this server cannot serve live events at all (flask run)
   */
  constructor({ aoEvento, aoSincronizar, aoEstado, aoRecusar, aoIndisponivel }) {
    Object.assign(this, { aoEvento, aoSincronizar, aoEstado, aoRecusar, aoIndisponivel });
    this.ws = null;
    this.ultimo = null;
    this.tentativas = 0;
    this.parado = true;
    this.repetindo = false;
    this.timers = {};
    window.addEventListener("online", () => this.reconectarJa());
  }

  abrir(desde) {
    this.parado = false;
    this.guardar(desde);
    this.conectar();
  }

  fechar() {
    this.parado = true;
    this.limpar();
    if (this.ws) this.ws.close(1000);
    this.ws = null;
    this.aoEstado("desconectado");
  }

  reconectarJa() {
    if (this.parado || (this.ws && this.ws.readyState <= WebSocket.OPEN)) return;
    this.tentativas = 0;
    this.conectar();
  }

  guardar(id) {
    if (id === null || id === undefined) return;
    this.ultimo = id;
    localStorage.setItem(CHAVE_ULTIMO, String(id));
  }

  conectar() {
    this.limpar();
    this.aoEstado("conectando");
    const protocolo = location.protocol === "https:" ? "wss" : "ws";
    const ws = (this.ws = new WebSocket(`${protocolo}://${location.host}/ws/pedidos`));
    ws.onopen = () => {
      ws.abriu = true;
      const mensagem = { type: "authenticate", token: sessao.token };
      if (this.ultimo !== null) mensagem.ultimo_evento_id = this.ultimo;
      this.repetindo = this.ultimo !== null;
      ws.send(JSON.stringify(mensagem));
      this.timers.ping = setInterval(() => this.pingar(ws), PING_MS);
    };
    ws.onmessage = (m) => this.receber(ws, m);
    ws.onclose = (e) => this.perdida(ws, e.code, e.reason);
  }

  receber(ws, m) {
    if (ws !== this.ws) return;
    clearTimeout(this.timers.pong);
    let msg;
    try {
      msg = JSON.parse(m.data);
    } catch {
      return;
    }
    if (msg.type === "authenticated") {
      this.tentativas = 0;
      this.aoEstado(this.repetindo ? "sincronizando" : "conectado");
    } else if (msg.type === "sincronizado") {
      this.repetindo = false;
      this.guardar(msg.ultimo_evento_id);
      this.aoEstado("conectado");
      this.aoSincronizar(msg);
    } else if (EVENTOS.has(msg.type)) {
      if (this.ultimo !== null && msg.evento_id <= this.ultimo) return;
      this.guardar(msg.evento_id);
      this.aoEvento(msg, this.repetindo);
    }
  }

  pingar(ws) {
    if (ws !== this.ws || ws.readyState !== WebSocket.OPEN) return;
    ws.send(JSON.stringify({ type: "ping", timestamp: Date.now() }));
    this.timers.pong = setTimeout(() => this.perdida(ws, 1006, "sem resposta"), PONG_MS);
  }

  perdida(ws, codigo, motivo) {
    if (ws !== this.ws) return; // an old socket closing late
    this.limpar();
    ws.onclose = ws.onmessage = null;
    if (ws.readyState <= WebSocket.OPEN) ws.close();
    this.ws = null;
    if (this.parado) return;
    if (codigo === 1008) {
      // Bad, expired or revoked token: the same token would be refused again.
      this.parado = true;
      this.aoEstado("desconectado");
      this.aoRecusar(motivo);
      return;
    }
    const espera = Math.min(ESPERA_MAX_MS, ESPERA_BASE_MS * 2 ** this.tentativas++) * (0.5 + Math.random());
    this.aoEstado("desconectado", espera);
    this.timers.volta = setTimeout(() => this.conectar(), espera);
    // A refused handshake says nothing to a page (browsers hide its status): ask /health
    // whether this server can hold sockets at all before retrying forever.
    if (!ws.abriu) this.verificarServidor();
  }

  async verificarServidor() {
    const detalhe = await eventosAoVivoIndisponiveis().catch(() => null);
    if (!detalhe || this.parado || this.ws !== null) return;
    this.parado = true;
    this.limpar();
    this.aoEstado("indisponivel");
    this.aoIndisponivel(detalhe);
  }

  limpar() {
    clearInterval(this.timers.ping);
    clearTimeout(this.timers.pong);
    clearTimeout(this.timers.volta);
    this.timers = {};
  }
}
