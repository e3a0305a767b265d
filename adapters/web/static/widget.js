// Embed on any page: <script src="https://BOT-HOST/chat/widget.js" async></script>
// Adds a floating "在线咨询" button that opens the chat page in an iframe.
(function () {
  "use strict";
  var me = document.currentScript;
  var origin = me ? new URL(me.src).origin : "";
  var open = false;
  var button = document.createElement("button");
  button.textContent = "在线咨询";
  button.setAttribute("style", "position:fixed;right:20px;bottom:20px;z-index:2147483000;padding:10px 18px;" +
    "border:0;border-radius:22px;background:#2f6fed;color:#fff;font-size:15px;box-shadow:0 4px 12px rgba(0,0,0,.2);cursor:pointer");
  var frame = document.createElement("iframe");
  frame.title = "在线咨询";
  frame.setAttribute("style", "position:fixed;right:20px;bottom:72px;z-index:2147483000;width:360px;height:520px;" +
    "max-width:calc(100vw - 40px);max-height:calc(100vh - 100px);border:1px solid #e4e6eb;border-radius:12px;" +
    "box-shadow:0 8px 24px rgba(0,0,0,.18);background:#fff;display:none");
  button.addEventListener("click", function () {
    open = !open;
    if (open && !frame.src) frame.src = origin + "/chat/";
    frame.style.display = open ? "block" : "none";
  });
  document.body.appendChild(frame);
  document.body.appendChild(button);
})();
