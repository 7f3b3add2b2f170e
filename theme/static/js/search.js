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
  var current = { query: "", words: [], typed: [], fewer: false, results: [], page: 1 };

  // The index comes in shards (pagefind/shards.json lists them by language): the first is loaded, the others
  // merged into it, with the publisher's bundle of answers newer than the last build (pagefind/hot.json), if
  // any. Every file that can be asked for at once is: on a slow phone network each round trip costs a third
  // of a second or more, and one shard after another a big city's first search waited for dozens.
  // The index holds the Simplified pages only; the Traditional edition searches it too (see TRADITIONAL).
  async function open() {
    var root = text.pagefindRoot;
    var language = TRADITIONAL ? "zh-cn" : (document.documentElement.lang || "").toLowerCase();
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
    if (TRADITIONAL) toSimplified().catch(function () { /* reported when they search */ });  // fetched beside it
    return pagefind;
  }

  // A reader types a question, not keywords, and Pagefind finds only pages holding every word of it. The
  // words that carry no subject (怎么办, 需要什么, a closing 了 or 吗) are left out; the everyday words for
  // what the guides call otherwise (偷 for 盗, 遗失 for 丢失, Taiwan's 身分證) are searched as the guides' words
  // as well as typed. Full-width letters and digits (ＩＤ, １１０) are searched as the half-width ones the pages have.
  var FILLERS = ["怎么办", "怎麼辦", "怎么", "怎麼", "怎样", "怎樣", "如何", "什么", "什麼", "哪些", "哪里", "哪裡",
    "需要", "请问", "請問", "我", "我的", "想", "要", "能", "可以", "吗", "嗎", "呢", "吧", "啊", "呀", "了", "的",
    "办", "辦", "去", "该", "該"];
  var EVERYDAY = { "偷": "盗", "遗失": "丢失", "遺失": "丟失", "身分证": "身份证", "身分證": "身份證", "身分": "身份",
    "过世": "去世", "小孩": "孩子" };
  // What people call a document, as the guides name it; replaced in the question before it is split into words
  // (the browser splits 暂住证 as 暂住|证, so a word-for-word table would miss it).
  var NAMES = [["驾照", "驾驶证"], ["駕照", "駕駛證"], ["户口本", "户口簿"], ["戶口本", "戶口簿"],
    ["暂住证", "居住证"], ["暫住證", "居住證"], ["良民证", "无犯罪记录证明"], ["良民證", "無犯罪記錄證明"],
    ["无犯罪证明", "无犯罪记录证明"], ["無犯罪證明", "無犯罪記錄證明"]];
  var PARTICLE = /(.)[了吗嗎呢吧啊呀]+$/;
  // ID, ID卡, id card: an ID card, as many say and no page writes, is 身份证 (ID inside a word, as in VIDEO, stays).
  var ID_CARD = /(^|[^a-z])id(\s*(卡|card))?(?![a-z])/gi;
  var MOST_WORDS = 6;  // the words of a long question tried in fewer and fewer (2^6 sets at most)

  // What people call a document, and ID for an ID card, in the guides' words (the ID card in the script given).
  function documentNames(text, idCard) {
    return NAMES.reduce(function (done, pair) { return done.split(pair[0]).join(pair[1]); },
      text.replace(ID_CARD, "$1" + idCard));
  }

  // The words of a question to search for, as typed (`typed`) and in the guides' words (`words`).
  function wordsOf(query) {
    query = query.normalize("NFKC");
    var named = documentNames(query, "身份证");
    if (typeof Intl === "undefined" || !Intl.Segmenter) return { typed: [query], words: [named] };
    var segmenter = new Intl.Segmenter("zh-CN", { granularity: "word" });  // the index's words are Simplified
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
    return { typed: named === query ? split(query) : words, words: words };
  }

  // Pages found by any of the searches, best first (a page found by several is listed once by the caller).
  async function anyOf(engine, queries) {
    queries = queries.filter(function (q, i) { return queries.indexOf(q) === i; });
    var found = await Promise.all(queries.map(function (q) { return engine.search(q); }));
    var results = [].concat.apply([], found.map(function (f) { return f.results; }));
    return { results: results.sort(function (a, b) { return b.score - a.score; }) };
  }

  // The Traditional edition has no index of its own: Pagefind splits Simplified text into words, Traditional
  // text mostly into characters, so its results ranked poorly. On its pages a question is searched in the
  // Simplified index with its characters made Simplified (戶口 as 户口; 考覈 and 羣衆 too), and the results show
  // their text in the edition's characters (hant_title, hant_kind, hant_content: sitesearch's add_edition).
  var TRADITIONAL = /^zh-(hant|tw|hk|mo)/i.test(document.documentElement.lang || "");
  // The same table serves a reader on the Simplified pages who types Traditional characters (a visitor from
  // Hong Kong): there, when a question finds nothing or only some of its words, it is searched again made
  // Simplified. The table is made by scripts/make_hanzi_maps.py and fetched only when needed.
  var simplifiedTable = null;
  function toSimplified() {
    if (!simplifiedTable) {
      simplifiedTable = fetch(new URL("hanzi-to-hans.txt", script.src))
        .then(function (response) {
          if (!response.ok) throw new Error("hanzi-to-hans.txt: " + response.status);
          return response.text();
        })
        .then(function (body) {
          var lines = body.split("\n"), from = Array.from(lines[0] || ""), to = Array.from(lines[1] || "");
          var table = {};
          // Only a character that keeps its length in the page's text: a Traditional text made Simplified
          // (see excerpt) must keep every character where it was.
          from.forEach(function (ch, i) { if (to[i] && to[i].length === ch.length) table[ch] = to[i]; });
          return table;
        })
        // Fetched again at the next question. A Traditional page cannot search without it: it says search is
        // unavailable, rather than that nothing was found.
        .catch(function (error) { simplifiedTable = null; throw error; });
    }
    return simplifiedTable;
  }
  function simplified(text, table) {
    return Array.from(text, function (ch) { return table[ch] || ch; }).join("");
  }

  // A result's address on the Traditional pages is its twin's: the Simplified site's root (where this page's
  // Simplified twin, …/search/, lives) replaced by this edition's.
  function inEdition(url) {
    if (!TRADITIONAL || !switcher) return url;
    var root = /search\/(index\.html)?$/;
    var here = location.pathname.replace(root, "");
    var there = new URL(switcherBase, location.href).pathname.replace(root, "");
    return url.indexOf(there) === 0 ? here + url.slice(there.length) : url;
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

  // What a result shows in this page's edition: its title, kind and text, and a function making a piece of
  // that text Simplified, character for character (the words searched are Simplified; on the Simplified pages
  // it changes nothing).
  function inPageEdition(data, table) {
    var meta = data.meta;
    if (TRADITIONAL && meta.hant_content) {
      return { title: meta.hant_title || meta.title, kind: meta.hant_kind || meta.kind, content: meta.hant_content,
        plain: function (text) { return simplified(text, table); } };
    }
    return { title: meta.title, kind: meta.kind, content: data.content,
      plain: function (text) { return text; } };
  }

  function excerpt(data, searched, page) {
    var title = (page.title || "").trim();
    var body = (page.content || "").split(". ").filter(function (block) {
      var words = block.trim().replace(/\.$/, "");
      return words && !(title && title.indexOf(words) >= 0) && !BYLINE.test(page.plain(words));
    }).join(" … ");
    var words = matchedWords(data, searched);
    var plain = page.plain(body);  // where the words are looked for; the same length, character for character
    var first = -1;
    words.forEach(function (w) { var at = plain.indexOf(w); if (at >= 0 && (first < 0 || at < first)) first = at; });
    var start = Math.max(0, first - 20);
    var end = Math.min(body.length, start + WINDOW);
    var text = (start > 0 ? "…" : "") + body.slice(start, end).replace(/^\s*…\s*/, "").replace(/\s*…\s*$/, "") +
      (end < body.length ? "…" : "");
    var span = document.createElement("span");
    span.className = "excerpt meta";
    var found = page.plain(text), at = 0;
    var pattern = words.length ? new RegExp(words.map(escapeRegExp).join("|"), "g") : null;
    var match;
    while (pattern && (match = pattern.exec(found))) {
      if (!match[0]) { pattern.lastIndex++; continue; }
      if (match.index > at) span.append(document.createTextNode(text.slice(at, match.index)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(match.index, match.index + match[0].length);  // as this edition writes it
      span.append(mark);
      at = match.index + match[0].length;
    }
    if (at < text.length) span.append(document.createTextNode(text.slice(at)));
    return span;
  }

  function item(data, searched, table) {
    var page = inPageEdition(data, table);
    var li = document.createElement("li");
    var link = document.createElement("a");
    link.href = inEdition(data.url);
    link.textContent = page.title || link.href;
    var meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = [page.kind, siteDate(data.meta.date)].filter(Boolean).join(" · ");
    li.append(link, meta, excerpt(data, searched, page));
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
    var table = TRADITIONAL ? await toSimplified().catch(function () { return {}; }) : {};
    if (ticket !== latest) return false;
    current.page = page;
    // Guides first: a service question wants the guide before news about it.
    shown.sort(function (a, b) { return (b.meta.type === "guide") - (a.meta.type === "guide"); });
    // Replace the list only when the new results are ready: no flicker, no empty moment.
    list.replaceChildren.apply(list, shown.map(function (data) { return item(data, current.words, table); }));
    var total = current.results.length;
    // Results for some of the question's words say which: they may not answer the whole question.
    var found = { n: total, from: (page - 1) * PAGE_SIZE + 1, to: (page - 1) * PAGE_SIZE + shown.length,
      words: quoted(current.typed.join(" ")) };
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
      current = { query: "", words: [], typed: [], fewer: false, results: [], page: 1 };
      list.replaceChildren(); status.textContent = ""; index.hidden = false;
      remember("replace", address("", 1));
      return;
    }
    status.textContent = text.searching;
    try {
      var engine = await load();
      // On the Traditional pages a document's everyday name is first given the guides' name in the edition's
      // characters (駕照 → 駕駛證), so that the words said back are the reader's script; then it is made
      // Simplified, character for character.
      var source = TRADITIONAL ? documentNames(query.normalize("NFKC"), "身份證") : query;
      var asked = TRADITIONAL ? simplified(source, await toSimplified()) : query;
      var search = engine ? await find(engine, asked) : { results: [], words: [] };
      var table = engine && !TRADITIONAL && (!search.results.length || search.fewer)
        ? await toSimplified().catch(function () { return null; }) : null;  // without it, the answer as it is
      if (table) {
        var converted = simplified(query, table);
        var again = converted !== query ? await find(engine, converted) : null;
        if (again && again.results.length && (!search.results.length || !again.fewer)) search = again;
      }
      if (ticket !== latest) return;
      // A page found by several of the searches, or in a shard and in the publisher's newer bundle, is the
      // same fragment: list it once (the best-scored, which comes first).
      var seen = {};
      var results = search.results.filter(function (r) { return seen[r.id] ? false : (seen[r.id] = true); });
      // The words said back to the reader as they typed them: on the Traditional pages the words searched are
      // the question's characters made Simplified, one for one, so each stands where the reader typed it.
      var typed = search.words.map(function (word) {
        var at = asked.indexOf(word);
        return at >= 0 && asked.length === source.length ? source.slice(at, at + word.length) : word;
      });
      current = { query: query, words: search.words, typed: typed, fewer: Boolean(search.fewer), results: results,
        page: 1 };
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
