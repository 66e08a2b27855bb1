/* 导服 · helpers shared by the staff consoles (console.js, knowledge.js, analytics.js).
 * Plain JavaScript, no framework, no build step. Load it before the page's own script:
 *   <script src="/console/static/common.js" defer></script>
 * Everything is on one global object, window.DaofuConsole.
 *
 * SECURITY: el() sets every string as textContent / a text node; no HTML string is ever parsed.
 */
(function () {
  "use strict";

  const LOGIN_URL = "/console/login";
  const ROLE_LABELS = { staff: "坐席", editor: "知识编辑", admin: "管理员" };

  // ---------------------------------------------------------------- DOM

  function $(sel, root) { return (root || document).querySelector(sel); }

  /** Build an element. Strings/numbers among children become text nodes (never parsed as HTML). */
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const [key, value] of Object.entries(attrs)) {
        if (value === undefined || value === null || value === false) continue;
        if (key === "class") node.className = value;
        else if (key === "text") node.textContent = String(value);
        else if (key === "dataset") Object.assign(node.dataset, value);
        else node.setAttribute(key, value === true ? "" : String(value));
      }
    }
    appendAll(node, children);
    return node;
  }

  function appendAll(node, children) {
    if (children === undefined || children === null) return;
    if (!Array.isArray(children)) children = [children];
    for (const child of children) {
      if (child === undefined || child === null || child === false) continue;
      node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  // ---------------------------------------------------------------- text and times

  function str(value) { return value === undefined || value === null ? "" : String(value); }

  function truncate(text, max) {
    const s = str(text);
    return s.length > max ? s.slice(0, max) + "…" : s;
  }

  function pad2(n) { return n < 10 ? "0" + n : String(n); }

  /** Parse an ISO time; a value without an offset is taken as UTC (the store keeps UTC). */
  function parseTime(iso) {
    if (!iso) return null;
    let s = String(iso);
    if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) s = s.replace(" ", "T") + "Z";
    const d = new Date(s);
    return isNaN(d.getTime()) ? null : d;
  }

  /** Local time: HH:MM:SS today, MM-DD HH:MM:SS on other days, YYYY-MM-DD HH:MM withDate. */
  function formatTime(iso, withDate) {
    const d = parseTime(iso);
    if (!d) return iso ? String(iso) : "";
    const hms = pad2(d.getHours()) + ":" + pad2(d.getMinutes()) + ":" + pad2(d.getSeconds());
    const now = new Date();
    const sameDay = d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate();
    if (withDate) {
      return d.getFullYear() + "-" + pad2(d.getMonth() + 1) + "-" + pad2(d.getDate()) + " " + pad2(d.getHours()) + ":" + pad2(d.getMinutes());
    }
    return sameDay ? hms : pad2(d.getMonth() + 1) + "-" + pad2(d.getDate()) + " " + hms;
  }

  /** Local time in full: YYYY-MM-DD HH:MM:SS. */
  function formatDateTime(iso) {
    const d = parseTime(iso);
    if (!d) return str(iso);
    return d.getFullYear() + "-" + pad2(d.getMonth() + 1) + "-" + pad2(d.getDate()) + " " +
      pad2(d.getHours()) + ":" + pad2(d.getMinutes()) + ":" + pad2(d.getSeconds());
  }

  // ---------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(status, detail, problems) {
      super(detail);
      this.status = status;
      this.detail = detail;
      this.problems = Array.isArray(problems) ? problems : [];
    }
  }

  async function readJson(res) {
    const text = await res.text();
    if (!text) return null;
    try { return JSON.parse(text); } catch (e) { return null; }
  }

  function goLogin() {
    if (location.pathname !== LOGIN_URL) location.href = LOGIN_URL;
  }

  /**
   * A client for the desk's JSON API. Any 401 sends the browser to the login page.
   * options.statusTexts: the message for an HTTP status whose answer names no detail ({403: "…"});
   * options.failedText: the start of the message for any other such status (default "操作失败").
   */
  function createClient(options) {
    const statusTexts = (options && options.statusTexts) || {};
    const failedText = (options && options.failedText) || "操作失败";

    function detailText(data, status) {
      const detail = data && data.detail;
      if (typeof detail === "string" && detail) return detail;
      if (Array.isArray(detail)) {
        const parts = detail.map((d) => (d && typeof d.msg === "string" ? d.msg : "")).filter(Boolean);
        if (parts.length) return "请求有误：" + parts.join("；");
      }
      if (status === 0) return "网络连接失败，请稍后重试";
      if (statusTexts[status]) return statusTexts[status];
      return failedText + "（" + status + "）";
    }

    async function request(path, opts) {
      let res;
      try {
        res = await fetch(path, Object.assign({ credentials: "same-origin" }, opts));
      } catch (e) {
        throw new ApiError(0, detailText(null, 0));
      }
      const data = await readJson(res);
      if (res.status === 401) {
        goLogin();
        throw new ApiError(401, detailText(data, 401));
      }
      if (!res.ok) throw new ApiError(res.status, detailText(data, res.status), data && data.problems);
      return data;
    }

    /** JSON API call: a JSON body (default {}) for any method but GET and DELETE. */
    function api(method, path, body) {
      const opts = { method: method, headers: { "Accept": "application/json" } };
      if (method !== "GET" && method !== "DELETE") {
        opts.headers["Content-Type"] = "application/json";
        opts.body = JSON.stringify(body === undefined ? {} : body);
      }
      return request(path, opts);
    }

    return { detailText: detailText, request: request, api: api };
  }

  // ---------------------------------------------------------------- feedback

  /** A toast(message, kind) for the page's #toast; it hides after errorMs (kind "error") or otherMs. */
  function createToast(errorMs, otherMs) {
    let timer = null;
    return function toast(message, kind) {
      const box = $("#toast");
      if (!box) return;
      box.textContent = String(message);
      box.className = "toast" + (kind ? " toast-" + kind : "");
      box.hidden = false;
      clearTimeout(timer);
      timer = setTimeout(() => { box.hidden = true; }, kind === "error" ? errorMs : otherMs);
    };
  }

  /** Disable a button while an async action runs. */
  async function busy(button, fn) {
    if (button) button.disabled = true;
    try { return await fn(); } finally { if (button) button.disabled = false; }
  }

  // ---------------------------------------------------------------- top bar

  function isEditor(me) { return Boolean(me) && (me.role === "editor" || me.role === "admin"); }

  /** The signed-in staff member in the top bar (#me-name, #me-role). */
  function showMe(me) {
    $("#me-name").textContent = me.display_name || me.username || "";
    $("#me-role").textContent = ROLE_LABELS[me.role] || me.role || "";
  }

  /** #logout signs out (through client.api) and goes to the login page, even when the call fails. */
  function wireLogout(client) {
    $("#logout").addEventListener("click", async () => {
      try { await client.api("POST", "/api/logout"); } catch (e) { /* leave anyway */ }
      location.href = LOGIN_URL;
    });
  }

  // ---------------------------------------------------------------- live socket

  /**
   * The /ws/console socket, reconnecting with a doubling back-off, its state shown in #conn-status.
   * options: downText (#conn-status while down), maxBackoffMs, onFrame(frame) for each JSON object
   * frame, onUp() once connected, onDown() when it drops. Returns {up, setConn(up), connect()}.
   */
  function createSocket(options) {
    const socket = { up: false, ws: null, backoff: 1000, timer: null, setConn: setConn, connect: connect };

    function setConn(up) {
      const c = $("#conn-status");
      c.textContent = up ? "实时连接" : options.downText;
      c.classList.toggle("conn-up", up);
      c.classList.toggle("conn-down", !up);
    }

    function connect() {
      socket.timer = null;
      const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/console";
      let ws;
      try {
        ws = new WebSocket(url);
      } catch (e) {
        down();
        return;
      }
      socket.ws = ws;
      ws.onopen = () => {
        if (socket.ws !== ws) return;
        socket.up = true;
        socket.backoff = 1000;
        setConn(true);
        if (options.onUp) options.onUp();
      };
      ws.onmessage = (event) => {
        let frame;
        try { frame = JSON.parse(event.data); } catch (e) { return; }
        if (frame && typeof frame === "object") options.onFrame(frame);
      };
      ws.onclose = () => {
        if (socket.ws !== ws) return;
        socket.ws = null;
        down();
      };
      ws.onerror = () => { /* onclose follows */ };
    }

    function down() {
      socket.up = false;
      setConn(false);
      if (options.onDown) options.onDown();
      if (socket.timer) return;
      const delay = socket.backoff;
      socket.backoff = Math.min(socket.backoff * 2, options.maxBackoffMs);
      socket.timer = setTimeout(connect, delay);
    }

    return socket;
  }

  // ---------------------------------------------------------------- start

  /** Run fn once the DOM is ready. */
  function onReady(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  }

  window.DaofuConsole = Object.freeze({
    LOGIN_URL: LOGIN_URL,
    ROLE_LABELS: ROLE_LABELS,
    $: $,
    el: el,
    appendAll: appendAll,
    str: str,
    truncate: truncate,
    pad2: pad2,
    parseTime: parseTime,
    formatTime: formatTime,
    formatDateTime: formatDateTime,
    ApiError: ApiError,
    readJson: readJson,
    goLogin: goLogin,
    createClient: createClient,
    createToast: createToast,
    busy: busy,
    isEditor: isEditor,
    showMe: showMe,
    wireLogout: wireLogout,
    createSocket: createSocket,
    onReady: onReady,
  });
})();
