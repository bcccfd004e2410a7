// The drawer's files and proofs: drop files on it (or pick them), each upload with its own
// progress bar; thumbnails, a full view on a click; each item's art status; "Enviar prova" makes
// the customer's approval link and offers to copy it or send it on WhatsApp (a wa.me link: no API).

import { sessao } from "./api.js";
import { api } from "./api.js";
import { el } from "./dom.js";
import { momento } from "./formatos.js";

export const ARTE = { sem_arte: "sem arte", em_aprovacao: "em aprovação", aprovada: "aprovada", recusada: "alteração pedida" };
const ACEITOS = ".png,.jpg,.jpeg,.webp,.tif,.tiff,.pdf";

/** POST one file as multipart with an upload progress bar: resolves to ``{status, dados}``. */
function enviarArquivo(caminho, arquivo, itemId, barra) {
  return new Promise((resolve, reject) => {
    const corpo = new FormData();
    corpo.append("arquivo", arquivo, arquivo.name);
    if (itemId) corpo.append("item_id", itemId);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", caminho);
    xhr.setRequestHeader("Authorization", `Bearer ${sessao.token}`);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.responseType = "json";
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) {
        barra.max = e.total;
        barra.value = e.loaded;
      }
    });
    xhr.upload.addEventListener("load", () => barra.removeAttribute("value")); // sent: the server checks it
    xhr.addEventListener("load", () => resolve({ status: xhr.status, dados: xhr.response }));
    xhr.addEventListener("error", () => reject(new Error("Sem conexão com o servidor; tente de novo")));
    xhr.send(corpo);
  });
}

export class Arquivos {
  /** @param secao the drawer's files section; @param visualizador the full-view <dialog> */
  constructor(secao, visualizador, { aoFalhar }) {
    Object.assign(this, { secao, visualizador, aoFalhar });
    this.$ = (id) => secao.querySelector(id);
    this.pedido = null;
    const zona = this.$("#zona-arquivos");
    const escolher = this.$("#arquivos-escolher");
    escolher.accept = ACEITOS;
    escolher.addEventListener("change", () => {
      this.enviar([...escolher.files]);
      escolher.value = "";
    });
    for (const tipo of ["dragenter", "dragover"]) {
      zona.addEventListener(tipo, (e) => {
        e.preventDefault();
        zona.classList.add("soltando");
      });
    }
    zona.addEventListener("dragleave", () => zona.classList.remove("soltando"));
    zona.addEventListener("drop", (e) => {
      e.preventDefault();
      zona.classList.remove("soltando");
      this.enviar([...(e.dataTransfer?.files ?? [])]);
    });
    visualizador.querySelector("#visualizador-fechar").addEventListener("click", () => visualizador.close());
    this.$("#prova-copiar").addEventListener("click", () => this.copiar());
  }

  /** Show ``pedido``'s items (to pick which one a file is for) and its files. */
  async mostrar(pedido, novo = true) {
    const mesmo = this.pedido?.id === pedido.id;
    this.pedido = pedido;
    const escolha = this.$("#arquivos-item");
    const antes = escolha.value;
    escolha.replaceChildren(new Option("o pedido", ""));
    for (const item of pedido.itens) escolha.add(new Option(`${item.descricao} (arte ${ARTE[item.status_arte] ?? item.status_arte})`, String(item.id)));
    if (mesmo) escolha.value = antes;
    if (novo && !mesmo) {
      this.$("#envios").replaceChildren();
      this.$("#prova-link").hidden = true;
    }
    this.$("#zona-arquivos").hidden = pedido.status === "cancelado";
    await this.carregar();
  }

  async carregar() {
    const id = this.pedido.id;
    try {
      const { dados } = await api("GET", `/pedidos/${id}/arquivos`);
      if (this.pedido?.id === id) this.desenhar(dados);
    } catch (erro) {
      this.aoFalhar(erro);
    }
  }

