/* 导服 · 人工坐席台 (staff console).
 * Plain JavaScript, no framework: an ES module bundled by esbuild (desk/frontend/build.mjs).
 *
 * Serves both pages: <body data-page="login"> and <body data-page="console">.
 * SECURITY: every text that comes from users, the bot, the knowledge base or staff is set with
 * textContent / createTextNode (through el()). No HTML string is ever parsed from data:
 * this file builds every node with createElement.
 */
import { cardSummaries } from '../shared/cards.js';
import { $, appendAll, el, formatTime, onReady, pad2, truncate } from '../shared/dom.js';
import './appointments.js'; // 大厅预约: each day's list per location, the admins' location settings
import './canned_replies.js'; // 快捷回复: "/" or Ctrl+K in the reply box, and their management
import './demand_intake.js'; // 登记诉求 from a chat or a phone call (its own buttons and dialog)
import { ROLE_LABELS, busy, consoleSocket, createClient, createToast, goLogin, isEditor, readJson, showMe, wireLogout } from './common.js';
import { createRemoteHelpPanel } from './remote_help.js';

const CONSOLE_URL = "/console";
const POLL_MS = 5000;          // queue polling while the socket is down
const BACKGROUND_MS = 30000;   // light refresh while the socket is up (overdue flags)

const KIND_LABELS = { item: "事项", policy: "政策" };
const SENDER_LABELS = { user: "用户", bot: "机器人", staff: "坐席", system: "系统" };

// ---------------------------------------------------------------- helpers (the rest: common.js)

const client = createClient();
const api = client.api;
const detailText = client.detailText;
const toast = createToast(5000, 3000);
const remoteHelp = createRemoteHelpPanel({ api, toast, errorToast: (err) => errorToast(err) }); // 远程帮办

function mmss(seconds) {
  const s = Math.max(0, Math.floor(Number(seconds) || 0));
  return pad2(Math.floor(s / 60)) + ":" + pad2(s % 60);
}

function errorToast(err) {
  if (err && err.status === 401) return;  // already leaving for the login page
  toast(err && err.detail ? err.detail : String(err && err.message ? err.message : err), "error");
}

// ---------------------------------------------------------------- login page

function initLogin() {
  const form = $("#login-form");
  const user = $("#login-username");
  const pass = $("#login-password");
  const submit = $("#login-submit");
  const error = $("#login-error");

  function showError(text) {
    error.textContent = text;
    error.hidden = false;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    const username = user.value.trim();
    const password = pass.value;
    if (!username || !password) {
      showError("请输入用户名和密码");
      return;
    }
    submit.disabled = true;
    submit.textContent = "登录中…";
    try {
      const res = await fetch("/api/login", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify({ username: username, password: password }),
      });
      const data = await readJson(res);
      if (res.ok) {
        location.href = CONSOLE_URL;
        return;
      }
      showError(res.status === 401 ? detailText(data, 401) : detailText(data, res.status));
      pass.value = "";
      pass.focus();
    } catch (e) {
      showError(detailText(null, 0));
    } finally {
      submit.disabled = false;
      submit.textContent = "登录";
    }
  });
}

// ---------------------------------------------------------------- console page

const state = {
  me: null,
  queue: [],
  queueAt: 0,              // Date.now() when state.queue arrived (waited time ticks from it)
  openId: null,            // conversation id shown in #chat
  openStatus: null,
  seen: new Set(),         // message ids shown in #chat
  unread: new Set(),       // conversation ids (held by me, not open) with new user messages
  pollTimer: null,
  tab: "chats",
};

function idEq(a, b) { return a !== null && a !== undefined && b !== null && b !== undefined && String(a) === String(b); }

function isMine(item) { return state.me && idEq(item.claimed_by, state.me.id); }

// The badge's colour by queue priority (daofu_protocol.QueuePriority); its words come from the desk.
const PRIORITY_CLASSES = { 0: "prio-complaint", 1: "prio-repeat" };

function priorityInfo(item) {
  return { text: item.priority_label || "", cls: PRIORITY_CLASSES[Number(item.priority)] || "prio-other" };
}

