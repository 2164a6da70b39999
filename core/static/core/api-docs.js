// Starts Swagger UI on /api/docs/ (core/api_docs.html): the page's own schema, the session's CSRF token.
"use strict";

(() => {
  const root = document.getElementById("swagger-ui");
  const { schemaUrl, csrfHeader, csrfToken } = root.dataset;
  window.ui = SwaggerUIBundle({
    url: schemaUrl,
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    validatorUrl: null,
    requestInterceptor: (request) => {
      if (!["GET", "HEAD", undefined].includes(request.method)) request.headers[csrfHeader] = csrfToken;
      return request;
    },
  });
})();
