// The agents' chat console: the conversation shown in #chat-session listens on ws/chat/agent/<id>/ so the
// client's messages appear as they are written; take, reply and end are htmx posts that re-render the panel.
(() => {
  let socket = null;
  let sessionId = null;

  function transcript() { return document.getElementById("chat-transcript"); }

  function add(message) {
    const list = transcript();
    if (!list || list.querySelector('[data-message-id="' + message.id + '"]')) return;
    const item = document.createElement("li");
    item.className = "msg msg-" + message.sender;
    item.dataset.messageId = message.id;
    item.textContent = message.body;
    list.appendChild(item);
    list.scrollTop = list.scrollHeight;
  }

  function refreshPanel() {
    const panel = document.getElementById("chat-panel");
    if (panel && window.htmx) window.htmx.ajax("GET", panel.dataset.panelUrl, {target: "#chat-session", swap: "innerHTML"});
  }

  function follow() {
    const panel = document.getElementById("chat-panel");
    const wanted = panel ? panel.dataset.sessionId : null;
    if (wanted === sessionId) return;
    if (socket) socket.close();
    socket = null;
    sessionId = wanted;
    if (!wanted || panel.dataset.status === "closed") return;
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/chat/agent/" + wanted + "/");
    socket.addEventListener("message", (event) => {
      const data = JSON.parse(event.data);
      if (data.type === "message") add(data.message);
      else if (data.type === "history") data.messages.forEach(add);
      else if (data.type === "status") refreshPanel();
    });
  }

  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target && event.detail.target.id === "chat-session") follow();
  });
})();