// ----- header, tabs

function renderMe() {
  showMe(state.me);
  // Knowledge editing and analytics are for editors and admins (the API checks too).
  const editor = isEditor(state.me);
  document.querySelectorAll(".editor-only").forEach((el) => { el.hidden = !editor; });
}

function showTab(tab) {
  state.tab = tab;
  const chats = tab === "chats";
  $("#tab-chats").classList.toggle("active", chats);
  $("#tab-tickets").classList.toggle("active", !chats);
  $("#tab-chats").setAttribute("aria-selected", String(chats));
  $("#tab-tickets").setAttribute("aria-selected", String(!chats));
  $("#view-chats").hidden = !chats;
  $("#tickets").hidden = chats;
  if (!chats) loadTickets();
}

// ----- queue

function setQueue(items) {
  state.queue = Array.isArray(items) ? items : [];
  state.queueAt = Date.now();
  renderQueue();
}

async function refreshQueue() {
  try {
    setQueue(await api("GET", "/api/queue"));
  } catch (err) {
    if (err.status !== 401 && err.status !== 0) errorToast(err);
  }
}

function lastMessageText(last) {
  if (!last) return "";
  if (typeof last === "string") return last;
  if (typeof last === "object" && typeof last.text === "string") {
    const who = SENDER_LABELS[last.sender] || "";
    return (who ? who + "：" : "") + last.text;
  }
  return "";
}

function queueRow(item) {
  const waiting = item.status === "waiting";
  const mine = isMine(item);
  const prio = priorityInfo(item);
  const classes = ["queue-item", "status-" + String(item.status || "unknown").replace(/[^a-z_-]/gi, "")];
  if (item.overdue) classes.push("overdue");
  if (mine) classes.push("mine");
  if (idEq(item.conversation_id, state.openId)) classes.push("active");

  const li = el("li", { class: classes.join(" ") });
  li.dataset.handoffId = String(item.handoff_id);
  li.dataset.conversationId = String(item.conversation_id);

  const waited = el("span", { class: "waited", title: waiting ? "已等待" : "等待时长", text: mmss(item.waited_seconds) });
  waited.dataset.base = String(Number(item.waited_seconds) || 0);
  waited.dataset.tick = waiting ? "1" : "0";

  li.appendChild(el("div", { class: "qi-top" }, [
    el("span", { class: "badge " + prio.cls, text: prio.text }),
    el("span", { class: "qi-reason", title: item.reason_label || "", text: item.reason_label || item.reason || "转人工" }),
    item.overdue ? el("span", { class: "overdue-mark", title: "等待超时", text: "超时" }) : null,
    waited,
  ]));

  if (item.summary) {
    li.appendChild(el("div", { class: "qi-summary", title: item.summary, text: truncate(item.summary, 90) }));
  }
  const last = lastMessageText(item.last_message);
  if (last) li.appendChild(el("div", { class: "qi-last", title: last, text: "最新：" + truncate(last, 60) }));

  const foot = el("div", { class: "qi-foot" });
  if (waiting) {
    foot.appendChild(el("span", { class: "qi-waiting", text: "等待接入" }));
    foot.appendChild(el("button", { class: "btn btn-small btn-primary claim", type: "button", text: "接入" }));
  } else {
    const holder = mine ? "我正在接待" : (item.claimed_by_name ? item.claimed_by_name + " 接待中" : "接待中");
    foot.appendChild(el("span", { class: "qi-holder", text: holder }));
    if (mine && state.unread.has(String(item.conversation_id))) {
      foot.appendChild(el("span", { class: "unread-dot", title: "有新消息" }));
    }
    if (mine) foot.appendChild(el("button", { class: "btn btn-small open", type: "button", text: "打开" }));
  }
  li.appendChild(foot);
  return li;
}

function renderQueue() {
  const list = $("#queue-list");
  const waitingCount = state.queue.filter((i) => i.status === "waiting").length;
  const rows = state.queue.map(queueRow);
  if (!rows.length) rows.push(el("li", { class: "queue-empty", text: "暂无排队或进行中的会话" }));
  list.replaceChildren.apply(list, rows);
  $("#queue-count").textContent = "等待 " + waitingCount + " · 共 " + state.queue.length;
  document.title = (waitingCount ? "(" + waitingCount + ") " : "") + "导服 · 人工坐席台";
}

