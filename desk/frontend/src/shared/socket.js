/* One reconnecting WebSocket for the widget (/ws/widget) and the consoles (/ws/console).
 *
 * Reconnects after each drop with a growing delay (1 s, 2 s, 4 s, 8 s, then 15 s), parses every
 * frame as JSON and hands objects to onFrame. With `ping` it sends a keep-alive frame at an interval
 * and drops a socket that has been silent for too long (a sleeping laptop or a proxy can kill a
 * socket without a close event).
 */

export const BACKOFF_MS = [1000, 2000, 4000, 8000, 15000];

/**
 * options: url (string or function giving it at each connect), onOpen(), onFrame(frame),
 * onDown() after a drop, onConnecting() while (re)connecting, ping: {everyMs, staleMs, frame},
 * resetBackoffOnOpen (default true; the widget resets when its welcome arrives instead).
 */
export function createSocket(options) {
  const backoffMs = options.backoffMs || BACKOFF_MS;
  let ws = null;
  let attempt = 0;           // reconnect attempts since the last reset
  let timer = 0;
  let pingTimer = 0;
  let lastFrameAt = 0;

  const socket = {
    get up() { return Boolean(ws) && ws.readyState === WebSocket.OPEN; },
    /** A socket exists (open or opening); false between a drop and the next attempt. */
    get present() { return ws !== null; },
    connect,
    send,
    resetBackoff() { attempt = 0; },
    /** Connect now, from the first delay again (e.g. the browser came back online). */
    reconnectNow() { attempt = 0; connect(); },
  };

  function connect() {
    clearTimeout(timer);
    timer = 0;
    if (options.onConnecting) options.onConnecting();
    let sock;
    try {
      sock = new WebSocket(typeof options.url === 'function' ? options.url() : options.url);
    } catch (e) {
      down();
      return;
    }
    ws = sock;
    sock.onopen = () => {
      if (ws !== sock) return;
      lastFrameAt = Date.now();
      if (options.resetBackoffOnOpen !== false) attempt = 0;
      if (options.onOpen) options.onOpen();
      startPing();
    };
    sock.onmessage = (event) => {
      if (ws !== sock) return;
      lastFrameAt = Date.now();
      let frame = null;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame && typeof frame === 'object') options.onFrame(frame);
    };
    sock.onclose = () => {
      if (ws !== sock) return;
      drop();
    };
    sock.onerror = () => { /* onclose follows and reconnects */ };
  }

  function drop() {
    const sock = ws;
    ws = null;
    stopPing();
    if (sock) {
      sock.onopen = sock.onmessage = sock.onclose = sock.onerror = null;
      try { sock.close(); } catch (e) { /* already closed */ }
    }
    down();
  }

  function down() {
    if (options.onDown) options.onDown();
    if (options.onConnecting) options.onConnecting();
    if (timer) return;
    const delay = backoffMs[Math.min(attempt, backoffMs.length - 1)];
    attempt += 1;
    timer = setTimeout(connect, delay);
  }

  function startPing() {
    stopPing();
    if (!options.ping) return;
    pingTimer = setInterval(() => {
      if (Date.now() - lastFrameAt > options.ping.staleMs) { drop(); return; }
      send(options.ping.frame);
    }, options.ping.everyMs);
  }

  function stopPing() {
    clearInterval(pingTimer);
    pingTimer = 0;
  }

  /** Send a frame as JSON; false when there is no open socket (nothing is queued here). */
  function send(frame) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    try { ws.send(JSON.stringify(frame)); return true; } catch (e) { return false; }
  }

  return socket;
}
