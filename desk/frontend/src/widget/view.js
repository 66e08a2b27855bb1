/* The widget's DOM: its Shadow DOM host and stylesheet, the launcher and panel, messages, and the
 * rating and ticket cards (the demand and leave-a-message forms: demand.js). Builds nodes only;
 * what they do is main.js's.
 */
import cardsCss from '../shared/cards.css';
import { payloadCard, row } from '../shared/cards.js';
import { appendRichText, button, el, str, timeLabel } from '../shared/dom.js';
import widgetCss from './widget.css';

export const STAR_LABELS = ['', '非常不满意', '不满意', '基本满意', '满意', '非常满意'];
const TICKET_STATUS = { open: '待回复', answered: '已回复', closed: '已办结' };

/** The Shadow DOM host (#daofu-widget) with the widget's stylesheet; returns {host, shadow}. */
export function createHost() {
  const host = document.createElement('div');
  host.id = 'daofu-widget';
  // The host itself sits in the page: keep it out of the page's layout whatever the page's CSS says.
  host.style.setProperty('position', 'fixed', 'important');
  host.style.setProperty('z-index', '2147483000', 'important');
  host.style.setProperty('width', '0', 'important');
  host.style.setProperty('height', '0', 'important');
  const shadow = host.attachShadow({ mode: 'open' });
  adoptStyles(shadow, widgetCss + '\n' + cardsCss);
  return { host, shadow };
}

// A constructable stylesheet is not inline style for the host page's CSP (a <style> element is):
// the widget stays styled on pages whose style-src forbids 'unsafe-inline'. Browsers without
// adoptedStyleSheets (before Safari 16.4, Firefox 101) get a <style> element.
function adoptStyles(shadow, css) {
  if ('adoptedStyleSheets' in shadow && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      shadow.adoptedStyleSheets = [sheet];
      return;
    } catch (e) { /* fall back below */ }
  }
  const style = document.createElement('style');
  style.textContent = css;
  shadow.appendChild(style);
}

/**
 * The launcher and the panel (header, toolbar, queue line, message list, composer, ticket lookup).
 * on: toggle(), close(), handoff(), end(), submit(), lookup(). Returns the nodes main.js updates.
 */