function tickWaited() {
  const elapsed = (Date.now() - state.queueAt) / 1000;
  document.querySelectorAll("#queue-list .waited").forEach((span) => {
    const base = Number(span.dataset.base) || 0;
    span.textContent = mmss(span.dataset.tick === "1" ? base + elapsed : base);
  });
}

async function claim(row, button) {
  const handoffId = row.dataset.handoffId;
  await busy(button, async () => {
    try {
      const res = await api("POST", "/api/handoffs/" + encodeURIComponent(handoffId) + "/claim");
      const convId = (res && res.conversation_id) || row.dataset.conversationId;
      await refreshQueue();
      await openConversation(convId);
    } catch (err) {
      errorToast(err);
      if (err.status === 409 || err.status === 404) refreshQueue();
    }
  });
}

// ----- socket, polling

function pollOnce() {
  refreshQueue();
  if (state.openId) refreshOpenMessages();
}

function startPolling() {
  if (state.pollTimer) return;
  state.pollTimer = setInterval(pollOnce, POLL_MS);
}

function stopPolling() {
  if (!state.pollTimer) return;
  clearInterval(state.pollTimer);
  state.pollTimer = null;
}

const socket = consoleSocket({
  downText: "重连中…（每5秒刷新）",
  onFrame: handleFrame,
  onUp: () => {
    stopPolling();
    // Catch up on whatever happened while we were away.
    refreshQueue();
    if (state.openId) refreshOpenMessages();
    remoteHelp.refresh();
  },
  onDown: startPolling,
});

function handleFrame(frame) {
  if (frame.type === "queue") {
    setQueue(frame.items);
  } else if (frame.type === "message") {
    if (!frame.message) return;
    if (idEq(frame.conversation_id, state.openId)) {
      addMessage(frame.message);
    } else if (frame.message.sender === "user") {
      const held = state.queue.some((i) => idEq(i.conversation_id, frame.conversation_id) && isMine(i));
      if (held) {
        state.unread.add(String(frame.conversation_id));
        renderQueue();
      }
    }
  } else if (frame.type === "conversation") {
    if (idEq(frame.conversation_id, state.openId)) setChatStatus(frame.status, frame.status_label);
  } else if (frame.type === "remote_help") {
    remoteHelp.onFrame(frame);
  } else if (frame.type === "live") {
    // The desks' shared event bus (Redis) is down: other desks' events do not arrive, so poll
    // as if the socket were down until it is back, then catch up once.
    if (frame.ok) {
      stopPolling();
      pollOnce();
    } else {
      startPolling();
    }
  }
}

// ----- chat panel

/** The open chat's status; `label` is the desk's word for it (status_label). */
function setChatStatus(status, label) {
  state.openStatus = status || null;
  const tag = $("#chat-status");
  tag.textContent = label || status || "";
  tag.className = "status-tag" + (status ? " st-" + String(status).replace(/[^a-z_-]/gi, "") : "");
  const closed = status === "closed";
  $("#reply-text").disabled = closed;
  $("#reply-send").disabled = closed;
  $("#reply-text").placeholder = closed ? "会话已结束，不能再回复" : "输入回复内容（Enter 发送，Shift+Enter 换行）";
}

function messageExtras(msg) {
  const extras = [];
  const payload = msg.payload && typeof msg.payload === "object" ? msg.payload : null;
  if (!payload) return extras;
  const custom = payload.custom && typeof payload.custom === "object" ? payload.custom : null;
  extras.push(...cardSummaries(custom));
  if (custom && custom.handoff && typeof custom.handoff === "object" && custom.handoff.reason_text) {
    extras.push(el("div", { class: "msg-extra msg-handoff" }, [
      el("span", { class: "label", text: "转人工" }),
      String(custom.handoff.reason_text),
    ]));
  }
  if (Array.isArray(payload.buttons) && payload.buttons.length) {
    const list = el("ul", { class: "msg-buttons" });
    for (const b of payload.buttons) {
      const title = b && typeof b === "object" ? b.title : b;
      if (title !== undefined && title !== null && title !== "") list.appendChild(el("li", { text: String(title) }));
    }
    extras.push(el("div", { class: "msg-extra msg-options" }, [el("span", { class: "label", text: "机器人提供的选项" }), list]));
  }
  return extras;
}

