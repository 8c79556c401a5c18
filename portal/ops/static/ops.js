// Live parts: an element with data-refresh="URL" is re-fetched every data-every seconds.
(function () {
  function refresh(el) {
    var every = parseInt(el.getAttribute("data-every") || "5", 10) * 1000;
    setInterval(function () {
      fetch(el.getAttribute("data-refresh"), {credentials: "same-origin", headers: {"Accept": "text/html"}})
        .then(function (r) {
          if (r.redirected && r.url.indexOf("/login") >= 0) { window.location.href = r.url; throw new Error("login"); }
          if (r.ok) { return r.text(); }
          throw new Error(r.status);
        })
        .then(function (html) { el.innerHTML = html; el.setAttribute("data-updated", Date.now()); })
        .catch(function () { el.setAttribute("data-stale", "1"); });
    }, every);
  }
  document.querySelectorAll("[data-refresh]").forEach(refresh);
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) { if (!confirm(f.getAttribute("data-confirm"))) { e.preventDefault(); } });
  });
})();
