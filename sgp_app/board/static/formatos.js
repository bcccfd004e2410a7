// How the board reads and writes what people type: Brazilian money and dates, search keys.

const reais = new Intl.NumberFormat("pt-BR", { style: "currency", currency: "BRL" });

/** "325.00" (the API's money) as "R$ 325,00". */
export const dinheiro = (texto) => reais.format(Number(texto || 0));

/** "2026-12-03" as "03/12/2026"; empty for none. */
export const data = (iso) => (iso ? iso.split("-").reverse().join("/") : "");

/**
 * A date as typed in Brazil ("03/12/2026", "3/12/26", "03-12-2026") as the API's "2026-12-03";
 * "" for an empty field, null for text that is no calendar date.
 */
export function dataDoCampo(texto) {
  const limpo = String(texto ?? "").trim();
  if (!limpo) return "";
  const partes = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$/.exec(limpo);
  if (!partes) return null;
  const [dia, mes] = [Number(partes[1]), Number(partes[2])];
  const ano = partes[3].length === 2 ? 2000 + Number(partes[3]) : Number(partes[3]);
  const quando = new Date(Date.UTC(ano, mes - 1, dia));
  if (quando.getUTCFullYear() !== ano || quando.getUTCMonth() !== mes - 1 || quando.getUTCDate() !== dia) return null;
  return `${String(ano).padStart(4, "0")}-${String(mes).padStart(2, "0")}-${String(dia).padStart(2, "0")}`;
}

/** An ISO timestamp as "03/12/2026 14:05", in this browser's time zone. */
export const momento = (iso) =>
  new Date(iso).toLocaleString("pt-BR", { dateStyle: "short", timeStyle: "short" });

/**
 * Money as Brazilians type it, as the API's text: "1.234,50", "1234,5", "1234.50", "R$ 1.234"
 * give "1234.50", "1234.5", "1234.50", "1234". The server validates what comes out (and says
 * what is wrong with it); an empty field gives "".
 */
export function decimal(texto) {
  const limpo = String(texto ?? "").replace(/R\$/gi, "").replace(/\s/g, "");
  if (!limpo) return "";
  if (limpo.includes(",")) return limpo.replace(/\./g, "").replace(",", ".");
  // Dots only: "1.234" and "1.234.567" group thousands; "1234.50" and "1.5" are decimals.
  return /^\d{1,3}(\.\d{3})+$/.test(limpo) ? limpo.replace(/\./g, "") : limpo;
}

/** Cents of typed money (0 when it is not a number yet), for running totals. */
export function centavos(texto) {
  const valor = Number(decimal(texto));
  return Number.isFinite(valor) ? Math.round(valor * 100) : 0;
}

/** "150.00" (the API's money) as people type it: "150,00". */
export const paraCampo = (texto) => (texto === null || texto === undefined ? "" : String(texto).replace(".", ","));

/** The words of a text, lower-case, without accents or punctuation, as the server's cliente filter reads them. */
export const chaveBusca = (texto) =>
  texto
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();

let fuso; // the shop's time zone (GET /pedidos/contrato); until it is known, this browser's

/** Every "today" of the board is the shop's (SGP_TIMEZONE), as the server's is, wherever the browser is. */
export function definirFuso(zona) {
  fuso = zona;
}

/** Today in the shop's time zone, as the API writes dates ("2026-11-30"). */
export function hojeIso(agora = new Date()) {
  let partes;
  try {
    partes = new Intl.DateTimeFormat("en-US", { timeZone: fuso, year: "numeric", month: "2-digit", day: "2-digit" })
      .formatToParts(agora);
  } catch {
    partes = new Intl.DateTimeFormat("en-US", { year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(agora);
  }
  const valor = (tipo) => partes.find((p) => p.type === tipo).value;
  return `${valor("year")}-${valor("month")}-${valor("day")}`;
}

/** ``iso`` ("2026-11-30") moved ``dias`` days ("2026-12-07" for 7). */
export function somarDias(iso, dias) {
  const [ano, mes, dia] = iso.split("-").map(Number);
  return new Date(Date.UTC(ano, mes - 1, dia + dias)).toISOString().slice(0, 10);
}

/** The first and last day of the month ``meses`` months from the one of ``iso`` (0: that month). */
export function mes(iso, meses = 0) {
  const [ano, numero] = iso.split("-").map(Number);
  const primeiro = new Date(Date.UTC(ano, numero - 1 + meses, 1));
  const ultimo = new Date(Date.UTC(ano, numero + meses, 0));
  return [primeiro.toISOString().slice(0, 10), ultimo.toISOString().slice(0, 10)];
}
