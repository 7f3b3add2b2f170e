// The console's queue: say when new items arrive, without reloading the page or losing your place.
// Without JavaScript the queue works the same; it just does not announce new items.
(function () {
  "use strict";
  var table = document.querySelector("[data-newest]");
  var notice = document.getElementById("new-items");
  if (!table || !notice || !window.fetch) return;
  var newest = parseInt(table.getAttribute("data-newest"), 10) || 0;
  var seconds = Math.max(2, Math.min(300, parseInt(table.getAttribute("data-poll"), 10) || 60));
  function check() {
    fetch("/console/queue/latest?after=" + newest, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (latest) {
        if (!latest || !latest.new) return;
        notice.querySelector("span").textContent = "有 " + latest.new + " 件新事项";
        notice.hidden = false;
      })
      .catch(function () {});
  }
  window.setInterval(check, seconds * 1000);
})();
