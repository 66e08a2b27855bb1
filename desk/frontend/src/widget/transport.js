/* The widget's connection to the desk (WebSocket /ws/widget, desk/PROTOCOL.md "Widget"): hello on
 * every (re)connection, then every pending frame again with its client_id (the desk stores each
 * once and acknowledges duplicates), keep-alive pings.
 */
import { str } from '../shared/dom.js';
import { createSocket } from '../shared/socket.js';

const PING_MS = 25000;
const STALE_MS = 70000; // no frame (not even pong) for this long: the socket is dead

/**
 * options: origin (the desk's, from the script's src), store (store.js), after() (the highest
 * message id this page shows), onFrame(frame), onConnecting(), onDown().
 */
export function createTransport(options) {
  const { store } = options;
  const outbox = [];    // frames without client_id (rate, end) waiting for a socket
  let started = false;  // a connection has been requested (lazy: no conversation for mere visitors)

  const socket = createSocket({
    url: options.origin.replace(/^http/, 'ws') + '/ws/widget', // http→ws, https→wss
    // Backoff starts over at the welcome, not at the socket's open (a desk that accepts and then
    // drops at once is not hammered).
    resetBackoffOnOpen: false,
    ping: { everyMs: PING_MS, staleMs: STALE_MS, frame: { type: 'ping' } },
    onConnecting: options.onConnecting,
    onDown: options.onDown,
    onFrame: options.onFrame,
    onOpen() {
      socket.send({ type: 'hello', conversation_id: store.data.conversation_id, resume_token: store.data.resume_token,
        after: options.after(), page: location.href,
        ...(store.data.profile_token ? { profile_token: store.data.profile_token } : {}) });
      // Same client_id as before: the server stores each once and acks duplicates.
      for (const p of store.data.pending) socket.send(frameFor(p));
      while (outbox.length && socket.up) socket.send(outbox.shift());
    },
  });

  window.addEventListener('online', () => {
    if (started && !socket.present) socket.reconnectNow();
  });

  function ensureStarted() {
    if (started) return;
    started = true;
    socket.connect();
  }

  return {
    get started() { return started; },
    ensureStarted,
    welcomed() { socket.resetBackoff(); },
    /** rate / end carry no client_id, so they wait in memory for the next socket instead of pending. */
    sendControl(frame) {
      ensureStarted();
      if (!socket.send(frame)) outbox.push(frame);
    },
    /** A frame with a client_id: kept (local storage) until acknowledged, re-sent on reconnection. */
    addPending(entry) {
      store.data.pending.push(entry);
      store.save();
      ensureStarted();
      socket.send(frameFor(entry)); // if not open, the next hello re-sends it
    },
  };
}

function frameFor(p) {
  if (p.type === 'handoff') return { type: 'handoff', client_id: p.client_id };
  if (p.type === 'leave_message') {
    return { type: 'leave_message', client_id: p.client_id, question: str(p.text), contact: str(p.contact),
      contact_name: str(p.contact_name), enterprise_name: str(p.enterprise_name) };
  }
  const f = { type: 'message', client_id: p.client_id, text: str(p.text) };
  if (p.payload) f.payload = p.payload;
  return f;
}
