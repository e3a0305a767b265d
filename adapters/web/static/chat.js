// The web chat page: post what the visitor types, long-poll for the bot's replies.
// Replies are inserted with textContent only, so nothing a reply contains can run or render as HTML.
(function () {
  "use strict";
  var log = document.getElementById("log");
  var form = document.getElementById("send");
  var input = document.getElementById("text");
  var button = document.getElementById("go");
  var cursor = 0;
  var seen = {};

  function add(kind, text) {
    var div = document.createElement("div");
    div.className = kind === "me" ? "msg me" : kind === "note" ? "note" : "msg bot";
    div.textContent = text;
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }

  function send(text) {
    var id = newId();
    add("me", text);
    button.disabled = true;
    var body = JSON.stringify({ text: text, client_id: id });
    var attempt = function (left) {
      return fetch("/chat/api/messages", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json" }, body: body
      }).then(function (r) {
        if (r.status >= 500 && left > 0) return attempt(left - 1);  // same client_id: answered once
        if (!r.ok) return r.json().then(function (j) { add("note", j.error || "发送失败，请稍后再试"); });
      }).catch(function () {
        if (left > 0) return attempt(left - 1);
        add("note", "网络不太好，消息没发出去，请稍后再试");
      });
    };
    attempt(2).then(function () { button.disabled = false; input.focus(); });
  }

  function poll(first) {
    var url = "/chat/api/messages?after=" + cursor + (first ? "&wait=0&history=1" : "&wait=25");
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (j) {
      (j.messages || []).forEach(function (m) {
        if (m.from === "bot") {
          if (seen[m.cursor]) return;
          seen[m.cursor] = true;
        }
        if (first || m.from === "bot") add(m.from, m.text);
      });
      cursor = Math.max(cursor, j.cursor || 0);
      setTimeout(function () { poll(false); }, 100);
    }).catch(function () { setTimeout(function () { poll(false); }, 3000); });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text || button.disabled) return;
    input.value = "";
    send(text);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
  });
  poll(true);
})();
