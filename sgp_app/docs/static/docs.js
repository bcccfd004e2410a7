// Swagger UI over this service's /openapi.json. A file of its own, not an inline script,
// because the Content-Security-Policy allows scripts from this origin only.
window.addEventListener("DOMContentLoaded", () => {
  window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
