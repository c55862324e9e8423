/* digestgen search box: loads search-index.json on first use, matches every word of
   the query against titles, commentary, notes, tags and domains, links to permalinks. */
(function () {
  "use strict";
  var form = document.getElementById("search");
  if (!form || !window.fetch) return;
  var input = form.querySelector("input[type=search]");
  var list = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  var base = form.getAttribute("data-base") || "/";
  var docs = null;
  var loading = null;
  var timer = 0;
  var LIMIT = 20;

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function prepare(raw) {
    docs = [];
    raw.i.forEach(function (it) {
      var digest = raw.d[it[0]];
      var title = it[2] || it[5].slice(0, 80) || digest[0];
      docs.push({
        title: title,
        url: base + digest[1] + "#" + it[1],
        meta: (it[3] ? it[3] + " · " : "") + digest[0],
        head: fold(it[2]),
        hay: fold([it[2], it[3], it[4], it[5]].join(" "))
      });
    });
    raw.d.forEach(function (d) {
      docs.push({
        title: d[0],
        url: base + d[1],
        meta: "digest",
        head: fold(d[0]),
        hay: fold([d[0], d[2], d[3]].join(" "))
      });
    });
  }

  function load() {
    if (!loading) {
      status.textContent = "Loading the search index…";
      loading = fetch(form.getAttribute("data-index"))
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(prepare)
        .then(function () { status.textContent = ""; })
        .catch(function () {
          loading = null;
          status.textContent = "The search index could not be loaded.";
        });
    }
    return loading;
  }

  function search(query) {
    var terms = fold(query).split(/\s+/).filter(Boolean);
    if (!terms.length) return [];
    var found = [];
    for (var n = 0; n < docs.length; n++) {
      var doc = docs[n];
      var score = 0;
      for (var t = 0; t < terms.length; t++) {
        if (doc.hay.indexOf(terms[t]) < 0) { score = -1; break; }
        score += doc.head.indexOf(terms[t]) >= 0 ? 3 : 1;
      }
      if (score > 0) found.push({ doc: doc, score: score, order: n });
    }
    found.sort(function (a, b) { return b.score - a.score || a.order - b.order; });
    return found;
  }

  function show(query) {
    list.textContent = "";
    if (!docs || !query.trim()) {
      list.hidden = true;
      status.textContent = "";
      return;
    }
    var found = search(query);
    found.slice(0, LIMIT).forEach(function (hit) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = hit.doc.url;
      a.textContent = hit.doc.title;
      var meta = document.createElement("span");
      meta.className = "search-meta";
      meta.textContent = hit.doc.meta;
      li.appendChild(a);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(meta);
      list.appendChild(li);
    });
    list.hidden = found.length === 0;
    status.textContent = found.length === 0 ? "No matches." :
      found.length > LIMIT ? "Showing " + LIMIT + " of " + found.length + " matches." :
      found.length + (found.length === 1 ? " match." : " matches.");
  }

  function run() {
    var query = input.value;
    load().then(function () { show(query === input.value ? query : input.value); });
  }

  input.addEventListener("focus", load);
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(run, 80);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    run();
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      input.value = "";
      show("");
    }
  });
  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) {
    input.value = initial;
    run();
  }
})();
