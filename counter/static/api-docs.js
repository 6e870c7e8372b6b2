// Swagger UI on the API's own document (no inline script: the Content-Security-Policy allows 'self' only).
(function () {
  var el = document.getElementById("swagger-ui");
  if (!el || typeof SwaggerUIBundle === "undefined") { return; }
  SwaggerUIBundle({ url: el.getAttribute("data-spec-url"), dom_id: "#swagger-ui", deepLinking: false });
})();