function messageNode(msg) {
  const sender = ["user", "bot", "staff", "system"].indexOf(msg.sender) >= 0 ? msg.sender : "system";
  let who = SENDER_LABELS[sender];
  if (sender === "staff" && msg.staff_name) who = String(msg.staff_name);
  const node = el("div", { class: "msg msg-" + sender }, [
    el("div", { class: "msg-head" }, [
      el("span", { class: "msg-sender", text: who }),
      el("time", { class: "msg-time", datetime: msg.created_at || "", text: formatTime(msg.created_at) }),
    ]),
    el("div", { class: "msg-body", text: msg.text == null ? "" : String(msg.text) }),
  ]);
  appendAll(node, messageExtras(msg));
  node.dataset.messageId = String(msg.id);
  return node;
}

/** Insert a message in id order unless already shown. */
function addMessage(msg, forceScroll) {
  if (!msg || msg.id === undefined || msg.id === null) return;
  const key = String(msg.id);
  if (state.seen.has(key)) return;
  state.seen.add(key);
  const box = $("#messages");
  const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  const node = messageNode(msg);
  const id = Number(msg.id);
  let before = null;
  if (!isNaN(id)) {
    for (let child = box.lastElementChild; child; child = child.previousElementSibling) {
      const cid = Number(child.dataset.messageId);
      if (isNaN(cid) || cid < id) break;
      before = child;
    }
  }
  box.insertBefore(node, before);
  if (forceScroll || nearBottom) box.scrollTop = box.scrollHeight;
}

function renderFindings(handoff) {
  const box = $("#bot-findings");
  if (!handoff) {
    box.replaceChildren(el("p", { class: "muted", text: "该会话没有转人工记录。" }));
    return;
  }
  const nodes = [
    el("p", null, [el("span", { class: "f-label", text: "转人工原因：" }),
      el("span", { class: "f-reason", text: handoff.reason_label || handoff.reason || "" })]),
  ];
  if (handoff.claimed_by_name) {
    nodes.push(el("p", null, [el("span", { class: "f-label", text: "接待人：" }), String(handoff.claimed_by_name)]));
  }
  nodes.push(el("p", { class: "f-label", text: "对话摘要" }));
  nodes.push(el("div", { class: "f-summary", text: handoff.summary || "（无摘要）" }));
  nodes.push(el("p", { class: "f-label", text: "机器人找到的候选" }));
  const cands = Array.isArray(handoff.candidates) ? handoff.candidates : [];
  if (!cands.length) {
    nodes.push(el("p", { class: "muted", text: "机器人没有找到候选答案。" }));
  } else {
    const list = el("ul", { class: "candidates" });
    for (const c of cands) {
      if (!c || typeof c !== "object") continue;
      const score = Number(c.score);
      list.appendChild(el("li", { class: "candidate" }, [
        el("span", { class: "kind-tag kind-" + (c.kind === "policy" ? "policy" : "item"), text: KIND_LABELS[c.kind] || c.kind || "—" }),
        el("span", { class: "c-title", text: c.title || c.id || "" }),
        el("span", { class: "c-score", title: "相关度", text: c.score === undefined || c.score === null || isNaN(score) ? "" : score.toFixed(2) }),
      ]));
    }
    nodes.push(list);
  }
  box.replaceChildren.apply(box, nodes);
}

