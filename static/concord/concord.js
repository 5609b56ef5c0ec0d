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

  // Single-key shortcuts for elements marked data-key, unless the user is typing.
  function bindKeys() {
    document.addEventListener("keydown", function (event) {
      var tag = (event.target.tagName || "").toLowerCase();
      if (tag === "input" || tag === "textarea" || tag === "select" || event.ctrlKey || event.metaKey || event.altKey) { return; }
      var target = document.querySelector('[data-key="' + event.key + '"]');
      if (target) { event.preventDefault(); target.click(); }
    });
  }

  // The Content-Security-Policy refuses inline handlers (onclick=...): these stand in for them.
  function bindActions() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    document.querySelectorAll("button[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  // A GET search form whose results box refreshes as the person types: the same page is
  // fetched and only the box is swapped, so the results are the ones the server renders
  // without JavaScript.
  function bindLiveSearch(form) {
    var box = document.getElementById(form.getAttribute("data-live-search"));
    var input = form.querySelector('input[type="search"]');
    if (!box || !input) { return; }
    var timer = null;
    var asked = 0;
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var query = input.value.trim();
        if (query.length < 2) { return; }
        var url = new URL(form.action, window.location.href);
        url.hash = "";
        url.searchParams.set(input.name, query);
        var ticket = ++asked;
        fetch(url.toString(), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
          .then(function (html) {
            if (ticket !== asked) { return; }  // a later keystroke's answer wins
            var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(box.id);
            if (fresh) { box.innerHTML = fresh.innerHTML; }
          })
          .catch(function () {});
      }, 300);
    });
  }

  // A page restored from the back/forward cache shows the state it was left in (a record
  // already voted on as unvoted): ask the server again, which knows the current state.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { window.location.reload(); }
  });

  // A new review's address follows its title until the person edits the address themselves.
  function bindSlug(slug) {
    var title = document.getElementById(slug.getAttribute("data-slug-from"));
    if (!title) { return; }
    var touched = slug.value !== "";
    slug.addEventListener("input", function () { touched = slug.value !== ""; });
    title.addEventListener("input", function () {
      if (touched) { return; }
      slug.value = title.value.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
        .replace(/[^a-z0-9\s-]/g, "").trim().replace(/[\s-]+/g, "-").slice(0, 70).replace(/-+$/, "");
    });
  }

  // Navigation: one group open at a time, closed by a click elsewhere or Escape; on a phone
  // the whole bar folds under the Menu button (without script it simply stays open).
  document.documentElement.classList.add("js");
  function bindNav() {
    var groups = document.querySelectorAll("details.navgroup");
    groups.forEach(function (group) {
      group.addEventListener("toggle", function () {
        if (group.open) { groups.forEach(function (other) { if (other !== group) { other.open = false; } }); }
      });
    });
    document.addEventListener("click", function (event) {
      groups.forEach(function (group) { if (!group.contains(event.target)) { group.open = false; } });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { groups.forEach(function (group) { group.open = false; }); }
    });
    var toggle = document.querySelector(".menu-toggle");
    var nav = document.getElementById("review-nav");
    if (toggle && nav) {
      toggle.addEventListener("click", function () {
        var open = nav.classList.toggle("open");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    bindNav();
    document.querySelectorAll("input[data-slug-from]").forEach(bindSlug);
    document.querySelectorAll("form[data-live-search]").forEach(bindLiveSearch);
    if (document.querySelector("[data-key]")) { bindKeys(); }
    bindActions();
    var box = document.getElementById("import-progress");
    if (box && box.getAttribute("data-finished") === "false") { pollImport(box); }
  });
})();
