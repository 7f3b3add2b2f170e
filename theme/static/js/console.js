// The console's queue: say when new items arrive, without reloading the page or losing your place, an empty
// queue too. Without JavaScript the queue works the same; it just does not announce new items.
(function () {
  "use strict";
  var notice = document.getElementById("new-items");
  if (!notice || !notice.hasAttribute("data-newest") || !window.fetch) return;
  var newest = parseInt(notice.getAttribute("data-newest"), 10) || 0;
  var seconds = Math.max(2, Math.min(300, parseInt(notice.getAttribute("data-poll"), 10) || 60));
  var label = notice.getAttribute("data-label") || "有 {n} 件新事项";  // an officer's own items: 本所有 {n} 件新事项
  function check() {
    fetch("/console/queue/latest?after=" + newest, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (latest) {
        if (!latest || !latest.new) return;
        notice.querySelector("span").textContent = label.replace("{n}", latest.new);
        notice.hidden = false;
      })
      .catch(function () {});
  }
  window.setInterval(check, seconds * 1000);
})();

// Item and entry pages: while someone types, tell the server every so often that they are still there, so a long
// reply outlives the idle timeout. Only typing counts: a page left open, typed into or not, sends nothing, and its
// session ends as it should. When the session has ended anyway, say that the text is safe.
(function () {
  "use strict";
  var notice = document.getElementById("session-notice");
  var token = document.querySelector("form[method=post] input[name=csrf]");
  if (!notice || !token || !window.fetch || !window.URLSearchParams) return;
  var seconds = Math.max(1, Math.min(300, parseInt(notice.getAttribute("data-keepalive"), 10) || 60));
  var typed = false;
  document.addEventListener("input", function () { typed = true; });
  window.setInterval(function () {
    if (!typed) return;
    typed = false;
    var body = new URLSearchParams();
    body.set("csrf", token.value);
    fetch("/console/session", { method: "POST", credentials: "same-origin", body: body, redirect: "manual" })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) notice.hidden = false;
      })
      .catch(function () {});
  }, seconds * 1000);
})();

// The item page's 常用答复: insert the chosen reply at the cursor in the reply box, without reloading the page.
// Without JavaScript each is a button of the reply form, which sends the typed text back with the reply added after it.
(function () {
  "use strict";
  var box = document.getElementById("f-reply-reply");
  if (!box) return;
  var buttons = document.querySelectorAll("button[name=insert_template][data-text]");
  Array.prototype.forEach.call(buttons, function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var text = button.getAttribute("data-text");
      var start = box.selectionStart, end = box.selectionEnd;
      if (typeof start !== "number") start = end = box.value.length;
      var before = box.value.slice(0, start), after = box.value.slice(end);
      var lead = before && !/\n$/.test(before) ? "\n" : "";
      box.value = before + lead + text + after;
      var cursor = (before + lead + text).length;
      box.focus();
      box.setSelectionRange(cursor, cursor);
      box.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });
})();
