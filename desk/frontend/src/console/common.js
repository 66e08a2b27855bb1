/* 导服 · what the staff pages (console.js, knowledge.js, analytics.js) share: the API client, toasts,
 * the signed-in account in the top bar, the /ws/console socket with its state in #conn-status.
 */
import { $ } from '../shared/dom.js';
import { createSocket } from '../shared/socket.js';

export const LOGIN_URL = '/console/login';
export const ROLE_LABELS = { staff: '坐席', editor: '知识编辑', admin: '管理员' };

// ---------------------------------------------------------------- API

export class ApiError extends Error {
  constructor(status, detail, problems) {
    super(detail);
    this.status = status;
    this.detail = detail;
    this.problems = Array.isArray(problems) ? problems : [];
  }
}

export async function readJson(res) {
  const text = await res.text();
  if (!text) return null;
  try { return JSON.parse(text); } catch (e) { return null; }
}

export function goLogin() {
  if (location.pathname !== LOGIN_URL) location.href = LOGIN_URL;
}

/**
 * A client for the desk's JSON API. Any 401 sends the browser to the login page.
 * options.statusTexts: the message for an HTTP status whose answer names no detail ({403: "…"});
 * options.failedText: the start of the message for any other such status (default "操作失败").
 */
export function createClient(options) {
  const statusTexts = (options && options.statusTexts) || {};
  const failedText = (options && options.failedText) || '操作失败';

  function detailText(data, status) {
    const detail = data && data.detail;
    if (typeof detail === 'string' && detail) return detail;
    if (Array.isArray(detail)) {
      const parts = detail.map((d) => (d && typeof d.msg === 'string' ? d.msg : '')).filter(Boolean);
      if (parts.length) return '请求有误：' + parts.join('；');
    }
    if (status === 0) return '网络连接失败，请稍后重试';
    if (statusTexts[status]) return statusTexts[status];
    return failedText + '（' + status + '）';
  }

  async function request(path, opts) {
    let res;
    try {
      res = await fetch(path, Object.assign({ credentials: 'same-origin' }, opts));
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
    const opts = { method: method, headers: { 'Accept': 'application/json' } };
    if (method !== 'GET' && method !== 'DELETE') {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body === undefined ? {} : body);
    }
    return request(path, opts);
  }

  return { detailText: detailText, request: request, api: api };
}

// ---------------------------------------------------------------- feedback

/** A toast(message, kind) for the page's #toast; it hides after errorMs (kind "error") or otherMs. */
export function createToast(errorMs, otherMs) {
  let timer = null;
  return function toast(message, kind) {
    const box = $('#toast');
    if (!box) return;
    box.textContent = String(message);
    box.className = 'toast' + (kind ? ' toast-' + kind : '');
    box.hidden = false;
    clearTimeout(timer);
    timer = setTimeout(() => { box.hidden = true; }, kind === 'error' ? errorMs : otherMs);
  };
}

/** Disable a button while an async action runs. */
export async function busy(button, fn) {
  if (button) button.disabled = true;
  try { return await fn(); } finally { if (button) button.disabled = false; }
}

// ---------------------------------------------------------------- top bar

export function isEditor(me) { return Boolean(me) && (me.role === 'editor' || me.role === 'admin'); }

/** The signed-in staff member in the top bar (#me-name, #me-role). */
export function showMe(me) {
  $('#me-name').textContent = me.display_name || me.username || '';
  $('#me-role').textContent = ROLE_LABELS[me.role] || me.role || '';
}

/** #logout signs out (through client.api) and goes to the login page, even when the call fails. */
export function wireLogout(client) {
  $('#logout').addEventListener('click', async () => {
    try { await client.api('POST', '/api/logout'); } catch (e) { /* leave anyway */ }
    location.href = LOGIN_URL;
  });
}

// ---------------------------------------------------------------- live socket

/**
 * The /ws/console socket (shared/socket.js), its state shown in #conn-status.
 * options: downText (#conn-status while down), onFrame(frame) for each JSON object frame, onUp()
 * once connected, onDown() when it drops. Returns {up, setConn(up), connect()}.
 */
export function consoleSocket(options) {
  function setConn(up) {
    const c = $('#conn-status');
    c.textContent = up ? '实时连接' : options.downText;
    c.classList.toggle('conn-up', up);
    c.classList.toggle('conn-down', !up);
  }

  const socket = createSocket({
    url: () => (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws/console',
    onFrame: options.onFrame,
    onOpen() {
      setConn(true);
      if (options.onUp) options.onUp();
    },
    onDown() {
      setConn(false);
      if (options.onDown) options.onDown();
    },
  });

  return {
    get up() { return socket.up; },
    setConn: setConn,
    connect: () => socket.connect(),
  };
}