async function openConversation(convId) {
  if (!convId) return;
  const id = String(convId);
  const switching = !idEq(id, state.openId);
  let data;
  try {
    data = await api("GET", "/api/conversations/" + encodeURIComponent(id));
  } catch (err) {
    errorToast(err);
    return;
  }
  if (switching) {
    state.openId = id;
    state.seen = new Set();
    $("#messages").replaceChildren();
    $("#reply-text").value = "";
  }
  state.unread.delete(id);
  const conv = (data && data.conversation) || { id: id };
  $("#chat-id").textContent = truncate(conv.id || id, 12);
  $("#chat-id").title = String(conv.id || id);
  $("#chat-meta").textContent = conv.created_at ? "开始于 " + formatTime(conv.created_at) : "";
  setChatStatus(conv.status, conv.status_label);
  for (const msg of (data && Array.isArray(data.messages) ? data.messages : [])) addMessage(msg, true);
  renderFindings(data ? data.handoff : null);
  remoteHelp.open(id);
  $("#chat-empty").hidden = true;
  $("#chat").hidden = false;
  $("#messages").scrollTop = $("#messages").scrollHeight;
  renderQueue();
  loadStaff();
  if (!$("#reply-text").disabled) $("#reply-text").focus();
}

/** Merge messages of the open chat (after a reconnect, or while polling). */
async function refreshOpenMessages() {
  const id = state.openId;
  if (!id) return;
  try {
    const data = await api("GET", "/api/conversations/" + encodeURIComponent(id));
    if (!idEq(id, state.openId)) return;
    for (const msg of (data && Array.isArray(data.messages) ? data.messages : [])) addMessage(msg);
    if (data && data.conversation) setChatStatus(data.conversation.status, data.conversation.status_label);
  } catch (err) { /* polling: stay quiet */ }
}

function closeChat() {
  remoteHelp.close();
  state.openId = null;
  state.openStatus = null;
  state.seen = new Set();
  $("#chat").hidden = true;
  $("#chat-empty").hidden = false;
  $("#messages").replaceChildren();
  $("#reply-text").value = "";
  $("#bot-findings").replaceChildren(el("p", { class: "muted", text: "打开会话后显示转人工原因、摘要和机器人找到的候选。" }));
  renderQueue();
}

async function sendReply() {
  const id = state.openId;
  const box = $("#reply-text");
  const text = box.value.trim();
  if (!id || box.disabled) return;
  if (!text) { toast("请输入回复内容", "error"); return; }
  await busy($("#reply-send"), async () => {
    try {
      const msg = await api("POST", "/api/conversations/" + encodeURIComponent(id) + "/reply", { text: text });
      if (box.value.trim() === text) box.value = "";
      if (idEq(id, state.openId) && msg) addMessage(msg, true);
    } catch (err) {
      errorToast(err);
    }
  });
  box.focus();
}

async function loadStaff() {
  const select = $("#transfer-select");
  let staff;
  try {
    staff = await api("GET", "/api/staff");
  } catch (err) {
    return;
  }
  const keep = select.value;
  const options = [el("option", { value: "", text: "选择同事…" })];
  for (const s of Array.isArray(staff) ? staff : []) {
    if (!s || (state.me && idEq(s.id, state.me.id))) continue;
    const label = (s.display_name || "") + (ROLE_LABELS[s.role] ? "（" + ROLE_LABELS[s.role] + "）" : "") + (s.online ? "" : " · 离线");
    options.push(el("option", { value: String(s.id), text: label }));
  }
  select.replaceChildren.apply(select, options);
  if (keep && Array.from(select.options).some((o) => o.value === keep)) select.value = keep;
}

async function chatAction(button, action, body, okText) {
  const id = state.openId;
  if (!id) return;
  await busy(button, async () => {
    try {
      await api("POST", "/api/conversations/" + encodeURIComponent(id) + "/" + action, body);
      toast(okText, "ok");
      if (idEq(id, state.openId)) closeChat();
      refreshQueue();
    } catch (err) {
      errorToast(err);
    }
  });
}

// ----- knowledge search

