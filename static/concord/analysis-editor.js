// The analysis editor: once an outcome is chosen, each arm and time point is labelled with
// the locked studies that have data for it in that outcome. Without this script the labels
// count all outcomes, and saving still checks the outcome's own data.
(function () {
  "use strict";

  function studies(n) { return n + " locked stud" + (n === 1 ? "y" : "ies"); }

  function init() {
    var data = document.getElementById("locked-counts");
    var outcome = document.getElementById("id_outcome");
    if (!data || !outcome) { return; }
    var counts = JSON.parse(data.textContent);
    var selects = [["id_arm1", "arms"], ["id_arm2", "arms"], ["id_timepoint", "timepoints"]];
    function relabel() {
      var here = counts[outcome.value];
      selects.forEach(function (pair) {
        var select = document.getElementById(pair[0]);
        if (!select) { return; }
        Array.prototype.forEach.call(select.options, function (option) {
          if (!option.value) { return; }
          if (!option.hasAttribute("data-label")) { option.setAttribute("data-label", option.textContent); }
          if (!here) {
            option.textContent = option.getAttribute("data-label");
          } else if (Object.prototype.hasOwnProperty.call(here[pair[1]], option.value)) {
            option.textContent = option.value + ": " + studies(here[pair[1]][option.value]) + " with " + outcome.value;
          } else {
            option.textContent = option.value + ": not recorded for " + outcome.value;
          }
        });
      });
    }
    outcome.addEventListener("change", relabel);
    relabel();
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