export function buildPanel(on) {
  const root = el('div', 'daofu-root');

  const launcher = button('daofu-launcher', null, on.toggle);
  launcher.setAttribute('aria-expanded', 'false');
  launcher.setAttribute('aria-label', '打开智能导服');
  const badge = el('span', 'daofu-badge');
  badge.hidden = true;
  launcher.append(el('span', 'daofu-launcher-icon'), el('span', null, '智能导服'), badge);

  const panel = el('div', 'daofu-panel');
  panel.hidden = true;
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-label', '智能导服');

  // Header: title, connection state, service hours; close.
  const header = el('div', 'daofu-header');
  const headerRow = el('div', 'daofu-header-row');
  const closeBtn = button('daofu-close', '×', () => on.close());
  closeBtn.setAttribute('aria-label', '关闭');
  headerRow.append(el('div', 'daofu-title', '智能导服'), closeBtn);
  const sub = el('div', 'daofu-sub');
  const connStatus = el('span', 'daofu-status');
  connStatus.setAttribute('role', 'status');
  const serviceLine = el('span', 'daofu-service', '政务服务咨询');
  sub.append(connStatus, serviceLine);
  header.append(headerRow, sub);

  // Toolbar: 转人工 is always visible (requirement), 结束对话 next to it.
  const toolbar = el('div', 'daofu-toolbar');
  const handoffBtn = button('daofu-tool daofu-handoff', '转人工', () => on.handoff());
  const endBtn = button('daofu-tool daofu-end', '结束对话', () => on.end());
  // 查询诉求: the demand lookup (demand.js), always at hand like 转人工.
  const trackBtn = button('daofu-tool daofu-track', '查询诉求', () => on.track());
  trackBtn.dataset.testid = 'demand-track-open';
  toolbar.append(handoffBtn, trackBtn, endBtn);

  const queueLine = el('div', 'daofu-queue');
  queueLine.hidden = true;
  queueLine.setAttribute('aria-live', 'polite');

  const body = el('div', 'daofu-body');
  const list = el('div', 'daofu-list');
  list.setAttribute('aria-live', 'polite');
  const typing = el('div', 'daofu-typing', '智能导服正在回复…');
  typing.hidden = true;
  body.append(list, typing);

  // Footer: composer, and the tracking-number lookup for people who come back for an answer.
  const footer = el('div', 'daofu-footer');
  const compose = el('div', 'daofu-compose');
  const input = el('textarea', 'daofu-input');
  input.rows = 1;
  input.placeholder = '请输入您的问题，Enter 发送';
  input.setAttribute('aria-label', '输入您的问题');
  const sendBtn = button('daofu-send', '发送', () => on.submit());
  compose.append(input, sendBtn);
  const counter = el('div', 'daofu-counter');
  counter.hidden = true;
  const lookup = el('div', 'daofu-lookup daofu-ticket-lookup');
  const lookupInput = el('input', 'daofu-ticket-lookup-input');
  lookupInput.type = 'text';
  lookupInput.placeholder = '输入诉求或留言编号查询';
  lookupInput.setAttribute('aria-label', '诉求或留言编号');
  // The desk asks for the last 4 digits of the contact phone left with the message.
  const lookupPhone = el('input', 'daofu-ticket-lookup-phone');
  lookupPhone.type = 'text';
  lookupPhone.inputMode = 'numeric';
  lookupPhone.maxLength = 4;
  lookupPhone.placeholder = '电话后四位';
  lookupPhone.setAttribute('aria-label', '联系电话后四位');
  const lookupBtn = button('daofu-ticket-lookup-button', '查询', () => on.lookup());
  for (const field of [lookupInput, lookupPhone]) {
    field.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.isComposing) { e.preventDefault(); on.lookup(); }
    });
  }
  lookup.append(el('span', null, '进度查询'), lookupInput, lookupPhone, lookupBtn);
  footer.append(compose, counter, lookup);

  panel.append(header, toolbar, queueLine, body, footer);
  root.append(panel, launcher);
  return { root, launcher, badge, panel, connStatus, serviceLine, handoffBtn, queueLine, body, list, typing,
    input, counter, lookupInput, lookupPhone, lookupBtn };
}

export function intro() {
  return el('div', 'daofu-intro',
    '您好！我是智能导服，可以为您解答企业开办、许可审批、证照办理、惠企政策等政务服务问题。' +
    '需要人工帮助时，请点击上方“转人工”。');
}

export function systemLine(text, local) {
  const line = el('div', local ? 'daofu-msg daofu-msg-system daofu-local' : 'daofu-msg daofu-msg-system');
  line.appendChild(el('span', null, text));
  return line;
}

/** A stored message (desk/PROTOCOL.md `Message`). options: catalog, onChoose(title, payload). */
export function renderMessage(m, options) {
  const sender = ['user', 'bot', 'staff', 'system'].includes(m.sender) ? m.sender : 'system';
  const text = str(m.text);
  if (sender === 'system') return systemLine(text, false);
  const wrap = el('div', `daofu-msg daofu-msg-${sender}`);
  if (sender === 'bot') wrap.appendChild(el('div', 'daofu-msg-name', '智能导服'));
  if (sender === 'staff') wrap.appendChild(el('div', 'daofu-msg-name', `人工客服 ${str(m.staff_name)}`.trim()));

  const payload = m.payload && typeof m.payload === 'object' ? m.payload : {};
  const { card, showText } = payloadCard(payload.custom, { catalog: options.catalog });
  if (showText && text) {
    const bubble = el('div', 'daofu-bubble');
    appendRichText(bubble, text);
    wrap.appendChild(bubble);
  }
  if (card) wrap.appendChild(card);
  // Cards that act (the demand forms): main.js builds them, with what they need to send.
  const active = options.customCard ? options.customCard(payload.custom) : null;
  if (active) wrap.appendChild(active);
  if (Array.isArray(payload.buttons) && payload.buttons.length) wrap.appendChild(buttonGroup(payload.buttons, options.onChoose));
  wrap.appendChild(el('div', 'daofu-msg-meta', timeLabel(m.created_at)));
  return wrap;
}

