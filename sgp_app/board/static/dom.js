// DOM helpers shared by the board's modules.

/** A new ``tag`` element with ``classe`` and, when given, ``texto`` as its text (never as HTML). */
export function el(tag, classe, texto) {
  const elemento = document.createElement(tag);
  if (classe) elemento.className = classe;
  if (texto !== undefined) elemento.textContent = texto;
  return elemento;
}
