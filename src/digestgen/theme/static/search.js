/* digestgen search box. Nothing is fetched until the box is used; then the index, the
   shard of each query word in each range of digests that has it, and the documents of
   the digests of the top results (see render/search.py). Every query word must
   prefix-match a word of the title, commentary, notes, tags or domain; title matches
   rank first, then newer digests, then page order. Results link to item permalinks. */
(function () {
  "use strict";
  var form = document.getElementById("search");
  if (!form || !window.fetch || !window.Map) return;
  var input = form.querySelector("input[type=search]");
  var list = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  var base = form.getAttribute("data-base") || "/";
  var root = form.getAttribute("data-index");
  var LIMIT = 20;
  var cache = {};
  var latest = 0;
  var timer = 0;

  function fold(text) {
    return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  }

  function words(text) {
    var found = fold(text).match(/[\p{L}\p{N}]+/gu) || [];
    return found.filter(function (w, n) { return found.indexOf(w) === n; });
  }

  function shardName(word) {
    return "s-" + Array.from(word).slice(0, 2).map(function (c) {
      return c.codePointAt(0).toString(16);
    }).join("-");
  }

  function get(name) {
    if (!cache[name]) {
      cache[name] = fetch(root + name + ".json").then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      });
      cache[name].catch(function () { delete cache[name]; });
    }
    return cache[name];
  }

  /* {"range digest doc": weight} of the documents of one range's shard with a word
     starting with `word`; a shard lists [digest, doc * 2 + in_title, ...] per word. */
  function matches(shard, range, word, hits) {
    Object.keys(shard).forEach(function (token) {
      if (token.lastIndexOf(word, 0) !== 0) return;
      var postings = shard[token];
      for (var n = 0; n + 1 < postings.length; n += 2) {
        var id = range + " " + postings[n] + " " + (postings[n + 1] >> 1);
        var weight = postings[n + 1] & 1 ? 3 : 1;
        if ((hits.get(id) || 0) < weight) hits.set(id, weight);
      }
    });
  }

  function wordHits(index, term) {
    var name = shardName(term);
    var wanted = [];
    index.ranges.forEach(function (range, number) {
      if (range.s.indexOf(name) >= 0) wanted.push(number);
    });
    return Promise.all(wanted.map(function (number) {
      return get("r" + number + "/" + name);
    })).then(function (shards) {
      var hits = new Map();
      shards.forEach(function (shard, n) { matches(shard, wanted[n], term, hits); });
      return hits;
    });
  }

  function newerFirst(a, b) {
    var x = a[0].split(" ").map(Number), y = b[0].split(" ").map(Number);
    return b[1] - a[1] || y[0] - x[0] || y[1] - x[1] || x[2] - y[2];
  }

  function search(query) {
    var terms = words(query);
    return get("index").then(function (index) {
      if (!terms.length) return null;
      return Promise.all(terms.map(function (term) {
        return wordHits(index, term);
      })).then(function (all) {
        var scores = all[0];
        all.slice(1).forEach(function (hits) {
          var both = new Map();
          scores.forEach(function (score, id) {
            if (hits.has(id)) both.set(id, score + hits.get(id));
          });
          scores = both;
        });
        var ranked = Array.from(scores.entries()).sort(newerFirst);
        var top = ranked.slice(0, LIMIT).map(function (entry) {
          return entry[0].split(" ").map(Number);
        });
        return Promise.all(top.map(function (doc) {
          return get("d/" + index.ranges[doc[0]].d[doc[1]]);
        })).then(function (docs) {
          return {
            total: ranked.length,
            results: top.map(function (doc, n) {
              var digest = docs[n];
              if (doc[2] === 0) return { title: digest.t, url: base + digest.u, meta: "digest" };
              /* [anchor, title, domain] */
              var item = digest.i[doc[2] - 1];
              return {
                title: item[1] || digest.t,
                url: base + digest.u + "#" + item[0],
                meta: (item[2] ? item[2] + " · " : "") + digest.t
              };
            })
          };
        });
      });
    });
  }

  /* How many characters of `word` its folded prefix `term` covers (accents fold away). */
  function covered(word, term) {
    var chars = Array.from(word);
    for (var n = 1; n <= chars.length; n++) {
      var prefix = chars.slice(0, n).join("");
      if (fold(prefix).length >= term.length) return prefix.length;
    }
    return word.length;
  }

  /* `text` as nodes, the start of each word that a query term prefixes in <mark>. */
  function marked(text, terms) {
    var out = document.createDocumentFragment();
    var at = 0;
    var re = /[\p{L}\p{N}]+/gu;
    var match;
    while ((match = re.exec(text)) !== null) {
      var folded = fold(match[0]);
      var term = terms.filter(function (t) { return folded.lastIndexOf(t, 0) === 0; })
        .sort(function (a, b) { return b.length - a.length; })[0];
      if (!term) continue;
      var end = match.index + covered(match[0], term);
      out.appendChild(document.createTextNode(text.slice(at, match.index)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(match.index, end);
      out.appendChild(mark);
      at = end;
    }
    out.appendChild(document.createTextNode(text.slice(at)));
    return out;
  }

  function show(found, query) {
    list.textContent = "";
    if (found === null) {
      list.hidden = true;
      status.textContent = "";
      return;
    }
    var terms = words(query);
    found.results.forEach(function (hit) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = hit.url;
      a.appendChild(marked(hit.title, terms));
      var meta = document.createElement("span");
      meta.className = "search-meta";
      meta.appendChild(marked(hit.meta, terms));
      li.appendChild(a);
      li.appendChild(meta);
      list.appendChild(li);
    });
    list.hidden = found.total === 0;
    status.textContent = found.total === 0 ? "No matches." :
      found.total > LIMIT ? "Showing " + LIMIT + " of " + found.total + " matches." :
      found.total + (found.total === 1 ? " match." : " matches.");
  }

  function run() {
    var ticket = ++latest;
    var query = input.value;
    search(query).then(function (found) {
      if (ticket === latest) show(found, query);
    }, function () {
      if (ticket === latest) status.textContent = "The search index could not be loaded.";
    });
  }

  input.addEventListener("focus", function () { get("index").catch(function () {}); });
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
      run();
    }
  });
  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) {
    input.value = initial;
    input.focus();
    run();
  }
})();