/** The user's own message before the desk acknowledged it. */
export function sendingBubble(text) {
  const wrap = el('div', 'daofu-msg daofu-msg-user daofu-sending');
  const bubble = el('div', 'daofu-bubble');
  appendRichText(bubble, str(text));
  wrap.append(bubble, el('div', 'daofu-msg-meta', '发送中…'));
  return wrap;
}

function buttonGroup(buttons, onChoose) {
  const group = el('div', 'daofu-buttons');
  for (const spec of buttons) {
    if (!spec || typeof spec !== 'object') continue;
    const title = str(spec.title);
    const b = button(null, title, () => {
      if (b.disabled) return;
      disableGroup(group);
      b.classList.add('daofu-chosen');
      onChoose(title, typeof spec.payload === 'string' && spec.payload ? spec.payload : undefined);
    });
    group.appendChild(b);
  }
  return group;
}

export function disableGroup(group) {
  for (const b of group.querySelectorAll('button')) b.disabled = true;
}

/** The 1-5 star form; onSubmit(score, comment) once, after which its controls are disabled. */
export function ratingForm(onSubmit) {
  let score = 0;
  const form = el('div', 'daofu-card daofu-rating');
  form.appendChild(el('div', 'daofu-card-title', '请对本次服务作出评价'));
  const stars = el('div', 'daofu-stars');
  stars.setAttribute('role', 'radiogroup');
  stars.setAttribute('aria-label', '评分');
  const label = el('div', 'daofu-star-label', '请点击星星评分');
  const hint = el('div', 'daofu-hint');
  for (let i = 1; i <= 5; i++) {
    const s = button('daofu-star', '★', () => {
      score = i;
      for (const other of stars.children) {
        const on = Number(other.dataset.score) <= i;
        other.classList.toggle('daofu-on', on);
        other.setAttribute('aria-checked', String(Number(other.dataset.score) === i));
      }
      label.textContent = STAR_LABELS[i];
      hint.textContent = '';
    });
    s.dataset.score = String(i);
    s.setAttribute('role', 'radio');
    s.setAttribute('aria-checked', 'false');
    s.setAttribute('aria-label', `${i} 星，${STAR_LABELS[i]}`);
    stars.appendChild(s);
  }
  const comment = el('textarea', 'daofu-rating-comment');
  comment.placeholder = '意见和建议（选填）';
  comment.maxLength = 500;
  const submit = button('daofu-primary daofu-rating-submit', '提交评价', () => {
    if (!score) { hint.textContent = '请先选择评分'; return; }
    submit.disabled = true;
    submit.textContent = '提交中…';
    for (const s of stars.children) s.disabled = true;
    comment.disabled = true;
    onSubmit(score, comment.value.trim());
  });
  form.append(stars, label, comment, hint, submit);
  return form;
}

export function ratingThanks() {
  return el('div', 'daofu-rating-thanks', '感谢您的评价');
}

/** The thanks as a card of its own (the form was not on this page). */
export function ratingDone() {
  return el('div', 'daofu-card daofu-rating', ratingThanks());
}

/** The answer of GET /api/tickets/{number}: `data` when it came, else the Chinese reason. */
export function ticketResult(number, data, failure) {
  const box = el('div', 'daofu-card daofu-ticket-result');
  box.appendChild(el('div', 'daofu-card-title', `留言编号 ${number}`));
  if (!data) {
    box.appendChild(el('div', 'daofu-row', failure));
    return box;
  }
  row(box, '状态', TICKET_STATUS[data.status] || str(data.status));
  row(box, '您的问题', data.question);
  const answer = str(data.answer).trim();
  const r = el('div', 'daofu-row daofu-ticket-answer');
  r.appendChild(el('span', 'daofu-label', '答复：'));
  if (answer) appendRichText(r, answer);
  else r.appendChild(document.createTextNode('尚未回复'));
  box.appendChild(r);
  if (answer && data.answered_at) row(box, '答复时间', timeLabel(data.answered_at));
  return box;
}