  desenhar(arquivos) {
    const lista = this.$("#gaveta-arquivos");
    const itens = new Map(this.pedido.itens.map((i) => [i.id, i]));
    lista.replaceChildren(
      ...arquivos.map((arquivo) => {
        const li = el("li", "arquivo");
        li.dataset.id = arquivo.id;
        const ver = el("button", "miniatura");
        ver.type = "button";
        ver.title = `Ver ${arquivo.nome}`;
        if (arquivo.miniatura_url) {
          const img = el("img");
          img.src = arquivo.miniatura_url;
          img.alt = arquivo.nome;
          img.loading = "lazy";
          ver.append(img);
        } else {
          ver.append(el("span", "sem-miniatura", arquivo.tipo === "application/pdf" ? "PDF" : "arquivo"));
        }
        ver.addEventListener("click", () => this.ver(arquivo));
        const item = arquivo.item_id ? itens.get(arquivo.item_id) : null;
        const legenda = el("div", "legenda");
        legenda.append(el("strong", "", arquivo.nome));
        legenda.append(el("span", "", item ? ` · ${item.descricao}` : " · pedido"));
        if (item) legenda.append(el("span", `arte ${item.status_arte}`, ` · arte ${ARTE[item.status_arte] ?? item.status_arte}`));
        legenda.append(el("span", "quem", ` · ${arquivo.enviado_por?.username ?? "sistema"}, ${momento(arquivo.criado_em)}`));
        const acoes = el("div", "acoes-arquivo");
        if (this.pedido.status !== "cancelado") {
          const prova = el("button", "secundario enviar-prova", "Enviar prova");
          prova.type = "button";
          prova.addEventListener("click", () => this.prova(arquivo, item));
          acoes.append(prova);
        }
        const usuario = sessao.usuario;
        if (usuario?.is_admin || usuario?.id === arquivo.enviado_por?.id) {
          const apagar = el("button", "link apagar", "Apagar");
          apagar.type = "button";
          apagar.addEventListener("click", () => this.apagar(arquivo));
          acoes.append(apagar);
        }
        li.append(ver, legenda, acoes);
        return li;
      }),
    );
    if (!arquivos.length) lista.append(el("li", "vazio", "Nenhum arquivo"));
  }

  /** Upload ``arquivos``, each with its own progress bar; then list them again. */
  async enviar(arquivos) {
    if (!arquivos.length || !this.pedido) return;
    const id = this.pedido.id;
    const itemId = this.$("#arquivos-item").value;
    await Promise.all(
      arquivos.map(async (arquivo) => {
        const linha = el("li", "envio");
        const barra = el("progress");
        linha.append(el("span", "", arquivo.name), barra);
        this.$("#envios").append(linha);
        try {
          const { status, dados } = await enviarArquivo(`/pedidos/${id}/arquivos`, arquivo, itemId, barra);
          if (status === 201) {
            linha.remove();
          } else {
            barra.remove();
            linha.classList.add("falhou");
            linha.append(el("span", "erro", ` ${dados?.error?.message ?? `Erro ${status}`}`));
          }
        } catch (erro) {
          barra.remove();
          linha.append(el("span", "erro", ` ${erro.message}`));
        }
      }),
    );
    if (this.pedido?.id === id) await this.carregar();
  }

  ver(arquivo) {
    const corpo = this.visualizador.querySelector("#visualizador-corpo");
    corpo.replaceChildren();
    if (arquivo.tipo.startsWith("image/") && arquivo.tipo !== "image/tiff") {
      const img = el("img");
      img.src = arquivo.url;
      img.alt = arquivo.nome;
      corpo.append(img);
    } else {
      if (arquivo.miniatura_url) {
        const img = el("img");
        img.src = arquivo.miniatura_url;
        img.alt = arquivo.nome;
        corpo.append(img);
      }
      const abrir = el("a", "", `Abrir ${arquivo.nome}`);
      abrir.href = arquivo.url;
      abrir.target = "_blank";
      abrir.rel = "noopener";
      corpo.append(abrir);
    }
    this.visualizador.querySelector("#visualizador-titulo").textContent = arquivo.nome;
    this.visualizador.showModal();
  }

  async apagar(arquivo) {
    if (!confirm(`Apagar ${arquivo.nome}?`)) return;
    try {
      await api("DELETE", `/arquivos/${arquivo.id}`);
      await this.carregar();
    } catch (erro) {
      this.aoFalhar(erro);
    }
  }

  /** A proof link for ``arquivo``: shown with "Copiar" and a WhatsApp message ready to send. */
  async prova(arquivo, item) {
    try {
      const { dados } = await api("POST", `/pedidos/${this.pedido.id}/provas`, { corpo: { arquivo_id: arquivo.id } });
      const link = new URL(dados.link, location.origin).href;
      const caixa = this.$("#prova-link");
      caixa.hidden = false;
      this.$("#prova-url").value = link;
      const numero = Number(this.pedido.numero);
      const texto =
        `Olá! Segue a prova do pedido nº ${numero}` + (item ? ` (${item.descricao})` : "") +
        ` para sua aprovação: ${link}`;
      this.$("#prova-whatsapp").href = `https://wa.me/?text=${encodeURIComponent(texto)}`;
      this.$("#prova-copiado").textContent = "";
    } catch (erro) {
      this.aoFalhar(erro);
    }
  }

  async copiar() {
    const campo = this.$("#prova-url");
    try {
      await navigator.clipboard.writeText(campo.value);
    } catch {
      campo.select();
      document.execCommand("copy"); // without the clipboard API (http on a phone)
    }
    this.$("#prova-copiado").textContent = "Link copiado.";
  }
}
