// Enhancement only: a box that narrows the A–Z list of places. Without JavaScript
// the list itself is the lookup.
(function () {
  var script = document.currentScript;
  var form = document.getElementById("lookup-form");
  var input = document.getElementById("lookup-q");
  var status = document.getElementById("lookup-status");
  var items = Array.prototype.slice.call(document.querySelectorAll(".places li"));
  var groups = Array.prototype.slice.call(document.querySelectorAll(".place-group"));
  // "滨江社区" also matches "滨江小区3栋": compare without the community or village suffix.
  // The Traditional edition writes 社區 (or 社群 in Taiwan phrasing), 鎮.
  function stem(name) { return name.replace(/(社区|社區|社群|小区|小區|行政村|村|街道|镇|鎮)$/, ""); }

  function filter() {
    var query = input.value.replace(/\s+/g, "");
    var shown = 0;
    items.forEach(function (li) {
      var name = li.querySelector(".place").textContent;
      var match = !query || name.indexOf(query) >= 0 || query.indexOf(stem(name)) >= 0;
      li.hidden = !match;
      if (match) shown++;
    });
    groups.forEach(function (group) { group.hidden = !group.querySelector("li:not([hidden])"); });
    status.textContent = !query ? "" : shown ? script.dataset.found.replace("{n}", shown) : script.dataset.none.replace("{q}", query);
  }

  form.hidden = false;
  form.addEventListener("submit", function (event) { event.preventDefault(); filter(); });
  input.addEventListener("input", filter);
})();
