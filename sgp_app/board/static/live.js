// The board's live connection: the package's client (/static/sgp-live.js) with the session's
// token, keeping the last evento_id in localStorage so a page reload resumes too.

import { SgpLive } from "/static/sgp-live.js";
import { sessao } from "./api.js";

const CHAVE_ULTIMO = "sgp.ultimo_evento_id";

export function ultimoGuardado() {
  const valor = localStorage.getItem(CHAVE_ULTIMO);
  return valor === null ? null : Number(valor);
}

export class Conexao {
  /** The callbacks of SgpLive: aoEvento, aoSincronizar, aoEstado, aoRecusar, aoIndisponivel. */
  constructor(callbacks) {
    this.callbacks = callbacks;
    this.live = null;
  }

  /** Connect with the current session's token, resuming after ``desde``; ``tipos``: the event types. */
  abrir(desde, tipos) {
    if (this.live) this.live.fechar();
    this.live = new SgpLive({
      ...this.callbacks,
      token: sessao.token,
      tipos,
      aoGuardar: (id) => localStorage.setItem(CHAVE_ULTIMO, String(id)),
    });
    this.live.abrir(desde);
  }

  fechar() {
    if (this.live) this.live.fechar();
    else this.callbacks.aoEstado("desconectado");
    this.live = null;
  }
}
