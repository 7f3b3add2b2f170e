// Enhancement only: search with Pagefind; without JavaScript the form reloads
// this page, which lists every guide and station by category.
(function () {
  var script = document.currentScript;
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-q");
  var list = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  var index = document.getElementById("search-index");
  var pagefind = null;
  var latest = 0;

  // The index comes in shards (pagefind/shards.json): the first is loaded, the others merged into it.
  async function open() {
    var root = script.dataset.pagefindRoot;
    var shards = await (await fetch(root + "shards.json")).json();
    if (!shards.length) return null;
    var engine = await import(root + shards[0] + "pagefind.js");
    for (var i = 1; i < shards.length; i++) await engine.mergeIndex(root + shards[i]);
    return engine;
  }

  function load() {
    if (!pagefind) pagefind = open();
    return pagefind;
  }

  function item(data) {
    var li = document.createElement("li");
    var link = document.createElement("a");
    link.href = data.url;
    link.textContent = data.meta.title || data.url;
    var meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = [data.meta.kind, data.meta.date].filter(Boolean).join(" · ");
    var excerpt = document.createElement("span");
    excerpt.className = "meta";
    excerpt.textContent = data.excerpt.replace(/<[^>]*>/g, "");
    li.append(link, meta, excerpt);
    return li;
  }

  async function run(query) {
    var ticket = ++latest;
    query = query.trim();
    if (!query) { list.replaceChildren(); status.textContent = ""; index.hidden = false; return; }
    status.textContent = script.dataset.searching;
    var engine = await load();
    var search = engine ? await engine.search(query) : { results: [] };
    var top = await Promise.all(search.results.slice(0, 10).map(function (r) { return r.data(); }));
    if (ticket !== latest) return;
    // Guides first: a service question wants the guide before news about it.
    top.sort(function (a, b) { return (b.meta.type === "guide") - (a.meta.type === "guide"); });
    // Replace the list only when the new results are ready: no flicker, no empty moment.
    list.replaceChildren.apply(list, top.map(item));
    status.textContent = search.results.length ? script.dataset.found.replace("{n}", search.results.length) : script.dataset.none;
    index.hidden = top.length > 0;
  }

  var timer;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    history.replaceState(null, "", "?q=" + encodeURIComponent(input.value));
    run(input.value);
  });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { run(input.value); }, 250);
  });
  var initial = new URLSearchParams(location.search).get("q");
  if (initial) { input.value = initial; run(initial); }
})();
