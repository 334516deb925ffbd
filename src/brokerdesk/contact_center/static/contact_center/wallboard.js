// The wallboard: the socket (ws/cc/wallboard/<center>/) says when queues or agents changed; the figures are then
// re-read at most once every two seconds (a busy floor changes many times a second). The htmx polling on
// #wallboard-figures keeps the board fresh when the socket is down.
(() => {
  const board = document.getElementById("wallboard-figures");
  if (!board || !board.dataset.socketUrl) return;
  const MIN_GAP = 2000;
  let last = 0;
  let timer = null;
  let retry = 1000;

  function refresh() {
    timer = null;
    last = Date.now();
    if (window.htmx) window.htmx.ajax("GET", board.getAttribute("hx-get"), {target: "#wallboard-figures", swap: "innerHTML"});
  }

  function changed() {
    if (timer) return;
    timer = setTimeout(refresh, Math.max(0, MIN_GAP - (Date.now() - last)));
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + board.dataset.socketUrl);
    socket.addEventListener("open", () => { retry = 1000; board.dataset.socket = "open"; });
    socket.addEventListener("message", (event) => {
      if (JSON.parse(event.data).kind === "changed") changed();
    });
    socket.addEventListener("close", () => {
      board.dataset.socket = "closed";
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    });
  }

  connect();
})();
