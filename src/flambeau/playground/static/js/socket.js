// The page's one WebSocket to the server (see docs/playground-protocol.md).
//
// Messages are JSON objects with a `type`; handlers are registered per type with on(). When the
// socket closes (server restarted, laptop slept), it reconnects with a growing delay and calls
// onOpen again, which sends a fresh `hello` with the URL's hash: the hash holds the whole
// experiment, so the session comes back as it was (with new weights).

export class Connection {
  constructor(url) {
    this.url = url;
    this.handlers = new Map();
    this.onOpen = () => {};
    this.onLost = () => {};
    this.ws = null;
    this.delay = 250;
    this.queue = []; // messages sent before the socket opened
  }

  on(type, fn) {
    this.handlers.set(type, fn);
    return this;
  }

  connect() {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.delay = 250;
      this.onOpen();
      for (const m of this.queue.splice(0)) ws.send(m);
    };
    ws.onmessage = (ev) => {
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return; // the server only sends JSON; ignore anything else
      }
      const fn = this.handlers.get(msg.type);
      if (fn) fn(msg);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.onLost();
      setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, 5000);
    };
  }

  /** Send one message ({type, ...fields}); queued while the socket is (re)connecting. */
  send(msg) {
    const text = JSON.stringify(msg);
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
    else if (msg.type !== "ack" && msg.type !== "node") this.queue.push(text);
  }
}

/** ws://host/ws (or wss:// when the page came over https). */
export function socketUrl() {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  return `${proto}//${location.host}/ws`;
}
