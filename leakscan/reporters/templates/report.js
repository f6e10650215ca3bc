// leakscan HTML report: the findings table from the embedded JSON, filtered, sorted and paginated.
// Every string is set with textContent (never innerHTML): a finding's text is data, never markup.
(function () {
  "use strict";
  var rows = JSON.parse(document.getElementById("report-data").textContent);
  var SEVERITY_RANK = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
  var form = document.getElementById("filters");
  var body = document.querySelector("#findings tbody");
  var status = document.getElementById("status");
  var pageLabel = document.getElementById("page");
  var state = { sort: "path", dir: 1, page: 0, open: {}, printing: false };
  var shown = rows;

  rows.forEach(function (row, index) { row.id = index; });

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  }

  function fillRules() {
    var select = form.elements.rule;
    var seen = {};
    rows.forEach(function (row) { seen[row.rule] = (seen[row.rule] || 0) + 1; });
    Object.keys(seen).sort().forEach(function (rule) {
      var option = el("option", rule + " (" + seen[rule] + ")");
      option.value = rule;
      select.appendChild(option);
    });
  }

  function filters() {
    return {
      category: form.elements.category.value, severity: form.elements.severity.value,
      band: form.elements.band.value, rule: form.elements.rule.value,
      path: form.elements.path.value.trim().toLowerCase()
    };
  }

  function matches(row, f) {
    return (!f.category || row.cat === f.category) && (!f.severity || row.sev === f.severity) &&
      (!f.band || row.band === f.band) && (!f.rule || row.rule === f.rule) &&
      (!f.path || row.path.toLowerCase().indexOf(f.path) >= 0 || row.entry.toLowerCase().indexOf(f.path) >= 0 ||
        row.ptr.toLowerCase().indexOf(f.path) >= 0);
  }

  function sortValue(row, key) {
    if (key === "sev") { return SEVERITY_RANK[row.sev] || 0; }
    if (key === "path") { return row.path + "\u0000" + String(1e9 + (row.line || 0)) + row.ptr; }
    return row[key];
  }

  function compare(a, b) {
    var x = sortValue(a, state.sort), y = sortValue(b, state.sort);
    if (x < y) { return -state.dir; }
    if (x > y) { return state.dir; }
    return a.id - b.id;
  }

  function where(row) {
    var text = row.path;
    if (row.line) { text += ":" + row.line + (row.col ? ":" + row.col : ""); }
    return text;
  }

  function detailItem(list, term, value) {
    if (value === undefined || value === null || value === "" || (value.length === 0 && typeof value === "object")) {
      return;
    }
    list.appendChild(el("dt", term));
    var dd = el("dd");
    if (typeof value === "object") {
      var ul = el("ul");
      value.forEach(function (item) { ul.appendChild(el("li", item)); });
      dd.appendChild(ul);
    } else {
      dd.textContent = String(value);
    }
    list.appendChild(dd);
  }

  function detailsRow(row) {
    var tr = el("tr", null, "details");
    tr.id = "finding-" + row.id + "-details";
    var td = el("td");
    td.colSpan = 7;
    var dl = el("dl");
    detailItem(dl, "Finding", row.name + " (" + row.rule + ")");
    detailItem(dl, "Confidence", row.conf.toFixed(2) + " (" + row.band + ")");
    detailItem(dl, "Reasons", row.reasons);
    detailItem(dl, "Value (masked)", row.masked);
    if (row.secret !== undefined) { detailItem(dl, "Secret (--show-secrets)", row.secret); }
    detailItem(dl, "Capture entry", row.entry);
    detailItem(dl, "JSON Pointer", row.ptr);
    detailItem(dl, "Commit", row.commit);
    detailItem(dl, "Decoded from", row.layers.join(" → "));
    detailItem(dl, "Also at", row.also);
    detailItem(dl, "Paired with", row.related);
    detailItem(dl, "Verification", row.live ? row.live + (row.vdetail ? ": " + row.vdetail : "") : "");
    detailItem(dl, "Suggested fix", row.fix + " [" + row.action + "]");
    detailItem(dl, "Suggested masking", row.fixv);
    td.appendChild(dl);
    tr.appendChild(td);
    return tr;
  }

  function findingRow(row) {
    var tr = el("tr", null, "finding");
    tr.dataset.category = row.cat;
    tr.appendChild(el("td")).appendChild(el("span", row.sev, "sev sev-" + row.sev));
    tr.appendChild(el("td", row.conf.toFixed(2), "num"));
    tr.appendChild(el("td", row.cat));
    var rule = tr.appendChild(el("td", row.rule, "mono"));
    if (row.live === "valid") { rule.appendChild(document.createTextNode(" ")); rule.appendChild(el("span", "LIVE", "badge live")); }
    var loc = tr.appendChild(el("td", where(row), "path"));
    if (row.entry) { loc.appendChild(el("div", row.entry, "muted")); }
    tr.appendChild(el("td", row.masked, "masked"));
    var toggle = el("button", state.open[row.id] ? "Hide" : "Details");
    toggle.type = "button";
    toggle.setAttribute("aria-expanded", state.open[row.id] ? "true" : "false");
    toggle.setAttribute("aria-controls", "finding-" + row.id + "-details");
    toggle.addEventListener("click", function () { state.open[row.id] = !state.open[row.id]; draw(); });
    tr.appendChild(el("td", null, "toggle")).appendChild(toggle);
    return tr;
  }

  function pageSize() { return parseInt(form.elements.size.value, 10) || shown.length || 1; }

  function draw() {
    var size = pageSize();
    var pages = Math.max(1, Math.ceil(shown.length / size));
    state.page = Math.min(Math.max(state.page, 0), pages - 1);
    var start = state.page * size;
    var fragment = document.createDocumentFragment();
    shown.slice(start, start + size).forEach(function (row) {
      fragment.appendChild(findingRow(row));
      if (state.open[row.id] || state.printing) { fragment.appendChild(detailsRow(row)); }
    });
    body.textContent = "";
    body.appendChild(fragment);
    status.textContent = shown.length
      ? "Showing " + (start + 1) + "–" + Math.min(start + size, shown.length) + " of " + shown.length +
        (shown.length === rows.length ? " findings" : " findings (filtered from " + rows.length + ")")
      : (rows.length ? "No finding matches these filters (" + rows.length + " in all)." : "No findings.");
    pageLabel.textContent = "Page " + (state.page + 1) + " of " + pages;
    document.querySelectorAll("#findings thead th").forEach(function (th) {
      var button = th.querySelector("button");
      if (button) {
        th.setAttribute("aria-sort", button.dataset.key !== state.sort ? "none" :
          (state.dir > 0 ? "ascending" : "descending"));
      }
    });
  }

  function saveHash(f) {
    var parts = [];
    Object.keys(f).forEach(function (key) { if (f[key]) { parts.push(key + "=" + encodeURIComponent(f[key])); } });
    var hash = parts.join("&");
    if (location.hash.slice(1) === hash) { return; }
    try {
      history.replaceState(null, "", hash ? "#" + hash : location.pathname);
    } catch (error) {
      // Some browsers refuse history changes on file:// pages: the view still works, it is just not in the URL.
    }
  }

  function apply() {
    var f = filters();
    shown = rows.filter(function (row) { return matches(row, f); }).sort(compare);
    state.page = 0;
    saveHash(f);
    draw();
  }

  function loadHash() {
    // A filtered view is shareable: #category=pii&path=api/ selects it on load.
    location.hash.slice(1).split("&").forEach(function (pair) {
      var cut = pair.indexOf("=");
      if (cut < 0) { return; }
      var field = form.elements[pair.slice(0, cut)];
      if (field && field.name !== "size") { field.value = decodeURIComponent(pair.slice(cut + 1)); }
    });
  }

  // A printout has no buttons to press: every row on the page is printed with its details.
  window.addEventListener("beforeprint", function () { state.printing = true; draw(); });
  window.addEventListener("afterprint", function () { state.printing = false; draw(); });

  fillRules();
  loadHash();
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.addEventListener("reset", function () { setTimeout(apply, 0); });
  document.querySelectorAll("#findings thead button").forEach(function (button) {
    button.addEventListener("click", function () {
      var key = button.dataset.key;
      state.dir = state.sort === key ? -state.dir : (key === "sev" || key === "conf" ? -1 : 1);
      state.sort = key;
      shown = shown.slice().sort(compare);
      draw();
    });
  });
  document.querySelector(".pager").addEventListener("click", function (event) {
    var target = event.target.closest("button");
    if (!target) { return; }
    var pages = Math.ceil(shown.length / pageSize());
    var moves = { first: -Infinity, prev: state.page - 1, next: state.page + 1, last: pages - 1 };
    state.page = target.dataset.page === "first" ? 0 : moves[target.dataset.page];
    draw();
  });
  apply();
}());
