// The users page, for admins (the server answers 403 to anyone else, and the board hides it):
// list, create, disable or enable, make or unmake admin, set a new password.

import { nomeEtapa } from "./quadro.js";
import { api } from "./api.js";
import { momento } from "./formatos.js";
import { el } from "./dom.js";

// The production steps (GET /pedidos/contrato), a user's possible sectors.
let etapas = [];

/** The steps to offer as sectors. */
export function definirEtapas(lista) {
  etapas = lista;
}

export class Usuarios {
  /** @param dialogo the <dialog>; @param aoFalhar(erro) a failure other than a field's */
  constructor(dialogo, { aoFalhar, aoAvisar }) {
    Object.assign(this, { dialogo, aoFalhar, aoAvisar });
    this.$ = (id) => dialogo.querySelector(id);
    this.$("#usuarios-fechar").addEventListener("click", () => dialogo.close());
    this.$("#form-usuario").addEventListener("submit", (e) => {
      e.preventDefault();
      this.criar();
    });
  }

  async abrir() {
    if (!this.dialogo.open) this.dialogo.showModal();
    await this.carregar();
  }

  erro(texto) {
    this.$("#usuarios-erro").textContent = texto;
  }

  async carregar() {
    try {
      const { dados } = await api("GET", "/usuarios");
      this.$("#usuarios-lista").replaceChildren(...dados.map((u) => this.linha(u)));
    } catch (erro) {
      this.aoFalhar(erro);
    }
  }

  linha(usuario) {
    const tr = el("tr");
    tr.dataset.username = usuario.username;
    const nome = el("td", "", usuario.username);
    nome.title = `Desde ${momento(usuario.criado_em)}`;
    tr.append(
      nome,
      el("td", "", usuario.is_admin ? "Administrador" : "Equipe"),
      el("td", usuario.ativo ? "ativo" : "inativo", usuario.ativo ? "Ativo" : "Desativado"),
      this.setores(usuario),
    );
    const acoes = el("td", "acoes");
    const botao = (texto, classe, acao) => {
      const b = el("button", classe, texto);
      b.type = "button";
      b.addEventListener("click", acao);
      acoes.append(b);
    };
    botao(usuario.ativo ? "Desativar" : "Reativar", "secundario alternar", () =>
      this.alterar(usuario, { ativo: !usuario.ativo }, usuario.ativo ? "desativado" : "reativado"),
    );
    botao(usuario.is_admin ? "Tirar admin" : "Tornar admin", "secundario papel", () =>
      this.alterar(usuario, { is_admin: !usuario.is_admin }, "atualizado"),
    );
    botao("Nova senha", "secundario senha", () => this.pedirSenha(usuario, acoes));
    tr.append(acoes);
    return tr;
  }

  pedirSenha(usuario, acoes) {
    if (acoes.querySelector("form")) return;
    const form = el("form", "nova-senha");
    const campo = el("input");
    campo.type = "password";
    campo.name = "password";
    campo.autocomplete = "new-password";
    campo.placeholder = "nova senha (mín. 8)";
    campo.setAttribute("aria-label", `Nova senha de ${usuario.username}`);
    const ok = el("button", "", "Definir");
    ok.type = "submit";
    form.append(campo, ok);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.alterar(usuario, { password: campo.value }, "com nova senha (as sessões dele foram encerradas)");
    });
    acoes.append(form);
    campo.focus();
  }

  /** A box per production step: the steps this user may tick on orders (admins: all of them). */
  setores(usuario) {
    const celula = el("td", "setores");
    if (usuario.is_admin) {
      celula.textContent = "Todas as etapas";
      return celula;
    }
    for (const etapa of etapas) {
      const rotulo = el("label", "setor");
      const caixa = el("input");
      caixa.type = "checkbox";
      caixa.name = `setor-${etapa}`;
      caixa.checked = (usuario.setores ?? []).includes(etapa);
      caixa.addEventListener("change", () => {
        const marcados = etapas.filter((e) => celula.querySelector(`[name=setor-${e}]`).checked);
        this.alterar(usuario, { setores: marcados }, "atualizado");
      });
      rotulo.append(caixa, ` ${nomeEtapa(etapa)}`);
      celula.append(rotulo);
    }
    return celula;
  }

  async alterar(usuario, corpo, feito) {
    this.erro("");
    try {
      await api("PATCH", `/usuarios/${usuario.id}`, { corpo });
      this.aoAvisar(`Usuário ${usuario.username} ${feito}.`);
      await this.carregar();
    } catch (erro) {
      this.recusado(erro);
    }
  }

  /** A 422 or 409 is said on the page, with each field's message; anything else goes up. */
  recusado(erro) {
    if (erro.status === 422 || erro.status === 409) this.erro([erro.message, ...Object.values(erro.fields)].join(" "));
    else this.aoFalhar(erro);
  }

  async criar() {
    const campos = this.$("#form-usuario").elements;
    this.erro("");
    try {
      const corpo = {
        username: campos.username.value.trim(),
        password: campos.password.value,
        is_admin: campos.is_admin.checked,
      };
      const { dados } = await api("POST", "/usuarios", { corpo });
      this.$("#form-usuario").reset();
      this.aoAvisar(`Usuário ${dados.username} criado.`);
      await this.carregar();
    } catch (erro) {
      this.recusado(erro);
    }
  }
}
