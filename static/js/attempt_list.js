/*
 * The attempts list: columns a reviewer hides stay hidden on their next visit (localStorage),
 * and the bulk-verdict form shows only while rows are ticked, as a bar stuck to the bottom.
 * Without JavaScript every column shows and the form stays under the table.
 */
(function () {
  "use strict";

  var STORAGE_KEY = "attempts.hiddenColumns";
  var table = document.querySelector("table[data-attempts-table]");
  if (!table) {
    return;
  }

  function readHidden() {
    try {
      var value = JSON.parse(window.localStorage.getItem(STORAGE_KEY) || "[]");
      return Array.isArray(value) ? value : [];
    } catch (error) {
      return [];
    }
  }

  function applyHidden(hidden) {
    table.querySelectorAll("[data-column]").forEach(function (cell) {
      cell.hidden = hidden.indexOf(cell.getAttribute("data-column")) >= 0;
    });
  }

  var tools = document.querySelector("[data-column-tools]");
  var toggles = Array.prototype.slice.call(document.querySelectorAll("[data-column-toggle]"));
  var hidden = readHidden();
  toggles.forEach(function (toggle) {
    toggle.checked = hidden.indexOf(toggle.value) < 0;
    toggle.addEventListener("change", function () {
      hidden = toggles
        .filter(function (item) {
          return !item.checked;
        })
        .map(function (item) {
          return item.value;
        });
      try {
        window.localStorage.setItem(STORAGE_KEY, JSON.stringify(hidden));
      } catch (error) {
        // Private browsing may refuse storage: the choice then lasts for this page only.
      }
      applyHidden(hidden);
    });
  });
  applyHidden(hidden);
  if (tools) {
    tools.hidden = false;
  }

  var bar = document.querySelector("[data-bulk-bar]");
  var ticks = Array.prototype.slice.call(document.querySelectorAll("[data-bulk-tick]"));
  var count = bar && bar.querySelector("[data-bulk-count]");

  function updateBar() {
    var ticked = ticks.filter(function (tick) {
      return tick.checked;
    }).length;
    bar.hidden = ticked === 0;
    bar.classList.toggle("is-floating", ticked > 0);
    if (count) {
      count.textContent = ticked ? " (" + ticked + ")" : "";
    }
  }

  if (bar) {
    ticks.forEach(function (tick) {
      tick.addEventListener("change", updateBar);
    });
    updateBar();
  }
})();
