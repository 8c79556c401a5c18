// Light interactivity of the staff pages: live notifications (SSE), menu open on wide screens,
// and signing with a USB token through the local signing agent.
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  var menu = document.querySelector(".menu details");
  if (menu && window.matchMedia("(min-width: 800px)").matches) menu.open = true;

  // a button that prints the page (no inline handler: the pages' CSP runs no inline script)
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  function staffLink(link) {
    // the notify adapter links to the API's paths; show the staff pages instead
    if (!link) return "";
    return link.replace(/^\/documents\//, "/staff/van-ban/").replace(/^\/tasks\//, "/staff/cong-viec/");
  }

  function toast(text, link) {
    var box = document.getElementById("thong-bao");
    if (!box) return;
    var item = document.createElement("p");
    item.className = "toast";
    if (link) {
      var a = document.createElement("a");
      a.href = link; a.textContent = text;
      item.appendChild(a);
    } else {
      item.textContent = text;
    }
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "×";
    close.setAttribute("aria-label", "Đóng thông báo");
    close.addEventListener("click", function () { item.remove(); });
    item.appendChild(close);
    box.appendChild(item);
    setTimeout(function () { item.remove(); }, 15000);
  }
  window.staffToast = toast;

  function setUnread(n) {
    var badge = document.getElementById("chua-doc");
    if (badge) badge.textContent = n > 0 ? n + " thông báo chưa đọc" : "";
  }

  if (window.EventSource) {
    var source = new EventSource("/api/notify/stream");
    var unread = 0;
    source.addEventListener("hello", function (event) {
      try { unread = JSON.parse(event.data).unread || 0; } catch (e) { unread = 0; }
      setUnread(unread);
      document.body.dataset.live = "1";
    });
    source.addEventListener("notification", function (event) {
      try {
        var data = JSON.parse(event.data);
        toast([data.title, data.body].filter(Boolean).join(": ") || "Có thông báo mới", staffLink(data.link));
      } catch (e) { toast("Có thông báo mới"); }
      setUnread(++unread);
    });
    source.onerror = function () { if (source.readyState === 2) source.close(); };
    // free the connection when leaving the page (browsers allow few per host)
    window.addEventListener("pagehide", function () { source.close(); });
  }

  async function postJson(url, body) {
    var r = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    });
    var data = await r.json().catch(function () { return {}; });
    if (!r.ok) throw new Error(data.detail || ("Lỗi " + r.status));
    return data;
  }

  var tokenBox = document.getElementById("ky-token");
  if (tokenBox) {
    var status = document.getElementById("token-status");
    document.getElementById("btn-token").addEventListener("click", async function () {
      var agent = document.getElementById("agent").value.replace(/\/$/, "");
      var doc = tokenBox.dataset.doc;
      try {
        status.textContent = "Đang đọc chứng thư số từ token…";
        var cert = await (await fetch(agent + "/certificate")).json();
        status.textContent = "Đang chuẩn bị văn bản để ký…";
        var prep = await postJson("/staff/api/ky/" + doc + "/chuan-bi", { certificate: cert.certificate, chain: cert.chain || [] });
        status.textContent = "Mời xác nhận ký trên token…";
        var signed = await fetch(agent + "/sign", {
          method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ digest: prep.digest, digest_algorithm: prep.digest_algorithm })
        });
        if (!signed.ok) throw new Error("Phần mềm ký từ chối");
        var sig = await signed.json();
        var done = await postJson("/staff/api/ky/phien/" + prep.session + "/hoan-tat", { signature: sig.signature });
        status.innerHTML = "";
        var link = document.createElement("a");
        link.href = done.download; link.textContent = "Đã ký bằng token: tải tệp đã ký";
        link.id = "token-signed";
        status.appendChild(link);
        var comment = document.getElementById("comment");
        if (comment) comment.value = (comment.value + " Đã ký số bằng USB token, SHA-256 " + done.sha256).trim();
      } catch (e) {
        status.textContent = "Không ký được: " + e.message;
      }
    });
  }
})();