async function searchKnowledge() {
  const q = $("#kb-query").value.trim();
  const kind = $("#kb-kind").value;
  const results = $("#kb-results");
  if (!q) { toast("请输入检索关键词", "error"); return; }
  const params = new URLSearchParams({ q: q });
  if (kind) params.set("kind", kind);
  await busy($("#kb-search"), async () => {
    let hits;
    try {
      hits = await api("GET", "/api/knowledge/search?" + params.toString());
    } catch (err) {
      errorToast(err);
      return;
    }
    hits = Array.isArray(hits) ? hits : [];
    if (!hits.length) {
      results.replaceChildren(el("p", { class: "kb-empty", text: "没有找到相关内容。" }));
      return;
    }
    results.replaceChildren.apply(results, hits.map(kbResult));
  });
}

function kbResult(hit) {
  const meta = hit.kind === "policy"
    ? [hit.issuer, hit.doc_number].filter(Boolean).map(String).join(" · ")
    : [hit.department, hit.issuer, hit.doc_number].filter(Boolean).map(String).join(" · ");
  const node = el("div", { class: "kb-result" }, [
    el("div", { class: "kb-head" }, [
      el("span", { class: "kind-tag kind-" + (hit.kind === "policy" ? "policy" : "item"), text: KIND_LABELS[hit.kind] || hit.kind || "—" }),
      el("span", { class: "kb-title", text: hit.title || "" }),
    ]),
    meta ? el("div", { class: "kb-meta", text: meta }) : null,
    hit.insert_text ? el("div", { class: "kb-preview", title: String(hit.insert_text), text: truncate(hit.insert_text, 140) }) : null,
    el("div", { class: "kb-foot" }, [el("button", { class: "btn btn-small kb-insert", type: "button", text: "插入" })]),
  ]);
  if (hit.id !== undefined && hit.id !== null) node.dataset.id = String(hit.id);
  node.querySelector(".kb-insert").addEventListener("click", () => insertReply(hit.insert_text || ""));
  return node;
}

function insertReply(text) {
  const box = $("#reply-text");
  const addition = String(text);
  if (!addition) return;
  const current = box.value;
  box.value = current && !/\n$/.test(current) ? current + "\n" + addition : current + addition;
  if (!$("#chat").hidden && !box.disabled) {
    box.focus();
    box.selectionStart = box.selectionEnd = box.value.length;
    box.scrollTop = box.scrollHeight;
  } else {
    toast("已插入回复框，打开会话后可发送");
  }
}

// ----- tickets

async function loadTickets() {
  const status = $("#ticket-status").value || "open";
  const list = $("#ticket-list");
  let tickets;
  try {
    tickets = await api("GET", "/api/tickets?" + new URLSearchParams({ status: status }).toString());
  } catch (err) {
    errorToast(err);
    return;
  }
  if (($("#ticket-status").value || "open") !== status) return;  // filter changed meanwhile
  tickets = Array.isArray(tickets) ? tickets : [];
  if (!tickets.length) {
    const filter = $("#ticket-status").selectedOptions[0];  // the page's own words for the status asked for
    list.replaceChildren(el("p", { class: "ticket-empty", text: "没有" + (filter ? filter.textContent : "") + "的留言。" }));
    return;
  }
  list.replaceChildren.apply(list, tickets.map(ticketNode));
}

function ticketNode(t) {
  const node = el("div", { class: "ticket status-" + String(t.status || "").replace(/[^a-z_-]/gi, "") });
  node.dataset.ticketId = String(t.id);
  node.appendChild(el("div", { class: "ticket-head" }, [
    el("span", { class: "ticket-no", text: t.tracking_number || "" }),
    el("span", { class: "status-tag", text: t.status_label || t.status || "" }),
    el("time", { class: "ticket-time", datetime: t.created_at || "", text: formatTime(t.created_at, true) }),
  ]));
  node.appendChild(el("div", { class: "ticket-question", text: t.question || "" }));
  node.appendChild(el("div", { class: "ticket-contact" }, [el("span", { class: "f-label", text: "联系方式：" }), t.contact ? String(t.contact) : "（未留）"]));
  if (t.answer) node.appendChild(el("div", { class: "ticket-prev" }, [el("span", { class: "f-label", text: "已回复：" }), String(t.answer)]));
  if (t.status !== "closed") {
    const area = el("textarea", { class: "ticket-answer", rows: "3", placeholder: t.answer ? "修改回复内容…" : "填写回复内容，用户可凭查询号查看", "aria-label": "回复内容" });
    node.appendChild(area);
    node.appendChild(el("div", { class: "ticket-actions" }, [
      el("button", { class: "btn btn-small ticket-close", type: "button", text: "关闭" }),
      el("button", { class: "btn btn-small btn-primary ticket-send", type: "button", text: t.answer ? "更新回复" : "回复" }),
    ]));
  }
  return node;
}

