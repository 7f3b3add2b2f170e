// Enhancement only: remember the large-text choice across pages.
(function () {
  var box = document.getElementById("large-text");
  if (!box) return;
  try {
    box.checked = localStorage.getItem("large-text") === "1";
    box.addEventListener("change", function () {
      localStorage.setItem("large-text", box.checked ? "1" : "0");
    });
  } catch (e) { /* storage may be blocked; the checkbox still works */ }
})();
