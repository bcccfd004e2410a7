// sgp-live.js: the SGP live-events client, as a plain ES module (no build step, no dependency).
//
//   import { SgpLive } from "/static/sgp-live.js";
//   const live = new SgpLive({ token, aoEvento: (evento) => ..., aoSincronizar: (msg) => ... });
//   live.abrir(ultimoEventoId);   // the X-Ultimo-Evento-Id of the list you loaded, or null
//
// It connects to /ws/pedidos and authenticates with the session token, resumes from the last
// evento_id it saw after every drop (no gap, no duplicate), reconnects with exponential backoff
// and jitter, notices a silent socket with its own pings, and falls back to Server-Sent Events
// (/pedidos/stream) when the socket cannot connect (a proxy that drops Upgrade, say). The board
// at / is built on it. See docs/protocol.md, "A browser client".

const PING_MS = 20000; // the server's limit is far above one message every 20 s
const PONG_MS = 10000; // no answer within this after a ping: the link is dead
const ESPERA_BASE_MS = 500;
const ESPERA_MAX_MS = 30000;
const FALHAS_ATE_SSE = 2; // sockets that never opened, in a row, before trying the stream

function nada() {}

export class SgpLive {
  /**
   * @param token the session_token of POST /auth/login
   * @param tipos the event types (tipos_evento of GET /pedidos/contrato); read from there when not given
   * @param base the service's origin ("https://sgp.example.com"); default: this page's
   * @param transporte "auto" (socket, then the stream if the socket cannot connect), "websocket" or "sse"
   * @param aoEvento(evento, repeticao) an order event; repeticao is true while missed ones are replayed
   * @param aoSincronizar(msg) the replay ended: {ultimo_evento_id, completo}; completo false: reload the list
   * @param aoEstado(estado, esperaMs) "conectando" | "sincronizando" | "conectado" | "desconectado" | "indisponivel"
   * @param aoRecusar(motivo) the token was refused (bad, expired or revoked): log in again
   * @param aoIndisponivel(detalhe) this server cannot serve live events at all (flask run): stopped
   * @param aoGuardar(id) the newest evento_id seen, to keep (localStorage, say) and resume from later
   */
  constructor({
    token,
    tipos = null,
    base = "",
    transporte = "auto",
    aoEvento = nada,
    aoSincronizar = nada,
    aoEstado = nada,
    aoRecusar = nada,
    aoIndisponivel = nada,
    aoGuardar = nada,
  }) {
    Object.assign(this, { token, tipos, transporte, aoEvento, aoSincronizar, aoEstado, aoRecusar, aoIndisponivel, aoGuardar });
    this.base = new URL(base || location.origin);
    this.ligacao = null; // the WebSocket or EventSource in use
    this.ultimo = null;
    this.tentativas = 0;
    this.falhasWs = 0;
    this.parado = true;
    this.repetindo = false;
    this.timers = {};
    this.aoVoltarRede = () => this.reconectarJa();
  }

  /** Connect, resuming after ``desde`` (an evento_id), or live events only when it is null. */
  abrir(desde = this.ultimo) {
    window.addEventListener("online", this.aoVoltarRede);
    this.parado = false;
    this.guardar(desde);
    this.conectar();
  }

  fechar() {
    window.removeEventListener("online", this.aoVoltarRede);
    this.parado = true;
    this.soltar();
    this.aoEstado("desconectado");
  }

  /** "websocket" or "sse": what the next (or current) connection uses. */
  get via() {
    if (this.transporte !== "auto") return this.transporte;
    return this.falhasWs >= FALHAS_ATE_SSE ? "sse" : "websocket";
  }

  reconectarJa() {
    if (this.parado || this.ligacao) return;
    this.tentativas = 0;
    this.conectar();
  }

  guardar(id) {
    if (id === null || id === undefined) return;
    this.ultimo = id;
    this.aoGuardar(id);
  }

  conectar() {
    this.soltar();
    this.aoEstado("conectando");
    this.repetindo = this.ultimo !== null;
    if (this.via === "sse") this.conectarSse();
    else this.conectarWs();
  }

  // -- WebSocket ------------------------------------------------------------------------

  conectarWs() {
    const url = new URL("/ws/pedidos", this.base);
    url.protocol = this.base.protocol === "https:" ? "wss:" : "ws:";
    const ws = (this.ligacao = new WebSocket(url));
    ws.onopen = () => {
      ws.abriu = true;
      this.falhasWs = 0;
      const mensagem = { type: "authenticate", token: this.token };
      if (this.ultimo !== null) mensagem.ultimo_evento_id = this.ultimo;
      ws.send(JSON.stringify(mensagem));
      this.timers.ping = setInterval(() => this.pingar(ws), PING_MS);
    };
    ws.onmessage = (m) => {
      if (ws !== this.ligacao) return;
      clearTimeout(this.timers.pong);
      let msg;
      try {
        msg = JSON.parse(m.data);
      } catch {
        return;
      }
      if (msg.type === "authenticated") this.entrou();
      else this.mensagem(msg.type, msg);
    };
    ws.onclose = (e) => this.perdida(ws, e.code === 1008 ? "recusado" : ws.abriu ? "caiu" : "nao_abriu", e.reason);
  }

