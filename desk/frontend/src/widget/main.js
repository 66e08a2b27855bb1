/*
 * daofu (导服) chat widget: one <script src="…/widget.js" defer></script> tag adds a launcher and
 * a chat panel to any page. Contract: desk/PROTOCOL.md, section "Widget".
 *
 * Everything lives in a Shadow DOM under #daofu-widget so page CSS and widget CSS cannot touch each
 * other. All text that comes from users, the bot, the knowledge base or staff is data: it is set
 * with textContent / text nodes only, never parsed as HTML.
 *
 * Parts: store.js (local storage), transport.js (the socket), view.js (the DOM); this file holds the
 * conversation's state and answers the desk's frames. Built into desk/static/widget.js by esbuild
 * (desk/frontend/build.mjs, `make frontend`).
 */
import { charCount, el, str, timeLabel } from '../shared/dom.js';
import { createBooking } from './appointment.js';
import * as demand from './demand.js';
import { createRemoteHelp } from './remote_help.js';
import { createStore, uuid } from './store.js';
import { createTransport } from './transport.js';
import * as view from './view.js';

(() => {
  'use strict';

  // document.currentScript is only set while this file is being executed, so take it first.
  const SCRIPT = document.currentScript || document.querySelector('script[src*="widget.js"]');

  // A page that includes the tag twice must still get one widget.
  if (window.daofuWidget || document.getElementById('daofu-widget')) return;

  const ORIGIN = scriptOrigin(SCRIPT);
  const TYPING_MS = 15000;
  // What the desk decides; these defaults hold until its welcome frame says otherwise.
  const limits = { maxMessageChars: 2000, catalog: '广东省政务服务事项目录' };
  // The counter only appears when the limit gets close.
  const counterFrom = () => Math.floor(limits.maxMessageChars * 0.75);

  function scriptOrigin(script) {
    try {
      if (script && script.src) return new URL(script.src, location.href).origin;
    } catch (e) { /* fall through */ }
    return location.origin;
  }

  const store = createStore();

  // ---------------------------------------------------------------- static UI

  const { host, shadow } = view.createHost();
  const ui = view.buildPanel({
    toggle: () => (isOpen() ? closePanel() : openPanel()),
    close: () => closePanel(),
    handoff: () => requestHandoff(),
    end: () => endConversation(),
    submit: () => submitInput(),
    lookup: () => lookupTicket(ui.lookupInput.value),
    track: () => appendLocal(demand.trackForm(lastDemandNumber(), lookupDemand)),
  });
  const { root, launcher, panel, list, input, queueLine, handoffBtn } = ui;
  shadow.append(root);
  // On-site appointments (在线预约): the booking button on item answers and its cards (appointment.js).
  const booking = createBooking({ origin: ORIGIN, shadow, append: (node) => appendLocal(node) });
  // Remote help (远程帮办): its card sits above the conversation (remote_help.js).
  const remoteHelp = createRemoteHelp({ origin: ORIGIN, store, shadow, mount: ui.panel, before: ui.body,
    notify: (text) => addSystemLine(text) });

  function mount() {
    document.body.appendChild(host);
  }
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount, { once: true });

  // ---------------------------------------------------------------- state

  let typingTimer = 0;
  // The highest message id shown on this page. A fresh page has none, so its first hello asks
  // for the whole conversation (after = 0); reconnections ask only for what was missed.
  let pageAfter = 0;
  let shownConversation = null;   // the conversation whose messages are in the list
  let convStatus = 'bot';
  let lastStaffName = '';
  // The desk takes ratings only of chats a person served (one each): ask only then.
  let personServed = false;
  let lastUserText = '';
  let unread = 0;
  let ratingForm = null;          // the open (not yet submitted) rating form, if any
  let leaveForm = null;           // the open leave-a-message form (demand.js demandForm), if any
  let leaveClientId = null;       // the client_id its leave_message frame carries
  let leaveLast4 = '';            // its phone's last 4 digits, to look the demand up later
  const seenIds = new Set();      // message ids already on screen (dedupe)
  const bubbles = new Map();      // client_id → the user's bubble

  const transport = createTransport({
    origin: ORIGIN,
    store,
    after: () => pageAfter,
    onFrame: handleFrame,
    onConnecting: () => setConn('connecting'),
    onDown: () => hideTyping(),
  });

  const isOpen = () => !panel.hidden;

  // ---------------------------------------------------------------- panel

  function openPanel() {
    panel.hidden = false;
    root.classList.add('daofu-open');
    launcher.setAttribute('aria-expanded', 'true');
    setUnread(0);
    transport.ensureStarted();
    scrollToEnd();
    // Don't pop the phone keyboard over the conversation; focus only where there is room.
    if (window.matchMedia && !window.matchMedia('(max-width: 520px)').matches) input.focus();
  }

  function closePanel() {
    panel.hidden = true;
    root.classList.remove('daofu-open');
    launcher.setAttribute('aria-expanded', 'false');
  }

  panel.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { closePanel(); launcher.focus(); }
  });

  function setUnread(n) {
    unread = n;
    ui.badge.hidden = n === 0;
    ui.badge.textContent = n > 99 ? '99+' : String(n);
  }

  function scrollToEnd() {
    // After layout, so that cards and images of text have their height.
    requestAnimationFrame(() => { ui.body.scrollTop = ui.body.scrollHeight; });
  }

  function setConn(state) {
    ui.connStatus.dataset.state = state;
    ui.connStatus.textContent = state === 'open' ? '在线' : state === 'connecting' ? '连接中…' : '未连接';
  }
  setConn('idle');

  list.appendChild(view.intro());

  // ---------------------------------------------------------------- frames

  function handleFrame(f) {
    switch (f.type) {
      case 'welcome': onWelcome(f); break;
      case 'ack': onAck(f); break;
      case 'message': if (f.message) onServerMessage(f.message, true); break;
      case 'status': applyStatus(f.status, f.queue, f.staff_name); break;
      case 'leave_message_form':
        // The handoff was answered with "not now".
        store.removePending((p) => p.type === 'handoff');
        showLeaveForm(f.reason);
        break;
      case 'ticket':
        store.removePending((p) => p.type === 'leave_message');
        showTicket(f);
        break;
      case 'demand': onDemandFrame(f.demand); break;
      case 'rate_request': personServed = true; showRating(); break;
      case 'rated': onRated(); break;
      case 'remote_help': remoteHelp.show(f.help); break;
      // 惠企政策 (PROTOCOL.md): the saved profile's token, a token the desk no longer knows, a
      // 免申即享 notice ("您已符合…，无需申请").
      case 'policy_profile_saved':
        if (typeof f.token === 'string' && f.token) { store.data.profile_token = f.token; store.save(); }
        break;
      case 'policy_profile_unknown': store.data.profile_token = null; store.save(); break;
      case 'notice': if (str(f.text)) addSystemLine(str(f.text)); break;
      case 'error': onError(f); break;
      default: break; // pong and anything newer
    }
  }

  function onWelcome(f) {
    applyLimits(f.limits, f.catalog);
    const cid = typeof f.conversation_id === 'string' ? f.conversation_id : null;
    // A different conversation (the old one expired or is unknown): its messages no longer apply.
    if (shownConversation && cid !== shownConversation) resetConversationView();
    shownConversation = cid;
    store.data.conversation_id = cid;
    // Sent only when the desk started a new conversation; a resumed one keeps its token.
    if (typeof f.resume_token === 'string' && f.resume_token) store.data.resume_token = f.resume_token;
    const messages = (Array.isArray(f.messages) ? f.messages : [])
      .filter((m) => m && Number.isInteger(m.id))
      .sort((a, b) => a.id - b.id);
    for (const m of messages) onServerMessage(m, false);
    store.save();
    transport.welcomed();
    remoteHelp.refresh(); // a reconnection shows the help as it is now
    setConn('open');
    applyService(f.service);
    applyStatus(f.status, f.queue, null);
    refreshButtonGroups();
    scrollToEnd();
  }

  // The desk's limits (desk/PROTOCOL.md, `welcome`); a missing or odd value keeps the one we have.
  function applyLimits(sent, catalog) {
    if (sent && typeof sent === 'object' && Number.isInteger(sent.max_message_chars) && sent.max_message_chars > 0) {
      limits.maxMessageChars = sent.max_message_chars;
      updateCounter();
    }
    if (typeof catalog === 'string' && catalog) limits.catalog = catalog;
  }

  function onAck(f) {
    const cid = f.client_id;
    const entry = store.data.pending.find((p) => p.client_id === cid);
    store.removePending((p) => p.client_id === cid);
    const b = bubbles.get(cid);
    if (b) markSent(b, f.id);
    if (Number.isInteger(f.id)) seenIds.add(f.id);
    if (entry && entry.type === 'message' && convStatus === 'bot') showTyping();
  }

  function onServerMessage(m, live) {
    if (!m || !Number.isInteger(m.id)) return;
    if (m.id > pageAfter) {
      pageAfter = m.id;
      store.data.after = m.id;
      if (live) store.save();
    }
    if (seenIds.has(m.id)) return;
    seenIds.add(m.id);
    // Our own message coming back in a welcome: the "sending" bubble already shows it.
    if (m.client_id && bubbles.has(m.client_id)) {
      markSent(bubbles.get(m.client_id), m.id, m.created_at);
      store.removePending((p) => p.client_id === m.client_id);
      return;
    }
    if (m.sender === 'staff') personServed = true;
    if (m.sender === 'staff' && m.staff_name) lastStaffName = str(m.staff_name);
    if (m.sender === 'user') lastUserText = str(m.text);
    else hideTyping();
    const node = view.renderMessage(m, { catalog: limits.catalog, onChoose: sendMessage,
      customCard: (custom) => demandCard(custom, live) });
    if (m.sender === 'bot') booking.decorate(node, m);
    if (m.client_id && m.sender === 'user') bubbles.set(m.client_id, node);
    insertById(node, m.id);
    if (live) {
      refreshButtonGroups();
      if (!isOpen() && m.sender !== 'user') setUnread(unread + 1);
      scrollToEnd();
    }
  }

  function onError(f) {
    hideTyping();
    if (convStatus === 'bot') queueLine.hidden = true; // e.g. a handoff that could not be made
    const code = str(f.code);
    if (code === 'unknown_conversation' || code === 'expired_conversation') {
      // Forget it; the welcome that follows carries the new conversation.
      store.data.conversation_id = null;
      store.data.resume_token = null;
      store.data.after = 0;
      store.save();
      pageAfter = 0;
      resetConversationView();
      shownConversation = null;
    }
    // A refused left message: its form takes the reason and can be sent again.
    if (leaveForm && f.client_id && f.client_id === leaveClientId) {
      store.removePending((p) => p.client_id === f.client_id);
      leaveForm.failed(str(f.message), null);
      leaveClientId = null;
      return;
    }
    // A refused message (if the server names it) must not be re-sent on every reconnect.
    if (typeof f.client_id === 'string' && f.client_id) {
      store.removePending((p) => p.client_id === f.client_id);
      const b = bubbles.get(f.client_id);
      if (b) markFailed(b);
    }
    addSystemLine(str(f.message) || '出现错误，请稍后再试。');
  }

  // ---------------------------------------------------------------- status

  function queueText(q) {
    if (!q || typeof q !== 'object') return '排队中，请稍候…';
    const ahead = Math.max(0, (Number(q.position) || 1) - 1);
    const minutes = Math.max(1, Math.ceil((Number(q.estimated_wait_seconds) || 0) / 60));
    return `排队中：您前面还有 ${ahead} 位，预计等待约 ${minutes} 分钟`;
  }

  function applyStatus(status, queue, staffName) {
    if (!status) return;
    convStatus = status;
    if (staffName) lastStaffName = str(staffName);
    if (status === 'live') personServed = true;
    if (status === 'queued' || status === 'live') store.removePending((p) => p.type === 'handoff');
    handoffBtn.disabled = status === 'queued' || status === 'live';
    if (status === 'queued') {
      showQueue(queueText(queue));
    } else if (status === 'live') {
      hideTyping();
      showQueue(lastStaffName ? `人工客服 ${lastStaffName} 为您服务` : '人工客服为您服务');
    } else if (status === 'closed') {
      hideTyping();
      showQueue('对话已结束');
      showRating();
    } else {
      queueLine.hidden = true;
      queueLine.textContent = '';
    }
  }

  function showQueue(text) {
    queueLine.textContent = text;
    queueLine.hidden = false;
  }

  function applyService(service) {
    if (!service || typeof service !== 'object') return;
    if (!service.in_hours) ui.serviceLine.textContent = '非人工服务时间，可留言';
    else if (!service.staff_online) ui.serviceLine.textContent = '人工客服暂不在线，可留言';
    else ui.serviceLine.textContent = '人工客服在线';
  }

  // ---------------------------------------------------------------- list management

  // Server messages are kept in id order; unacknowledged bubbles stay at the bottom.
  function insertById(node, id) {
    node.dataset.id = String(id);
    for (const child of list.children) {
      if (child !== node && child.dataset.id && Number(child.dataset.id) > id) { list.insertBefore(node, child); return; }
    }
    const firstSending = list.querySelector(':scope > .daofu-sending');
    list.insertBefore(node, firstSending);
  }

  function appendLocal(node) {
    list.appendChild(node);
    scrollToEnd();
    return node;
  }

  function addSystemLine(text) {
    return appendLocal(view.systemLine(text, true));
  }

  function resetConversationView() {
    personServed = false;
    remoteHelp.reset();
    list.replaceChildren();
    seenIds.clear();
    bubbles.clear();
    ratingForm = null;
    leaveForm = null;
    pageAfter = 0;
    convStatus = 'bot';
    queueLine.hidden = true;
    handoffBtn.disabled = false;
    list.appendChild(view.intro());
    for (const p of store.data.pending) if (p.type === 'message') addSendingBubble(p);
  }

  // Buttons above the user's latest message were answered already (or passed over).
  function refreshButtonGroups() {
    const users = list.querySelectorAll('.daofu-msg-user');
    const lastUser = users[users.length - 1];
    if (!lastUser) return;
    for (const group of list.querySelectorAll('.daofu-buttons')) {
      if (lastUser.compareDocumentPosition(group) & Node.DOCUMENT_POSITION_PRECEDING) view.disableGroup(group);
    }
  }

  function showTyping() {
    ui.typing.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, TYPING_MS);
    scrollToEnd();
  }

  function hideTyping() {
    ui.typing.hidden = true;
    clearTimeout(typingTimer);
  }

  // ---------------------------------------------------------------- the user's messages

  function addSendingBubble(entry) {
    const wrap = view.sendingBubble(entry.text);
    bubbles.set(entry.client_id, wrap);
    list.appendChild(wrap);
    refreshButtonGroups();
    scrollToEnd();
    return wrap;
  }

  function markSent(wrap, id, createdAt) {
    wrap.classList.remove('daofu-sending', 'daofu-failed');
    wrap.classList.add('daofu-sent');
    if (Number.isInteger(id)) {
      seenIds.add(id);
      // Move it to its place in id order (a reply may have overtaken the ack).
      if (wrap.isConnected) {
        wrap.remove();
        insertById(wrap, id);
      }
    }
    const meta = wrap.querySelector('.daofu-msg-meta');
    if (meta) meta.textContent = timeLabel(createdAt);
  }

  function markFailed(wrap) {
    wrap.classList.remove('daofu-sending');
    wrap.classList.add('daofu-failed');
    const meta = wrap.querySelector('.daofu-msg-meta');
    if (meta) meta.textContent = '发送失败';
  }

  // ---------------------------------------------------------------- sending

  function submitInput() {
    const text = input.value.trim();
    if (!text) return;
    const max = limits.maxMessageChars;
    if (charCount(text) > max) {
      addSystemLine(`消息过长（${charCount(text)} 字），请精简到 ${max} 字以内后再发送。`);
      return;
    }
    sendMessage(text);
    input.value = '';
    autosize();
    updateCounter();
  }

  function sendMessage(text, payload) {
    const t = str(text).trim();
    if (!t || charCount(t) > limits.maxMessageChars) return false;
    const entry = { type: 'message', client_id: uuid(), text: t };
    if (payload) entry.payload = payload;
    lastUserText = t;
    addSendingBubble(entry);
    transport.addPending(entry);
    return true;
  }

  function requestHandoff() {
    if (handoffBtn.disabled) return;
    // One request at a time: a second click while the first is unanswered adds nothing.
    if (!store.data.pending.some((p) => p.type === 'handoff')) {
      transport.addPending({ type: 'handoff', client_id: uuid() });
    }
    showQueue('正在为您转接人工客服…');
  }

  function endConversation() {
    if (!transport.started && !store.data.conversation_id) {
      addSystemLine('当前没有进行中的对话。');
      return;
    }
    transport.sendControl({ type: 'end' });
    hideTyping();
    convStatus = 'closed';
    showQueue('对话已结束');
    handoffBtn.disabled = false;
    showRating();
  }

  input.addEventListener('keydown', (e) => {
    // isComposing / 229: Enter that confirms a pinyin candidate must not send.
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      submitInput();
    }
  });
  input.addEventListener('input', () => { autosize(); updateCounter(); });

  function autosize() {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight + 2, 120)}px`;
  }

  function updateCounter() {
    const n = charCount(input.value.trim());
    const max = limits.maxMessageChars;
    ui.counter.hidden = n < counterFrom();
    ui.counter.textContent = `${n}/${max}`;
    ui.counter.classList.toggle('daofu-over', n > max);
  }

  // ---------------------------------------------------------------- rating

  function showRating() {
    const cid = store.data.conversation_id;
    if (!personServed || (cid && store.data.rated === cid)) return;
    if (ratingForm && ratingForm.isConnected) {
      scrollToEnd();
      return;
    }
    ratingForm = appendLocal(view.ratingForm((score, comment) => transport.sendControl({ type: 'rate', score, comment })));
  }

  function onRated() {
    if (store.data.conversation_id) {
      store.data.rated = store.data.conversation_id;
      store.save();
    }
    if (ratingForm && ratingForm.isConnected) ratingForm.replaceChildren(view.ratingThanks());
    else appendLocal(view.ratingDone());
    ratingForm = null;
    scrollToEnd();
  }

  // ---------------------------------------------------------------- leave a message, tickets

  // Since issue 12 a left message is a 咨询 demand: the demand form in its leave mode (demand.js).
  function showLeaveForm(reason) {
    // Escalation did not happen: drop the "正在为您转接…" line.
    if (convStatus === 'bot') queueLine.hidden = true;
    if (leaveForm && leaveForm.node.isConnected && !leaveClientId) {
      scrollToEnd();
      return;
    }
    leaveForm = demand.demandForm({ leave: true, reason, content: lastUserText }, (values) => {
      leaveClientId = uuid();
      leaveLast4 = values.contact_phone.slice(-4);
      transport.addPending({ type: 'leave_message', client_id: leaveClientId, text: values.content,
        contact: values.contact_phone, contact_name: values.contact_name, enterprise_name: values.enterprise_name });
    });
    leaveClientId = null;
    appendLocal(leaveForm.node);
  }

  function showTicket(f) {
    const no = str(f.tracking_number);
    if (leaveLast4) rememberDemand(no, leaveLast4);
    const answer = { tracking_number: no, due_date: f.due_date };
    if (leaveForm && leaveForm.node.isConnected) leaveForm.filed(answer, leaveLast4);
    else appendLocal(demand.filedCard(answer, true, leaveLast4));
    leaveForm = null;
    leaveClientId = null;
    ui.lookupInput.value = no; // ready for the lookup box below
    scrollToEnd();
  }

  // ---------------------------------------------------------------- demands (诉求)

  // The card of a demand payload: the form the bot offers, or the lookup. From the history (a
  // reload, a reconnection) the form stays folded behind a button: it may have been filed already.
  function demandCard(custom, live = true) {
    if (!custom || typeof custom !== 'object') return null;
    if (!live && custom.demand_form && typeof custom.demand_form === 'object') {
      const reopen = el('button', { type: 'button', class: 'daofu-demand-reopen', 'data-testid': 'demand-form-reopen' },
        '打开诉求登记表');
      reopen.addEventListener('click', () => {
        const form = demandCard(custom, true);
        if (form) reopen.replaceWith(form);
      });
      return reopen;
    }
    if (custom.demand_form && typeof custom.demand_form === 'object') {
      const form = demand.demandForm(custom.demand_form, async (values, f) => {
        const result = await demand.fileDemand(ORIGIN, values, store.data.conversation_id);
        if (!result.ok) { f.failed(result.detail, result.problems); return; }
        const last4 = values.contact_phone.slice(-4);
        rememberDemand(str(result.answer.tracking_number), last4);
        f.filed(result.answer, last4);
        ui.lookupInput.value = str(result.answer.tracking_number);
      });
      return form.node;
    }
    if (custom.demand_track && typeof custom.demand_track === 'object') {
      return demand.trackForm(str(custom.demand_track.tracking_number) || lastDemandNumber(), lookupDemand);
    }
    return null;
  }

  function rememberDemand(number, last4) {
    if (!number || !/^\d{4}$/.test(last4)) return;
    store.data.demands = store.data.demands.filter((d) => d.n !== number).concat([{ n: number, l4: last4 }]).slice(-10);
    store.save();
  }

  function lastDemandNumber() {
    const known = store.data.demands;
    return known.length ? known[known.length - 1].n : '';
  }

  // One result card per demand: a newer look-up (asked for, or after a push) takes the place of
  // the card already shown, at the end of the conversation, unless a rating is being written on it.
  function resultCardOf(number) {
    return [...list.querySelectorAll('[data-testid=demand-result]')]
      .filter((card) => card.dataset.trackingNumber === number).pop() || null;
  }

  async function lookupDemand(number, last4) {
    const result = await demand.trackDemand(ORIGIN, number, last4);
    if (result.data) {
      rememberDemand(str(result.data.tracking_number), last4);
      const shownCard = resultCardOf(str(result.data.tracking_number));
      if (shownCard && !demand.hasRatingDraft(shownCard)) shownCard.remove();
      appendLocal(demandResult(result.data, last4));
    } else {
      appendLocal(demand.failureCard(number, result.detail));
    }
    return result;
  }

  function demandResult(data, last4) {
    return demand.resultCard(data, async (score, comment, box) => {
      const rated = await demand.rateDemand(ORIGIN, str(data.tracking_number), last4, score, comment);
      if (rated.data) box.replaceWith(demandResult(rated.data, last4));
      else {
        addSystemLine(rated.detail);
        lookupDemand(str(data.tracking_number), last4);
      }
    });
  }

  // A demand of this conversation changed (desk/PROTOCOL.md `demand` frame).
  function onDemandFrame(d) {
    if (!d || typeof d !== 'object') return;
    const number = str(d.tracking_number);
    demand.applyFrame(d);
    addSystemLine(`您的诉求 ${number} 有新进展：${str(d.status_text)}`);
    if (!isOpen()) setUnread(unread + 1);
    // With a reply to read and rate, show it at once when this browser knows the digits.
    const known = store.data.demands.find((x) => x.n === number);
    // ... unless its card already shows this state (the enterprise looked it up a moment ago).
    const shownCard = resultCardOf(number);
    if (known && d.can_rate && !(shownCard && shownCard.dataset.status === str(d.status))) lookupDemand(number, known.l4);
  }

  async function lookupTicket(value) {
    const no = str(value).trim();
    if (!no) { ui.lookupInput.focus(); return; }
    // A demand first (left messages are demands since 2026-12); a number the demands do not know
    // may be an older ticket.
    if (!/^DF/i.test(no) && /^\d{4}$/.test(ui.lookupPhone.value.trim())) {
      ui.lookupBtn.disabled = true;
      let found;
      try { found = await demand.trackDemand(ORIGIN, no, ui.lookupPhone.value.trim()); } finally { ui.lookupBtn.disabled = false; }
      if (found.data) {
        rememberDemand(str(found.data.tracking_number), ui.lookupPhone.value.trim());
        appendLocal(demandResult(found.data, ui.lookupPhone.value.trim()));
        return;
      }
      if (!found.missing) { appendLocal(demand.failureCard(no, found.detail)); return; }
    }
    ui.lookupBtn.disabled = true;
    let box;
    try {
      const last4 = encodeURIComponent(ui.lookupPhone.value.trim());
      const res = await fetch(`${ORIGIN}/api/tickets/${encodeURIComponent(no)}?phone_last4=${last4}`,
        { headers: { Accept: 'application/json' } });
      let data = null;
      try { data = await res.json(); } catch (e) { data = null; }
      if (!res.ok || !data || typeof data !== 'object') {
        const detail = data && typeof data.detail === 'string' ? data.detail : '';
        box = view.ticketResult(no, null, detail || (res.status === 404 ? '未找到该留言编号，请核对后重试。' : '查询失败，请稍后再试。'));
      } else {
        box = view.ticketResult(no, data);
      }
    } catch (e) {
      box = view.ticketResult(no, null, '查询失败，请检查网络后重试。');
    } finally {
      ui.lookupBtn.disabled = false;
    }
    appendLocal(box);
  }

  // ---------------------------------------------------------------- start

  // Unacknowledged messages from before a reload are shown at once; the welcome confirms them.
  for (const p of store.data.pending) if (p.type === 'message') addSendingBubble(p);
  // Only returning visitors connect right away (to show what staff wrote meanwhile); others
  // connect when they open the panel, so a page view does not create a conversation.
  if (store.data.conversation_id || store.data.pending.length) transport.ensureStarted();

  window.daofuWidget = {
    open: openPanel,
    close: closePanel,
    send(text) {
      const ok = sendMessage(text);
      if (ok && !isOpen()) openPanel();
      return ok;
    },
  };
})();
