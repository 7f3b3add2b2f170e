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
  var QUOTED = 30;  // the most characters of a query a message repeats
  var pagefind = null;
  var latest = 0;
  var current = { query: "", words: [], fewer: false, results: [], page: 1 };

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

  // A reader types a question, not keywords, and Pagefind finds only pages holding every word of it. The
  // words that carry no subject (怎么办, 需要什么, a closing 了 or 吗) are left out; the everyday words for
  // what the guides call otherwise (偷 for 盗, 遗失 for 丢失, Taiwan's 身分證) are searched as the guides' words
  // as well as typed. Full-width letters and digits (ＩＤ, １１０) are searched as the half-width ones the pages have.
  var FILLERS = ["怎么办", "怎麼辦", "怎么", "怎麼", "怎样", "怎樣", "如何", "什么", "什麼", "哪些", "哪里", "哪裡",
    "需要", "请问", "請問", "我", "我的", "想", "要", "能", "可以", "吗", "嗎", "呢", "吧", "啊", "呀", "了", "的",
    "办", "辦", "去", "该", "該"];
  var EVERYDAY = { "偷": "盗", "遗失": "丢失", "遺失": "丟失", "身分证": "身份证", "身分證": "身份證", "身分": "身份" };
  // What people call a document, as the guides name it; replaced in the question before it is split into words
  // (the browser splits 暂住证 as 暂住|证, so a word-for-word table would miss it).
  var NAMES = [["驾照", "驾驶证"], ["駕照", "駕駛證"], ["户口本", "户口簿"], ["戶口本", "戶口簿"],
    ["暂住证", "居住证"], ["暫住證", "居住證"], ["良民证", "无犯罪记录证明"], ["良民證", "無犯罪記錄證明"],
    ["无犯罪证明", "无犯罪记录证明"], ["無犯罪證明", "無犯罪記錄證明"]];
  var PARTICLE = /(.)[了吗嗎呢吧啊呀]+$/;
  // The Traditional edition writes the characters readers in Taiwan, Hong Kong and overseas use (OpenCC s2tw:
  // 考核, 群眾, 裡); one typed in another form (考覈, 羣衆, 裏, as OpenCC's s2t and Hong Kong write them) is
  // searched in the edition's as well as typed. Each pair is a form and the edition's (OpenCC's t2tw).
  var VARIANTS = "僞偽啓啟喫吃嫺嫻嬀媯峯峰幺么棱稜樑梁檐簷污汙泄洩潙溈潨潀爲為牀床痹痺癡痴皁皂着著睾睪祕秘竈灶糉粽" +
    "繮韁纔才羣群脣唇蔘參蔿蒍衆眾裏裡覈核踊踴鉢缽鍼針鮎鯰麪麵齶顎";
  function inEdition(text) {
    return TRADITIONAL ? Array.from(text, function (ch) {
      var at = VARIANTS.indexOf(ch);
      return at >= 0 && at % 2 === 0 ? VARIANTS[at + 1] : ch;
    }).join("") : text;
  }
  var MOST_WORDS = 6;  // the words of a long question tried in fewer and fewer (2^6 sets at most)

  // The words of a question to search for, as typed (`typed`) and in the guides' words (`words`).
  function wordsOf(query) {
    query = query.normalize("NFKC");
    var folded = inEdition(query);
    var named = NAMES.reduce(function (text, pair) { return text.split(pair[0]).join(pair[1]); }, folded);
    if (typeof Intl === "undefined" || !Intl.Segmenter) return { typed: [query], words: [named] };
    var segmenter = new Intl.Segmenter(document.documentElement.lang || "zh-CN", { granularity: "word" });
    var whole = new RegExp("(" + NAMES.map(function (pair) { return pair[1]; }).join("|") + ")");
    function split(text) {
      var kept = [];
      text.split(whole).forEach(function (piece, i) {
        if (i % 2) { kept.push(piece); return; }  // a document's name stays one word (驾驶证, not 驾驶|证)
        Array.from(segmenter.segment(piece)).forEach(function (part) {
          var word = part.segment.replace(PARTICLE, "$1");  // 丢了, 偷了: the word without its particle
          if (part.isWordLike && FILLERS.indexOf(word) < 0) kept.push(word);
        });
      });
      return (kept.length ? kept : [text]).slice(0, MOST_WORDS);  // filler words only: searched as typed
    }
    var words = split(named).map(function (word) { return EVERYDAY[word] || word; });
    // A document's everyday name is not searched as typed: the browser splits 驾照 into 驾|照, which match
    // the start of any word (驾驶, 照顾) and would find pages about neither.
    return { typed: named === folded ? split(query) : words, words: words };
  }

  // Pages found by any of the searches, best first (a page found by several is listed once by the caller).
  async function anyOf(engine, queries) {
    queries = queries.filter(function (q, i) { return queries.indexOf(q) === i; });
    var found = await Promise.all(queries.map(function (q) { return engine.search(q); }));
    var results = [].concat.apply([], found.map(function (f) { return f.results; }));
    return { results: results.sort(function (a, b) { return b.score - a.score; }) };
  }

  // Pagefind's segmenter knows Simplified words: in Traditional pages it often indexed a word as its characters
  // (戶口 as 戶 and 口), which Pagefind finds as the characters in a row, quoted ("戶 口").
  var TRADITIONAL = /^zh-(hant|tw|hk|mo)/i.test(document.documentElement.lang || "");
  function asCharacters(word) {
    return TRADITIONAL && /^\p{Script=Han}{2,}$/u.test(word) ? '"' + Array.from(word).join(" ") + '"' : word;
  }

  // A reader may type in the other script (a visitor from Hong Kong on the Simplified pages, a mainland
  // keyboard on the Traditional ones): when a question finds nothing, or only some of its words, it is searched
  // again with its characters in this page's script (tables made by scripts/make_hanzi_maps.py, fetched then).
  var otherTable = null;
  function otherScript() {
    if (!otherTable) {
      var name = TRADITIONAL ? "hanzi-to-hant.txt" : "hanzi-to-hans.txt";
      otherTable = fetch(new URL(name, script.src))
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (body) {
          var lines = body.split("\n"), from = Array.from(lines[0] || ""), to = Array.from(lines[1] || "");
          var table = {};
          from.forEach(function (ch, i) { if (to[i]) table[ch] = to[i]; });
          return table;
        })
        .catch(function () { otherTable = null; return {}; });  // tried again at the next question
    }
    return otherTable;
  }
  async function inThisScript(query) {
    var table = await otherScript();
    return Array.from(query, function (ch) { return table[ch] || ch; }).join("");
  }

  // The sets of `words` with `size` of them, longest (in characters) first: a one-character word is the
  // likeliest to be a question's filler, or a piece of a longer word the pages spell out whole.
  function setsOf(words, size) {
    var sets = [];
    (function pick(from, chosen) {
      if (chosen.length === size) { sets.push(chosen); return; }
      for (var i = from; i < words.length; i++) pick(i + 1, chosen.concat([words[i]]));
    })(0, []);
    return sets.sort(function (a, b) { return b.join("").length - a.join("").length; });
  }

  // The results for the most of a question's words that some page holds together: all of them if a page
  // has them all, else one fewer, and so on. Returns { results, words: the words searched }.
  async function find(engine, query) {
    var asked = wordsOf(query);
    var words = asked.words;
    var queries = [words.join(" "), asked.typed.join(" ")];
    if (words.length === 1) queries.push(asCharacters(words[0]));
    var all = await anyOf(engine, queries);
    if (all.results.length || words.length < 2) return { results: all.results, words: words };
    // One search per word, side by side: each loads its part of the index, and a word no page has is dropped.
    var alone = await Promise.all(words.map(function (word) { return engine.search(word); }));
    var held = words.filter(function (word, i) { return alone[i].results.length; });
    for (var size = held.length < words.length ? held.length : held.length - 1; size >= 1; size--) {
      var sets = setsOf(held, size);
      var found = await Promise.all(sets.map(function (set) { return engine.search(set.join(" ")); }));
      for (var i = 0; i < sets.length; i++) {
        if (found[i].results.length) return { results: found[i].results, words: sets[i], fewer: true };
      }
    }
    return { results: [], words: held };
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

  function matchedWords(data, searched) {
    var parsed = new DOMParser().parseFromString("<p>" + data.excerpt + "</p>", "text/html");
    var words = Array.prototype.map.call(parsed.querySelectorAll("mark"), function (m) { return m.textContent.trim(); });
    words = words.concat(searched);
    return words.filter(function (w, i) { return w && words.indexOf(w) === i; })
      .sort(function (a, b) { return b.length - a.length; });
  }

  function excerpt(data, searched) {
    var title = (data.meta.title || "").trim();
    var body = (data.content || "").split(". ").filter(function (block) {
      var words = block.trim().replace(/\.$/, "");
      return words && !(title && title.indexOf(words) >= 0) && !BYLINE.test(words);
    }).join(" … ");
    var words = matchedWords(data, searched);
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

  function item(data, searched) {
    var li = document.createElement("li");
    var link = document.createElement("a");
    link.href = data.url;
    link.textContent = data.meta.title || data.url;
    var meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = [data.meta.kind, siteDate(data.meta.date)].filter(Boolean).join(" · ");
    li.append(link, meta, excerpt(data, searched));
    return li;
  }

  // A message with its {name}s filled in by a function: a "$'" or "$&" the reader typed stays as typed.
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (slot, name) { return String(values[name]); });
  }

  function quoted(query) {
    var letters = Array.from(query);
    return letters.length > QUOTED ? letters.slice(0, QUOTED).join("") + "…" : query;
  }

  // A page number from the address: a whole number from 1 (show() brings one past the end back to the last).
  function pageNumber(value) {
    var page = Math.floor(Number(value));
    return page >= 1 ? page : 1;
  }

  function pages() { return Math.max(1, Math.ceil(current.results.length / PAGE_SIZE)); }

  // Shows a page of the current results; false when a newer search or page turn came first and it gave up.
  async function show(page, ticket) {
    page = Math.min(Math.max(1, page), pages());
    var slice = current.results.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
    var shown = await Promise.all(slice.map(function (r) { return r.data(); }));
    if (ticket !== latest) return false;
    current.page = page;
    // Guides first: a service question wants the guide before news about it.
    shown.sort(function (a, b) { return (b.meta.type === "guide") - (a.meta.type === "guide"); });
    // Replace the list only when the new results are ready: no flicker, no empty moment.
    list.replaceChildren.apply(list, shown.map(function (data) { return item(data, current.words); }));
    var total = current.results.length;
    // Results for some of the question's words say which: they may not answer the whole question.
    var found = { n: total, from: (page - 1) * PAGE_SIZE + 1, to: (page - 1) * PAGE_SIZE + shown.length,
      words: quoted(current.words.join(" ")) };
    status.textContent = total
      ? fill(current.fewer ? text.fewer : text.found, found)
      : fill(text.none, { q: quoted(current.query) });
    pager.hidden = pages() < 2;
    pageLabel.textContent = fill(text.page, { page: page, pages: pages() });
    pager.querySelector("[data-step='-1']").disabled = page <= 1;
    pager.querySelector("[data-step='1']").disabled = page >= pages();
    index.hidden = total > 0;
    return true;
  }

  // The address holds the query and page shown, so a reload, or Back from a result, shows them again.
  function address(query, page) {
    return query ? "?q=" + encodeURIComponent(query) + (page > 1 ? "&page=" + page : "") : location.pathname;
  }

  // 繁體 / 简体 takes the search along: the other edition's search page opens on the same question.
  var switcher = document.querySelector("a.edition-switch");
  var switcherBase = switcher ? switcher.getAttribute("href").split("?")[0] : "";
  function carryQuery() {
    if (switcher) switcher.setAttribute("href", switcherBase + location.search.replace(/&page=\d+/, ""));
  }
  function remember(how, url) {
    history[how + "State"](null, "", url);
    carryQuery();
  }

  // A new search, typed or sent with 搜索, takes the place of the one before in the history (typing one
  // letter after another is one step, not one each).
  async function run(query, page) {
    var ticket = ++latest;
    query = query.trim();
    pager.hidden = true;  // until the results come: a tap meanwhile would turn the previous query's pages
    if (!query) {
      current = { query: "", words: [], fewer: false, results: [], page: 1 };
      list.replaceChildren(); status.textContent = ""; index.hidden = false;
      remember("replace", address("", 1));
      return;
    }
    status.textContent = text.searching;
    try {
      var engine = await load();
      var search = engine ? await find(engine, query) : { results: [], words: [] };
      if (engine && (!search.results.length || search.fewer)) {
        var converted = await inThisScript(query);
        var again = converted !== query ? await find(engine, converted) : null;
        if (again && again.results.length && (!search.results.length || !again.fewer)) search = again;
      }
      if (ticket !== latest) return;
      // A page found by several of the searches, or in a shard and in the publisher's newer bundle, is the
      // same fragment: list it once (the best-scored, which comes first).
      var seen = {};
      var results = search.results.filter(function (r) { return seen[r.id] ? false : (seen[r.id] = true); });
      current = { query: query, words: search.words, fewer: Boolean(search.fewer), results: results, page: 1 };
      if (await show(page || 1, ticket)) remember("replace", address(query, current.page));
    } catch (error) {
      if (ticket !== latest) return;
      status.textContent = text.failed;
      index.hidden = false;
      remember("replace", address(query, 1));  // a reload tries again
    }
  }

  // What the address holds: on arrival, and at Back or Forward between pages of results or searches.
  function restore() {
    var params = new URLSearchParams(location.search);
    var query = (params.get("q") || "").trim();
    var page = pageNumber(params.get("page"));
    clearTimeout(timer);
    carryQuery();
    input.value = query;
    if (query && query === current.query) show(page, ++latest);
    else run(query, page);
  }

  var timer;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    run(input.value, 1);
  });
  // Whoever puts the cursor in the box is about to search: load the index while they type.
  input.addEventListener("focus", function () { load().catch(function () { /* reported when they search */ }); });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { run(input.value, 1); }, 250);
  });
  // A page turn is a step in the history, so Back goes to the page before. The focus moves to the status
  // line, which says which results these are: the button pressed may now be disabled (on the last page).
  pager.addEventListener("click", async function (event) {
    var step = event.target.closest("button[data-step]");
    if (!step || pager.hidden) return;  // hidden while a new search loads: these are the previous query's pages
    if (!(await show(current.page + Number(step.dataset.step), ++latest))) return;
    remember("push", address(current.query, current.page));
    status.scrollIntoView({ block: "start" });
    status.focus({ preventScroll: true });
  });
  window.addEventListener("popstate", restore);
  if (new URLSearchParams(location.search).get("q")) restore();
})();
