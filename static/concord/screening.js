// Screening page: vote with a click or a key, and get the next record without a page load.
(function () {
  "use strict";
  var panel = document.getElementById("screen-panel");
  if (!panel) { return; }

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "TEXTAREA" || tag === "INPUT" || tag === "SELECT";
  }

  function showError(message) {
    var box = document.getElementById("screen-error");
    if (box) { box.textContent = message; box.hidden = false; }
  }

  function send(form, vote) {
    var data = new FormData(form);
    data.set("vote", vote);
    // form.elements includes the decision bar's buttons, which sit outside the form element.
    var buttons = Array.prototype.filter.call(form.elements, function (el) { return el.tagName === "BUTTON"; });
    buttons.forEach(function (b) { b.disabled = true; });
    fetch(form.action, { method: "POST", body: data, credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.json(); })
      .then(function (result) {
        if (result.ok) {
          if (data.get("version") === "0") { counters(1); }
          panel.innerHTML = result.html;
          window.scrollTo(0, 0);
        } else {
          showError(result.error);
          buttons.forEach(function (b) { b.disabled = false; });
        }
      })
      .catch(function () {
        showError("The vote could not be sent. Check the connection and try again.");
        buttons.forEach(function (b) { b.disabled = false; });
      });
  }

  function counters(change) {
    var left = document.getElementById("remaining");
    if (left) { left.textContent = Math.max(0, parseInt(left.textContent, 10) - change); }
    var bar = document.getElementById("screen-progress");
    if (bar) { bar.value = Math.max(0, Math.min(bar.max, bar.value + change)); }
  }

  // Undo: the vote goes and the record comes back as the current one, unvoted.
  function undo(form) {
    var button = form.querySelector("button");
    if (button.disabled) { return; }
    button.disabled = true;
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                         headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.json(); })
      .then(function (result) {
        if (result.ok) {
          counters(-1);
          panel.innerHTML = result.html;
          window.scrollTo(0, 0);
        } else {
          showError(result.error);
          button.disabled = false;
        }
      })
      .catch(function () {
        showError("The undo could not be sent. Check the connection and try again.");
        button.disabled = false;
      });
  }

  panel.addEventListener("submit", function (event) {
    if (event.target.id !== "undo-form") { return; }
    event.preventDefault();
    undo(event.target);
  });

  panel.addEventListener("click", function (event) {
    var focus = event.target.closest("button[data-focus]");
    if (focus) {
      var field = document.getElementById(focus.getAttribute("data-focus"));
      if (field) { field.scrollIntoView({ block: "center" }); field.focus(); }
      return;
    }
    var button = event.target.closest("button[name=vote]");
    if (!button) { return; }
    event.preventDefault();
    send(button.form, button.value);
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "Escape" && typing(event.target)) { event.target.blur(); return; }
    if (typing(event.target)) { return; }
    var key = event.key.toLowerCase();
    var undoForm = document.getElementById("undo-form");
    if (key === "u" && undoForm) { event.preventDefault(); undo(undoForm); return; }
    var form = document.getElementById("vote-form");
    if (!form) { return; }
    var votes = { i: "include", e: "exclude" };
    // Maybe only where the lead allows it: the page then shows its button.
    if (document.querySelector("button[value=maybe]")) { votes.m = "maybe"; }
    if (votes[key]) { event.preventDefault(); send(form, votes[key]); }
    else if (key === "n") { event.preventDefault(); form.querySelector("#id_note").focus(); }
    else if (key === "r") {
      var reason = form.querySelector("#id_exclusion_reason");
      if (reason) { event.preventDefault(); reason.focus(); }
    }
  });
})();
