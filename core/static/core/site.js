// Behaviour the templates ask for with data attributes: the CSP allows no inline script or handler.
"use strict";

document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-autosubmit]");
  if (field && field.form) field.form.requestSubmit();
});

document.addEventListener("click", (event) => {
  const confirming = event.target.closest("[data-confirm]");
  if (confirming && !window.confirm(confirming.dataset.confirm)) {
    event.preventDefault();
    return;
  }
  const filling = event.target.closest("[data-fill]");
  if (filling) {
    const target = document.getElementById(filling.dataset.fill);
    if (target) target.value = filling.dataset.value;
  }
});
