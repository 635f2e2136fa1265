/*
 * Keyboard keys for reviewing, so a proctor can work through the queue without the mouse.
 * Everything here is also a plain link or form on the page; this file only adds keys.
 *
 * Queue page (table[data-review-list]): j or n moves down, k or p moves up, Enter opens.
 * An attempt in the queue (nav[data-review-queue]): n next, p previous (j and k step through
 * the attempt's events there: static/js/workspace.js).
 * The verdict form (form[data-verdict-form]): c, s or v picks cleared, suspicious or violation
 * and puts the cursor in the reason field; Enter there saves (and goes on to the next attempt
 * when reviewing the queue); Escape leaves the field so the keys work again.
 */
(function () {
  "use strict";

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function follow(selector) {
    var link = document.querySelector(selector);
    if (link) {
      window.location.assign(link.href);
      return true;
    }
    return false;
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

  function chooseVerdict(key) {
    var radio = form && form.querySelector('input[type=radio][data-key="' + key + '"]');
    if (!radio) {
      return false;
    }
    radio.checked = true;
    if (reason) {
      reason.focus();
      reason.select();
    }
    return true;
  }

  if (reason) {
    reason.addEventListener("keydown", function (event) {
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
      handled = follow("a[data-key-next]");
    } else if (key === "p") {
      handled = follow("a[data-key-prev]");
    }
    if (!handled && (key === "c" || key === "s" || key === "v")) {
      handled = chooseVerdict(key);
    }
    if (handled) {
      event.preventDefault();
    }
  });
})();
