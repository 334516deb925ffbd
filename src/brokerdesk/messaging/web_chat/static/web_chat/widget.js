// The client portal's chat widget: starts (or resumes) a session, then talks over ws/chat/<token>/.
// No inline script anywhere: the Content-Security-Policy allows only our own static files.
(() => {
  const root = document.getElementById("chat-widget");
  if (!root) return;
  const log = document.getElementById("chat-log");
  const form = document.getElementById("chat-form");
  const statusLine = document.getElementById("chat-status");
  const storageKey = "brokerdesk.chat." + (root.dataset.identity || "anonymous");
  const seen = new Set();
  let socket = null;
  let closed = false;
  let retries = 0;

  function add(message) {
    if (message.id && seen.has(message.id)) return;
    if (message.id) seen.add(message.id);
    const item = document.createElement("li");
    item.className = "msg msg-" + message.sender;
    item.textContent = message.body;
    if (message.article) {
      const link = document.createElement("a");
      link.href = message.article.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = message.article.title;
      item.appendChild(document.createElement("br"));
      item.appendChild(link);
    }
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }

  function setStatus(status, agent) {
    root.dataset.status = status;
    const labels = {bot: "", waiting: "…", with_agent: agent || "", closed: root.dataset.textEnded};
    statusLine.textContent = labels[status] || "";
    if (status === "closed") {
      closed = true;
      form.querySelector("input").disabled = true;
      sessionStorage.removeItem(storageKey);
    }
  }

  async function newToken() {
    const body = new FormData();
    body.append("identity", root.dataset.identity || "");
    const response = await fetch(root.dataset.startUrl, {
      method: "POST", body, headers: {"X-CSRFToken": root.dataset.csrf}, credentials: "same-origin"});
    if (!response.ok) throw new Error("start failed: " + response.status);
    const data = await response.json();
    sessionStorage.setItem(storageKey, data.token);
    return data.token;
  }

  function connect(token) {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/chat/" + encodeURIComponent(token) + "/");
    socket.addEventListener("open", () => { retries = 0; statusLine.textContent = ""; });
    socket.addEventListener("message", (event) => {
      const data = JSON.parse(event.data);
      if (data.type === "history") {
        data.messages.forEach(add);
        setStatus(data.status);
      } else if (data.type === "message") {
        add(data.message);
      } else if (data.type === "status") {
        setStatus(data.status, data.agent);
      } else if (data.type === "error") {
        add({sender: "system", body: data.message});
      }
    });
    socket.addEventListener("close", (event) => {
      if (closed) return;
      if (event.code === 4404) {  // the session is gone: start a new one
        sessionStorage.removeItem(storageKey);
        start();
        return;
      }
      statusLine.textContent = root.dataset.textOffline;
      retries += 1;
      if (retries < 10) setTimeout(() => connect(token), Math.min(1000 * 2 ** retries, 30000));
    });
  }

  async function start() {
    try {
      connect(sessionStorage.getItem(storageKey) || await newToken());
    } catch (error) {
      statusLine.textContent = root.dataset.textError;
    }
  }

  function send(payload) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(payload));
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const input = form.querySelector("input");
    const body = input.value.trim();
    if (!body) return;
    send({type: "message", body});
    input.value = "";
  });
  document.getElementById("chat-handoff").addEventListener("click", () => send({type: "handoff"}));
  document.getElementById("chat-end").addEventListener("click", () => send({type: "end"}));
  start();
})();
