/*
 * Niceties for the API console and the sync status page; every page works without them.
 * - A form's buttons are disabled once it is sent, so a double click sends one request.
 * - Request URLs, bodies and signatures get a "Copy" button (where the browser allows it).
 */
(function () {
  "use strict";

  document.querySelectorAll("form[data-console-form]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = true;
        button.textContent = "Sending…";
      });
    });
  });

  if (!navigator.clipboard || !window.isSecureContext) {
    return;
  }
  document.querySelectorAll("[data-copy]").forEach(function (element) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button-secondary copy-button";
    button.textContent = "Copy";
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(element.textContent).then(
        function () { button.textContent = "Copied"; },
        function () { button.textContent = "Copy failed"; }
      );
    });
    element.insertAdjacentElement("afterend", button);
  });
})();
