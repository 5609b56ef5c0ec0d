// Concord's own small script: no framework, nothing loaded from outside.
(function () {
  "use strict";

  function pollImport(box) {
    var url = box.getAttribute("data-status-url");
    var bar = document.getElementById("import-bar");
    var label = document.getElementById("import-status");
    function tick() {
      fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          if (bar) { bar.value = s.percent; bar.textContent = s.percent + "%"; }
          if (label) { label.textContent = s.status_label; }
          if (s.finished) { window.location.reload(); } else { window.setTimeout(tick, 1000); }
        })
        .catch(function () { window.setTimeout(tick, 3000); });
    }
    window.setTimeout(tick, 500);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("import-progress");
    if (box && box.getAttribute("data-finished") === "false") { pollImport(box); }
  });
})();