async function ticketAction(node, button, action) {
  const id = node.dataset.ticketId;
  let body;
  if (action === "answer") {
    const answer = node.querySelector(".ticket-answer").value.trim();
    if (!answer) { toast("请填写回复内容", "error"); return; }
    body = { answer: answer };
  }
  await busy(button, async () => {
    try {
      await api("POST", "/api/tickets/" + encodeURIComponent(id) + "/" + action, body);
      toast(action === "answer" ? "已回复，用户可凭查询号查看" : "留言已关闭", "ok");
      loadTickets();
    } catch (err) {
      errorToast(err);
    }
  });
}

// ----- wiring

function wireConsole() {
  wireLogout(client);
  $("#tab-chats").addEventListener("click", () => showTab("chats"));
  $("#tab-tickets").addEventListener("click", () => showTab("tickets"));

  $("#queue-refresh").addEventListener("click", (e) => busy(e.currentTarget, refreshQueue));
  $("#queue-list").addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    const row = button.closest(".queue-item");
    if (!row) return;
    if (button.classList.contains("claim")) claim(row, button);
    else if (button.classList.contains("open")) openConversation(row.dataset.conversationId);
  });

  $("#chat-close").addEventListener("click", closeChat);
  $("#reply-send").addEventListener("click", sendReply);
  $("#reply-text").addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.shiftKey) return;
    if (event.isComposing || event.keyCode === 229) return;  // IME (拼音) candidate selection
    event.preventDefault();
    sendReply();
  });

  $("#transfer").addEventListener("click", (e) => {
    const staffId = $("#transfer-select").value;
    if (!staffId) { toast("请先选择要转给的同事", "error"); return; }
    const option = $("#transfer-select").selectedOptions[0];
    const name = option ? option.textContent.replace(/（.*$|\s·.*$/, "") : "同事";
    const numeric = Number(staffId);
    chatAction(e.currentTarget, "transfer", { staff_id: isNaN(numeric) ? staffId : numeric }, "已转给 " + name);
  });
  $("#resolve").addEventListener("click", (e) => chatAction(e.currentTarget, "resolve", undefined, "会话已结束，已请用户评价"));
  $("#handback").addEventListener("click", (e) => chatAction(e.currentTarget, "handback", undefined, "已交还机器人"));

  $("#kb-form").addEventListener("submit", (event) => { event.preventDefault(); searchKnowledge(); });

  $("#ticket-status").addEventListener("change", loadTickets);
  $("#ticket-refresh").addEventListener("click", (e) => busy(e.currentTarget, loadTickets));
  $("#ticket-list").addEventListener("click", (event) => {
    const button = event.target.closest("button");
    const node = button && button.closest(".ticket");
    if (!node) return;
    if (button.classList.contains("ticket-send")) ticketAction(node, button, "answer");
    else if (button.classList.contains("ticket-close")) ticketAction(node, button, "close");
  });
}

async function initConsole() {
  try {
    state.me = await api("GET", "/api/me");
  } catch (err) {
    if (err.status !== 401) toast("无法获取登录信息：" + err.detail, "error");
    return;
  }
  if (!state.me) { goLogin(); return; }
  renderMe();
  wireConsole();
  socket.setConn(false);
  renderQueue();
  await refreshQueue();
  socket.connect();
  setInterval(tickWaited, 1000);
  setInterval(() => { if (socket.up) refreshQueue(); }, BACKGROUND_MS);
}

function start() {
  const page = document.body && document.body.dataset.page;
  if (page === "login") initLogin();
  else if (page === "console") initConsole();
}

onReady(start);
