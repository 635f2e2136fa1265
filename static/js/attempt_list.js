/*
 * The attempts list: columns a reviewer hides stay hidden on their next visit (localStorage),
 * and the bulk-verdict form shows only while rows are ticked, as a bar stuck to the bottom.
 * The header's box ticks every row of the page; once it is ticked, "select all N matching"
 * offers every attempt the filters match, on every page. Before a bulk verdict is given, the
 * reviewer confirms it with its count and verdict named.
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

  var all = document.querySelector("[data-bulk-all]");
  var matchingOffer = bar && bar.querySelector("[data-bulk-matching]");
  var every = bar && bar.querySelector("[data-bulk-every]");

  function tickedCount() {
    if (every && every.checked) {
      return Number(bar.getAttribute("data-matching"));
    }
    return ticks.filter(function (tick) {
      return tick.checked;
    }).length;
  }

  function updateBar() {
    var ticked = tickedCount();
    bar.hidden = ticked === 0;
    bar.classList.toggle("is-floating", ticked > 0);
    if (count) {
      count.textContent = ticked ? " (" + ticked + ")" : "";
    }
    var allTicked = ticks.length > 0 && ticks.every(function (tick) {
      return tick.checked;
    });
    if (all) {
      all.checked = allTicked;
    }
    if (matchingOffer) {
      matchingOffer.hidden = !allTicked;
      if (!allTicked && every) {
        every.checked = false;
      }
    }
  }

  if (bar) {
    ticks.forEach(function (tick) {
      tick.addEventListener("change", updateBar);
    });
    if (all) {
      all.addEventListener("change", function () {
        ticks.forEach(function (tick) {
          tick.checked = all.checked;
        });
        updateBar();
      });
    }
    if (every) {
      every.addEventListener("change", updateBar);
    }
    bar.addEventListener("submit", function (event) {
      var verdict = bar.querySelector("select[name=verdict]");
      var label = verdict.options[verdict.selectedIndex].text;
      var ticked = tickedCount();
      var question = "Give " + ticked + " attempt" + (ticked === 1 ? "" : "s") + " the verdict \u201c" +
        label + "\u201d? Each gets its own history entry.";
      if (!window.confirm(question)) {
        event.preventDefault();
      }
    });
    updateBar();
  }
})();
