/*
 * An evidence image opens enlarged in place, in a dialog, instead of leaving the page for the
 * raw file: the mouse wheel, + and - zoom, dragging or the arrow keys pan, 0 or "Fit" shows it
 * whole, Escape closes (the dialog's own behaviour) and gives the focus back. Each image is
 * still a plain link to its file, which is what happens without JavaScript.
 *
 * z opens the image of the selected event (static/js/workspace.js selects it).
 */
(function () {
  "use strict";

  var dialog = document.querySelector("[data-zoom-dialog]");
  if (!dialog || typeof dialog.showModal !== "function") {
    return;
  }
  var stage = dialog.querySelector("[data-zoom-stage]");
  var image = dialog.querySelector("[data-zoom-target]");
  var scale = 1;
  var x = 0;
  var y = 0;
  var drag = null;

  function draw() {
    image.style.transform = "translate(" + x + "px, " + y + "px) scale(" + scale + ")";
  }

  function zoom(factor) {
    scale = Math.min(8, Math.max(1, scale * factor));
    if (scale === 1) {
      x = 0;
      y = 0;
    }
    draw();
  }

  function open(link) {
    var source = link.querySelector("img");
    image.src = link.getAttribute("href");
    image.alt = source ? source.alt : "";
    scale = 1;
    x = 0;
    y = 0;
    draw();
    dialog.showModal();
    stage.focus();
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-zoom-image]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) {
      return;
    }
    event.preventDefault();
    open(link);
  });

  dialog.addEventListener("click", function (event) {
    var tool = event.target.closest("[data-zoom]");
    if (!tool) {
      return;
    }
    var what = tool.getAttribute("data-zoom");
    if (what === "in") {
      zoom(1.25);
    } else if (what === "out") {
      zoom(0.8);
    } else if (what === "reset") {
      zoom(0);
    } else if (what === "close") {
      dialog.close();
    }
  });

  stage.addEventListener("wheel", function (event) {
    event.preventDefault();
    zoom(event.deltaY < 0 ? 1.15 : 0.87);
  });

  stage.addEventListener("pointerdown", function (event) {
    drag = { x: event.clientX - x, y: event.clientY - y };
    stage.setPointerCapture(event.pointerId);
  });
  stage.addEventListener("pointermove", function (event) {
    if (drag && scale > 1) {
      x = event.clientX - drag.x;
      y = event.clientY - drag.y;
      draw();
    }
  });
  stage.addEventListener("pointerup", function () {
    drag = null;
  });

  dialog.addEventListener("keydown", function (event) {
    var key = event.key;
    var pan = 40;
    if (key === "+" || key === "=") {
      zoom(1.25);
    } else if (key === "-") {
      zoom(0.8);
    } else if (key === "0") {
      zoom(0);
    } else if (key === "ArrowLeft" && scale > 1) {
      x += pan;
      draw();
    } else if (key === "ArrowRight" && scale > 1) {
      x -= pan;
      draw();
    } else if (key === "ArrowUp" && scale > 1) {
      y += pan;
      draw();
    } else if (key === "ArrowDown" && scale > 1) {
      y -= pan;
      draw();
    } else {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
  });

  document.addEventListener("keydown", function (event) {
    var tag = event.target && event.target.tagName;
    if (event.key !== "z" || dialog.open || event.ctrlKey || event.metaKey || event.altKey ||
        tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") {
      return;
    }
    var link = document.querySelector("[data-event-panel]:not([hidden]) a[data-zoom-image]");
    if (link) {
      event.preventDefault();
      open(link);
    }
  });
})();
