// REST calls with the session token. A failed call throws ErroApi carrying the server's
// own message (already in Portuguese), its code and, for 422, the message of each field.

const CHAVE_TOKEN = "sgp.token";
const CHAVE_USUARIO = "sgp.usuario";

export class ErroApi extends Error {
  constructor(status, corpo) {
    const erro = (corpo && corpo.error) || {};
    super(erro.message || `Erro ${status} no servidor`);
    this.status = status;
    this.code = erro.code || "";
    this.fields = erro.fields || {};
  }
}

// The login survives a page reload; logging out or a rejected token forgets it.
export const sessao = {
  get token() { return localStorage.getItem(CHAVE_TOKEN); },
  get usuario() { return JSON.parse(localStorage.getItem(CHAVE_USUARIO) || "null"); },
  guardar(token, usuario) {
    localStorage.setItem(CHAVE_TOKEN, token);
    localStorage.setItem(CHAVE_USUARIO, JSON.stringify(usuario));
  },
  esquecer() {
    localStorage.removeItem(CHAVE_TOKEN);
    localStorage.removeItem(CHAVE_USUARIO);
  },
};

export async function api(metodo, caminho, { corpo, cabecalhos = {} } = {}) {
  const headers = { Accept: "application/json", ...cabecalhos };
  if (sessao.token) headers.Authorization = `Bearer ${sessao.token}`;
  if (corpo !== undefined) headers["Content-Type"] = "application/json";
  let resposta;
  try {
    resposta = await fetch(caminho, {
      method: metodo,
      headers,
      body: corpo === undefined ? undefined : JSON.stringify(corpo),
    });
  } catch {
    throw new ErroApi(0, { error: { message: "Sem conexão com o servidor; tente de novo" } });
  }
  const dados = resposta.status === 204 ? null : await resposta.json().catch(() => null);
  if (!resposta.ok) throw new ErroApi(resposta.status, dados);
  return { dados, headers: resposta.headers };
}

export async function entrar(username, password) {
  const { dados } = await api("POST", "/auth/login", { corpo: { username, password } });
  sessao.guardar(dados.session_token, dados.usuario);
  return dados.usuario;
}

export async function sair() {
  try {
    await api("POST", "/auth/logout");
  } finally {
    sessao.esquecer();
  }
}

/** Download what ``caminho`` answers for ``accept`` (a CSV, a spreadsheet) under the name the server gives. */
export async function baixar(caminho, accept, nomePadrao) {
  let resposta;
  try {
    resposta = await fetch(caminho, { headers: { Accept: accept, Authorization: `Bearer ${sessao.token}` } });
  } catch {
    throw new ErroApi(0, { error: { message: "Sem conexão com o servidor; tente de novo" } });
  }
  if (!resposta.ok) throw new ErroApi(resposta.status, await resposta.json().catch(() => null));
  const nome = /filename="([^"]+)"/.exec(resposta.headers.get("Content-Disposition") ?? "")?.[1] ?? nomePadrao;
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await resposta.blob());
  link.download = nome;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60000);
}
