/*
 * The report's workspace: pick an event in the timeline or on the strip and its evidence shows
 * in the viewer beside it, without reloading the page. Every event link is also a plain link
 * (?event=<id>#event-<id>) that the server answers with that event selected, so all of this
 * works without JavaScript too; this file only saves the round trip and adds keys:
 *
 * j and k step through the violations that have evidence (the report opens on the first); J
 * and K (or ↓ and ↑) step through every event. The "step through every event" box makes j and
 * k do that too, and is remembered in this browser. Space plays or pauses the selected event's
 * audio (its position and duration are shown under it), d puts the cursor in its "why it does
 * not count" field (Escape leaves it).
 * Before printing, every incident opens and every thumbnail loads (static/css print rules).
 */
(function () {
  "use strict";

  var panels = Array.prototype.slice.call(document.querySelectorAll("[data-event-panel]"));
  if (!panels.length) {
    return;
  }
  var order = panels.map(function (panel) {
    return panel.getAttribute("data-event-panel");
  });
  var current = Math.max(
    0,
    panels.findIndex(function (panel) {
      return !panel.hidden;
    })
  );

  var hint = document.querySelector("[data-workspace-keys]");
  if (hint) {
    hint.hidden = false;
  }

  var EVERY = "workspace.stepEvery";
  var everyBox = document.querySelector("[data-step-every]");
  var stepEvery = false;
  try {
    stepEvery = window.localStorage.getItem(EVERY) === "1";
  } catch (error) {
    stepEvery = false;
  }
  if (everyBox) {
    everyBox.checked = stepEvery;
    everyBox.addEventListener("change", function () {
      stepEvery = everyBox.checked;
      try {
        window.localStorage.setItem(EVERY, stepEvery ? "1" : "0");
      } catch (error) {
        // Private browsing: the choice lasts for this page only.
      }
    });
  }

  // The next (step 1) or previous (step -1) violation with evidence from the current event.
  function nearestStepped(step) {
    for (var i = current + step; i >= 0 && i < panels.length; i += step) {
      if (panels[i].hasAttribute("data-stepped")) {
        return i;
      }
    }
    return -1;
  }

  function clock(seconds) {
    if (!isFinite(seconds)) {
      return "–:––";
    }
    var whole = Math.floor(seconds);
    var rest = whole % 60;
    return Math.floor(whole / 60) + ":" + (rest < 10 ? "0" : "") + rest;
  }

  document.querySelectorAll("audio[data-audio]").forEach(function (audio) {
    var label = audio.parentNode.querySelector("[data-audio-time]");
    function show() {
      if (label) {
        label.textContent = "Audio " + clock(audio.currentTime) + " of " + clock(audio.duration);
      }
    }
    audio.addEventListener("loadedmetadata", show);
    audio.addEventListener("timeupdate", show);
  });

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || tag === "BUTTON" ||
      tag === "AUDIO" || (target && target.isContentEditable);
  }

  function inView(element) {
    var box = element.getBoundingClientRect();
    return box.top >= 0 && box.top < window.innerHeight;
  }

  function select(index, moveFocus) {
    if (index < 0 || index >= panels.length) {
      return;
    }
    panels[current].querySelectorAll("audio").forEach(function (audio) {
      audio.pause();
    });
    current = index;
    var id = order[index];
    panels.forEach(function (panel, i) {
      panel.hidden = i !== index;
    });
    var panel = panels[index];
    panel.querySelectorAll("audio").forEach(function (audio) {
      audio.preload = "metadata";
    });
    panel.querySelectorAll("img[loading=lazy]").forEach(function (image) {
      image.loading = "eager";
    });
    document.querySelectorAll(".event-link[aria-current]").forEach(function (link) {
      link.removeAttribute("aria-current");
    });
    document.querySelectorAll(".strip-mark.is-selected").forEach(function (mark) {
      mark.classList.remove("is-selected");
    });
    var mark = document.querySelector('[data-strip] a[data-event="' + id + '"] .strip-mark');
    if (mark) {
      mark.classList.add("is-selected");
    }
    var link = document.getElementById("record-" + id);
    if (link) {
      link.setAttribute("aria-current", "true");
      var incident = link.closest("details");
      if (incident) {
        incident.open = true;
      }
      if (moveFocus) {
        link.focus({ preventScroll: true });
        link.scrollIntoView({ block: "nearest" });
      }
    }
    if (!inView(panel)) {
      panel.scrollIntoView({ block: "nearest" });
    }
    var url = new URL(window.location.href);
    url.searchParams.set("event", id);
    url.hash = "";
    window.history.replaceState(null, "", url.pathname + url.search);
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-event]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) {
      return;
    }
    var index = order.indexOf(link.getAttribute("data-event"));
    if (index >= 0) {
      event.preventDefault();
      select(index, link.classList.contains("event-link"));
    }
  });

  document.querySelectorAll("[data-dismiss-reason]").forEach(function (field) {
    field.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        field.blur();
      }
    });
  });

  // Printing shows every incident's events; the ones the reviewer had closed close again after.
  var openedForPrint = [];
  window.addEventListener("beforeprint", function () {
    openedForPrint = Array.prototype.slice
      .call(document.querySelectorAll("details[data-incident]:not([open])"))
      .map(function (details) {
        details.open = true;
        return details;
      });
    document.querySelectorAll("[data-event-panel] img[loading=lazy]").forEach(function (image) {
      image.loading = "eager";
    });
  });
  window.addEventListener("afterprint", function () {
    openedForPrint.forEach(function (details) {
      details.open = false;
    });
    openedForPrint = [];
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
      return;
    }
    var key = event.key;
    var handled = true;
    if ((key === "j" || key === "k") && !stepEvery) {
      var target = nearestStepped(key === "j" ? 1 : -1);
      if (target >= 0) {
        select(target, true);
      }
    } else if (key === "j" || key === "J" || key === "ArrowDown") {
      select(current + 1, true);
    } else if (key === "k" || key === "K" || key === "ArrowUp") {
      select(current - 1, true);
    } else if (key === " ") {
      var audio = panels[current].querySelector("audio");
      if (audio) {
        if (audio.paused) {
          audio.play();
        } else {
          audio.pause();
        }
      } else {
        handled = false;
      }
    } else if (key === "d") {
      var reason = panels[current].querySelector("[data-dismiss-reason]");
      if (reason) {
        reason.focus();
      } else {
        handled = false;
      }
    } else {
      handled = false;
    }
    if (handled) {
      event.preventDefault();
    }
  });
})();
