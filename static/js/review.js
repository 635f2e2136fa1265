/*
 * Keyboard keys for reviewing, so a proctor can work through the queue without the mouse.
 * Everything here is also a plain link or form on the page; this file only adds keys.
 *
 * Queue page (table[data-review-list]): j or n moves down, k or p moves up, Enter opens.
 * An attempt in the queue (nav[data-review-queue]): n next, p previous (j and k step through
 * the attempt's events there: static/js/workspace.js).
 * The verdict form (form[data-verdict-form]): c, s or v picks cleared, suspicious or violation
 * and puts the cursor in the reason field; a digit typed right after picks that common reason
 * (1 the first), which fills the reason, still editable. Choosing a common reason in its list
 * fills the reason too. Enter saves (and goes on to the next attempt when reviewing the
 * queue); Escape leaves the field so the keys work again.
 *
 * A claimed attempt (span[data-claim]) keeps its claim alive with a light heartbeat while the
 * page is open, and gives it up when the reviewer leaves the page (review.claims).
 */
(function () {
  "use strict";

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function follow(selector) {
    var link = document.querySelector(selector);
    if (!link) {
      return false;
    }
    if (link.form) {
      link.form.requestSubmit(link);
    } else {
      window.location.assign(link.href);
    }
    return true;
  }

  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  var claimed = document.querySelector("span[data-claim]");
  if (claimed && csrf) {
    var claimUrl = claimed.getAttribute("data-claim-url");
    var every = Math.max(20, Math.min(60, Number(claimed.getAttribute("data-claim-seconds")) / 3));
    var send = function (action) {
      var body = new FormData();
      body.append("csrfmiddlewaretoken", csrf.value);
      body.append("action", action);
      body.append("page", claimed.getAttribute("data-page-view"));
      return body;
    };
    window.setInterval(function () {
      window.fetch(claimUrl, { method: "POST", body: send("renew"), credentials: "same-origin" });
    }, every * 1000);
    var leaving = false;
    document.addEventListener("submit", function () {
      leaving = true; // a verdict or "next" releases the claim itself
    });
    window.addEventListener("pagehide", function () {
      if (!leaving) {
        // keepalive: the request outlives the page it leaves.
        window.fetch(claimUrl, {
          method: "POST", body: send("release"), credentials: "same-origin", keepalive: true,
        });
      }
    });
  }

  var list = document.querySelector("table[data-review-list]");
  var links = list ? Array.prototype.slice.call(list.querySelectorAll("a[data-queue-link]")) : [];
  var current = -1;

  function select(index) {
    if (!links.length) {
      return;
    }
    current = Math.max(0, Math.min(links.length - 1, index));
    links.forEach(function (link, i) {
      link.closest("tr").classList.toggle("is-selected", i === current);
    });
    links[current].focus();
  }

  var form = document.querySelector("form[data-verdict-form]");
  var reason = form ? form.querySelector("input[name=reason]") : null;
  var preset = form ? form.querySelector("select[name=preset]") : null;
  var filled = "";

  // A common reason fills the reason field (still editable), unless the reviewer wrote their own.
  function fillFromPreset() {
    if (!preset || !reason) {
      return;
    }
    if (reason.value === "" || reason.value === filled) {
      reason.value = preset.value;
      filled = preset.value;
    }
  }
  if (preset) {
    preset.addEventListener("change", fillFromPreset);
  }
  var presetDigit = false;

  function chooseVerdict(key) {
    var radio = form && form.querySelector('input[type=radio][data-key="' + key + '"]');
    if (!radio) {
      return false;
    }
    radio.checked = true;
    if (reason) {
      reason.focus();
      reason.select();
      presetDigit = Boolean(preset);
    }
    return true;
  }

  if (reason) {
    reason.addEventListener("keydown", function (event) {
      var digit = /^[1-9]$/.test(event.key) ? Number(event.key) : 0;
      if (presetDigit && digit && digit < preset.options.length) {
        preset.selectedIndex = digit;
        fillFromPreset();
        event.preventDefault();
      }
      presetDigit = false;
      if (event.key === "Escape") {
        reason.blur();
      }
    });
  }

  if (links.length) {
    select(0);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
      return;
    }
    var key = event.key;
    var handled = false;
    if (links.length) {
      if (key === "j" || key === "n") {
        select(current + 1);
        handled = true;
      } else if (key === "k" || key === "p") {
        select(current - 1);
        handled = true;
      }
    } else if (key === "n") {
      handled = follow("[data-key-next]");
    } else if (key === "p") {
      handled = follow("[data-key-prev]");
    }
    if (!handled && (key === "c" || key === "s" || key === "v")) {
      handled = chooseVerdict(key);
    }
    if (handled) {
      event.preventDefault();
    }
  });
})();
