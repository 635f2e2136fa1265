/*
 * Keeps the sync progress (the sync page's "Running now", the overview's banner) up to date
 * without a reload: every few seconds it asks sync/progress.json after the running passes and
 * the ones the page shows, and fills each card's [data-field] elements with the phrases the
 * server wrote (the same as the page rendered). A pass that starts later gets a card cloned
 * from the section's <template>. When a poll fails, the last figures stay and the section is
 * marked stale; the next poll tries again.
 */
(function () {
  "use strict";

  var section = document.querySelector("[data-sync-progress]");
  if (!section || !window.fetch) {
    return;
  }
  var url = section.getAttribute("data-progress-url");
  var list = section.querySelector("[data-progress-list]");
  var idle = section.querySelector("[data-progress-idle]");
  var template = section.querySelector("template[data-progress-template]");
  var compact = section.classList.contains("sync-progress-banner");
  // Often while a pass runs, seldom while none does.
  var RUNNING_EVERY_MS = 2000;
  var IDLE_EVERY_MS = 10000;

  function cardOf(run) {
    var card = list.querySelector('[data-progress-run="' + run.id + '"]');
    if (!card && template) {
      card = template.content.firstElementChild.cloneNode(true);
      card.setAttribute("data-progress-run", String(run.id));
      list.appendChild(card);
    }
    return card;
  }

  function fill(card, run) {
    card.setAttribute("data-status", run.status);
    card.querySelectorAll("[data-field]").forEach(function (element) {
      var name = element.getAttribute("data-field");
      var text = name in run.figures ? run.figures[name] : run[name];
      element.textContent = text === null || text === undefined ? "" : String(text);
      element.hidden = element.textContent === "";
    });
    var status = card.querySelector(".run-status");
    if (status) {
      status.className = "run-status run-" + run.status;
    }
    var bar = card.querySelector("progress");
    if (bar) {
      if (run.percent === null) {
        bar.removeAttribute("value");
        bar.textContent = "";
      } else {
        bar.value = run.percent;
        bar.textContent = run.percent + "%";
      }
    }
  }

  function shownRuns() {
    return Array.prototype.map.call(list.querySelectorAll("[data-progress-run]"), function (card) {
      return card.getAttribute("data-progress-run");
    });
  }

  function show(data) {
    var anyRunning = false;
    data.runs.forEach(function (run) {
      anyRunning = anyRunning || run.running;
      var card = cardOf(run);
      if (card) {
        fill(card, run);
      }
    });
    var empty = list.querySelector("[data-progress-run]") === null;
    if (idle) {
      idle.hidden = !empty;
    }
    if (compact) {
      section.hidden = empty;
    }
    section.setAttribute("data-polled-at", data.polled_at);
    section.removeAttribute("data-stale");
    return anyRunning;
  }

  function poll() {
    var query = shownRuns()
      .map(function (id) {
        return "run=" + encodeURIComponent(id);
      })
      .join("&");
    fetch(query ? url + "?" + query : url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        window.setTimeout(poll, show(data) ? RUNNING_EVERY_MS : IDLE_EVERY_MS);
      })
      .catch(function () {
        section.setAttribute("data-stale", "true");
        window.setTimeout(poll, IDLE_EVERY_MS);
      });
  }

  window.setTimeout(poll, RUNNING_EVERY_MS);
})();
