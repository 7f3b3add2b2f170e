// Enhancement only: search with Pagefind, ten results a page. Without JavaScript
// the page says so and lists every guide and station by category.
(function () {
  var script = document.currentScript;
  var text = script.dataset;
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-q");
  var list = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  var index = document.getElementById("search-index");
  var pager = document.getElementById("search-pages");
  var pageLabel = document.getElementById("search-page");
  var PAGE_SIZE = 10;
  var pagefind = null;
  var latest = 0;
  var current = { query: "", results: [], page: 1 };

  // The index comes in shards, each holding one language (pagefind/shards.json lists them by language): the first
  // of this page's language is loaded, the others merged into it, with the publisher's bundle of answers
  // newer than the last build (pagefind/hot.json), if any. Every file that can be asked for at once is:
  // on a slow phone network each round trip costs a third of a second or more, and one shard after
  // another a big city's first search waited for dozens.
  async function open() {
    var root = text.pagefindRoot;
    var language = (document.documentElement.lang || "").toLowerCase();
    var hot = fetch(root + "hot.json")
      .then(function (response) { return response.ok ? response.json() : []; })
      .catch(function () { return []; });  // the shards alone
    var listed = await (await fetch(root + "shards.json")).json();
    var shards = (listed[language] || []).concat(await hot);
    if (!shards.length) return null;
    var engine = await import(root + shards[0] + "pagefind.js");
    // Merged in the listed order (Pagefind adds each index before it loads it), loaded side by side.
    await Promise.all(shards.slice(1).map(function (shard) { return engine.mergeIndex(root + shard); }));
    return engine;
  }

  function load() {
    // A failed load (the network, say) is tried again at the next search, not remembered.
    if (!pagefind) pagefind = open().catch(function (error) { pagefind = null; throw error; });
    return pagefind;
  }

  // One date format across the site: 2026年11月20日.
  function siteDate(value) {
    var iso = /^(\d{4})-(\d{2})-(\d{2})/.exec(value || "");
    return iso ? iso[1] + "年" + iso[2] + "月" + iso[3] + "日" : value || "";
  }

  // The excerpt: a window of the page's own text around the first match, the matches marked, built
  // as text and <mark> nodes (never parsed as HTML). Pagefind joins a page's blocks with ". "; blocks
  // that repeat what the result already shows, (part of) the title or the date · station · 所长 line,
  // are left out.
  var BYLINE = /(^|\s)·\s*所长\s|^\s*[\d年月日]+\s*·/;
  var WINDOW = 90;
  function escapeRegExp(text) { return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  function matchedWords(data, query) {
    var parsed = new DOMParser().parseFromString("<p>" + data.excerpt + "</p>", "text/html");
    var words = Array.prototype.map.call(parsed.querySelectorAll("mark"), function (m) { return m.textContent.trim(); });
    words = words.concat(query.split(/\s+/));
    return words.filter(function (w, i) { return w && words.indexOf(w) === i; })
      .sort(function (a, b) { return b.length - a.length; });
  }

  function excerpt(data, query) {
    var title = (data.meta.title || "").trim();
    var body = (data.content || "").split(". ").filter(function (block) {
      var words = block.trim().replace(/\.$/, "");
      return words && !(title && title.indexOf(words) >= 0) && !BYLINE.test(words);
    }).join(" … ");
    var words = matchedWords(data, query);
    var first = -1;
    words.forEach(function (w) { var at = body.indexOf(w); if (at >= 0 && (first < 0 || at < first)) first = at; });
    var start = Math.max(0, first - 20);
    var end = Math.min(body.length, start + WINDOW);
    var text = (start > 0 ? "…" : "") + body.slice(start, end).replace(/^\s*…\s*/, "").replace(/\s*…\s*$/, "") +
      (end < body.length ? "…" : "");
    var span = document.createElement("span");
    span.className = "excerpt meta";
    var pieces = words.length ? text.split(new RegExp("(" + words.map(escapeRegExp).join("|") + ")")) : [text];
    pieces.forEach(function (piece, index) {
      if (!piece) return;
      if (index % 2 === 0) { span.append(document.createTextNode(piece)); return; }
      var mark = document.createElement("mark");
      mark.textContent = piece;
      span.append(mark);
    });
    return span;
  }

  function item(data, query) {
    var li = document.createElement("li");
    var link = document.createElement("a");
    link.href = data.url;
    link.textContent = data.meta.title || data.url;
    var meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = [data.meta.kind, siteDate(data.meta.date)].filter(Boolean).join(" · ");
    li.append(link, meta, excerpt(data, query));
    return li;
  }

  function pages() { return Math.max(1, Math.ceil(current.results.length / PAGE_SIZE)); }

  async function show(page, ticket) {
    page = Math.min(Math.max(1, page), pages());
    var slice = current.results.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
    var shown = await Promise.all(slice.map(function (r) { return r.data(); }));
    if (ticket !== latest) return;
    current.page = page;
    // Guides first: a service question wants the guide before news about it.
    shown.sort(function (a, b) { return (b.meta.type === "guide") - (a.meta.type === "guide"); });
    // Replace the list only when the new results are ready: no flicker, no empty moment.
    list.replaceChildren.apply(list, shown.map(function (data) { return item(data, current.query); }));
    var total = current.results.length;
    status.textContent = total
      ? text.found.replace("{n}", total).replace("{from}", (page - 1) * PAGE_SIZE + 1).replace("{to}", (page - 1) * PAGE_SIZE + shown.length)
      : text.none.replace("{q}", current.query);
    pager.hidden = pages() < 2;
    pageLabel.textContent = text.page.replace("{page}", page).replace("{pages}", pages());
    pager.querySelector("[data-step='-1']").disabled = page <= 1;
    pager.querySelector("[data-step='1']").disabled = page >= pages();
    index.hidden = total > 0;
  }

  function remember(query, page) {
    history.replaceState(null, "", "?q=" + encodeURIComponent(query) + (page > 1 ? "&page=" + page : ""));
  }

  async function run(query, page) {
    var ticket = ++latest;
    query = query.trim();
    if (!query) {
      list.replaceChildren(); status.textContent = ""; index.hidden = false; pager.hidden = true;
      return;
    }
    status.textContent = text.searching;
    try {
      var engine = await load();
      var search = engine ? await engine.search(query) : { results: [] };
      if (ticket !== latest) return;
      // A page in a shard and in the publisher's newer bundle is the same fragment: list it once.
      var seen = {};
      var results = search.results.filter(function (r) { return seen[r.id] ? false : (seen[r.id] = true); });
      current = { query: query, results: results, page: 1 };
      await show(page || 1, ticket);
    } catch (error) {
      if (ticket !== latest) return;
      status.textContent = text.failed;
      index.hidden = false;
    }
  }

  var timer;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    remember(input.value, 1);
    run(input.value, 1);
  });
  // Whoever puts the cursor in the box is about to search: load the index while they type.
  input.addEventListener("focus", function () { load().catch(function () { /* reported when they search */ }); });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { run(input.value, 1); }, 250);
  });
  pager.addEventListener("click", function (event) {
    var step = event.target.closest("button[data-step]");
    if (!step) return;
    var ticket = ++latest;
    var page = current.page + Number(step.dataset.step);
    show(page, ticket).then(function () {
      remember(current.query, current.page);
      status.scrollIntoView({ block: "start" });
    });
  });
  var params = new URLSearchParams(location.search);
  var initial = params.get("q");
  if (initial) { input.value = initial; run(initial, Number(params.get("page")) || 1); }
})();
