// The agent desktop: one socket (ws/cc/desktop/) brings the screen-pop (HTML rendered on the server), the pick-up,
// the hang-up and state changes; the panel (state, call actions, wrap-up) is re-read with htmx after each of them.
// No inline script: the Content-Security-Policy forbids it.
(() => {
  const desk = document.getElementById("cc-desk");
  if (!desk) return;
  const indicator = document.getElementById("cc-socket");
  let retry = 1000;

  function setSocketState(state) {
    if (!indicator) return;
    indicator.dataset.state = state;
    indicator.textContent = state === "open" ? desk.dataset.labelOpen : desk.dataset.labelClosed;
  }

  function refreshPanel() {
    if (window.htmx) window.htmx.ajax("GET", desk.dataset.panelUrl, {target: "#cc-panel", swap: "innerHTML"});
  }

  function refreshPop() {
    if (window.htmx) window.htmx.ajax("GET", desk.dataset.popUrl, {target: "#cc-pop", swap: "innerHTML"});
  }

  function showPop(html) {
    const area = document.getElementById("cc-pop");
    area.innerHTML = html;
    if (window.htmx) window.htmx.process(area);
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + desk.dataset.socketUrl);
    socket.addEventListener("open", () => { retry = 1000; });
    socket.addEventListener("message", (event) => {
      const data = JSON.parse(event.data);
      if (data.kind === "hello") {
        setSocketState("open");
      } else if (data.kind === "presented") {
        showPop(data.html);
        refreshPanel();
      } else if (data.kind === "connected" || data.kind === "finished" || data.kind === "state") {
        refreshPanel();
      }
    });
    socket.addEventListener("close", () => {
      setSocketState("closed");
      // Reconnect, then re-read what may have changed meanwhile.
      setTimeout(() => { connect(); refreshPop(); refreshPanel(); }, retry);
      retry = Math.min(retry * 2, 30000);
    });
  }

  // Time in state: every [data-since] counts up.
  function tick() {
    document.querySelectorAll(".cc-since[data-since]").forEach((el) => {
      const since = Date.parse(el.dataset.since);
      if (Number.isNaN(since)) return;
      const seconds = Math.max(0, Math.floor((Date.now() - since) / 1000));
      const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
      el.textContent = (h ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + String(s).padStart(2, "0");
    });
  }

  connect();
  tick();
  setInterval(tick, 1000);
})();