  pingar(ws) {
    if (ws !== this.ligacao || ws.readyState !== WebSocket.OPEN) return;
    ws.send(JSON.stringify({ type: "ping", timestamp: Date.now() }));
    this.timers.pong = setTimeout(() => this.perdida(ws, "caiu", "sem resposta"), PONG_MS);
  }

  // -- Server-Sent Events -----------------------------------------------------------------

  conectarSse() {
    // A stream's events are named by type, and only named ones reach a listener: the types come
    // from the server (GET /pedidos/contrato), read once, never from a copy kept here.
    if (!this.tipos) {
      const lendo = (this.ligacao = { close: nada }); // stands for the stream while the types are read
      this.lerTipos().then(
        () => {
          if (this.ligacao !== lendo) return;
          this.ligacao = null;
          this.conectarSse();
        },
        (recusado) => this.perdida(lendo, recusado === true ? "recusado" : "nao_abriu", ""),
      );
      return;
    }
    const url = new URL("/pedidos/stream", this.base);
    url.searchParams.set("token", this.token);
    if (this.ultimo !== null) url.searchParams.set("ultimo_evento_id", String(this.ultimo));
    const es = (this.ligacao = new EventSource(url));
    es.onopen = () => {
      es.abriu = true;
      this.entrou();
    };
    for (const tipo of [...this.tipos, "sincronizado"]) {
      es.addEventListener(tipo, (m) => {
        if (es === this.ligacao) this.mensagem(tipo, JSON.parse(m.data));
      });
    }
    es.addEventListener("encerrado", (m) => {
      const { code, reason } = JSON.parse(m.data);
      this.perdida(es, code === 1008 ? "recusado" : "caiu", reason);
    });
    // EventSource would reconnect by itself, at its own pace and from its Last-Event-ID; this
    // client reconnects itself instead, with backoff and jitter, from the id it kept.
    es.onerror = () => this.perdida(es, es.abriu ? "caiu" : "nao_abriu", "");
  }

  /** The event types, from the server; rejects with true when the token is refused. */
  async lerTipos() {
    const resposta = await fetch(new URL("/pedidos/contrato", this.base), {
      headers: { Authorization: `Bearer ${this.token}` },
      cache: "no-store",
    });
    if (resposta.status === 401) throw true;
    if (!resposta.ok) throw false;
    this.tipos = (await resposta.json()).tipos_evento;
  }

  // -- both -------------------------------------------------------------------------------

  entrou() {
    this.tentativas = 0;
    this.aoEstado(this.repetindo ? "sincronizando" : "conectado");
  }

  mensagem(tipo, msg) {
    if (tipo === "sincronizado") {
      this.repetindo = false;
      this.guardar(msg.ultimo_evento_id);
      this.aoEstado("conectado");
      this.aoSincronizar(msg);
    } else if (Number.isInteger(msg.evento_id) && "pedido_id" in msg) {
      // An order event, whatever its type: controls (connected, pong, error...) carry no pedido_id.
      if (this.ultimo !== null && msg.evento_id <= this.ultimo) return; // already seen
      this.guardar(msg.evento_id);
      this.aoEvento(msg, this.repetindo);
    }
  }

  async perdida(ligacao, como, motivo) {
    if (ligacao !== this.ligacao) return; // an old connection ending late
    this.soltar();
    if (this.parado) return;
    if (como === "nao_abriu" && ligacao instanceof WebSocket) this.falhasWs++;
    if (como === "nao_abriu" && ligacao instanceof EventSource && (await this.tokenRecusado())) como = "recusado";
    if (this.parado || this.ligacao) return;
    if (como === "recusado") {
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
    // whether this server can serve live events at all before retrying forever.
    if (como === "nao_abriu") this.verificarServidor();
  }

  /** A stream that never opened hides its status too: a 401 on /auth/me tells a refused token apart. */
  async tokenRecusado() {
    try {
      const resposta = await fetch(new URL("/auth/me", this.base), {
        headers: { Authorization: `Bearer ${this.token}` },
        cache: "no-store",
      });
      return resposta.status === 401;
    } catch {
      return false;
    }
  }

  async verificarServidor() {
    let detalhe = null;
    try {
      const resposta = await fetch(new URL("/health", this.base), { cache: "no-store" });
      const aoVivo = (await resposta.json()).live_events;
      detalhe = aoVivo && !aoVivo.ok ? aoVivo.detail : null;
    } catch {
      return;
    }
    if (!detalhe || this.parado || this.ligacao) return;
    this.parado = true;
    this.soltar();
    this.aoEstado("indisponivel");
    this.aoIndisponivel(detalhe);
  }

  soltar() {
    clearInterval(this.timers.ping);
    clearTimeout(this.timers.pong);
    clearTimeout(this.timers.volta);
    this.timers = {};
    const ligacao = this.ligacao;
    this.ligacao = null;
    if (!ligacao) return;
    ligacao.onopen = ligacao.onmessage = ligacao.onclose = ligacao.onerror = null;
    if (ligacao instanceof WebSocket) {
      if (ligacao.readyState <= WebSocket.OPEN) ligacao.close(1000);
    } else {
      ligacao.close();
    }
  }
}
