// The live board refreshes itself: every few seconds it fetches its own body (server-rendered)
// and swaps it in; its buttons post without leaving the page, then refresh.
(function () {
  var box = document.getElementById("board");
  if (!box) { return; }
  var every = Number(box.dataset.refresh || 5) * 1000;
  function refresh() {
    return fetch(box.dataset.src, {credentials: "same-origin", cache: "no-store"})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) { box.innerHTML = html; } })
      .catch(function () {});
  }
  setInterval(refresh, every);
  box.addEventListener("submit", function (e) {
    var form = e.target;
    e.preventDefault();
    fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                        headers: {"X-Board": "1"}}).then(refresh, refresh);
  });
})();
