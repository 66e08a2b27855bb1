/* Demands (诉求) in the widget: the form the bot offers (payload demand_form), the off-hours
 * leave-a-message form (a 咨询 demand), the 查询诉求 lookup (payload demand_track, the toolbar, the
 * footer box), the result card with the reply and the 回访 rating, and the live `demand` frames.
 * Contract: desk/PROTOCOL.md "Demands" and "Widget".
 *
 * Stable hooks for tests (data-testid): demand-form (fields demand-category, demand-content,
 * demand-enterprise, demand-contact-name, demand-phone, demand-consent, demand-submit; errors
 * demand-error-<field>), demand-filed (demand-tracking-number, demand-due-date, demand-live-status),
 * demand-track (demand-track-number, demand-track-last4, demand-track-submit), demand-result
 * (demand-status, demand-department, demand-due, demand-reply, demand-history), demand-rating
 * (demand-rating-score, demand-rating-comment, demand-rating-submit).
 * All text from the desk is set as text (textContent / text nodes), never parsed as HTML.
 */
import { row } from '../shared/cards.js';
import { appendRichText, button, charCount, el, str, timeLabel } from '../shared/dom.js';

// The 回访 scores the desk takes (desk/demands/service.py Rating).
export const RATINGS = ['满意', '基本满意', '不满意'];
export const PHONE_RULE = '请填写11位手机号码，或带区号的固定电话（如 020-12345678）';
const CONSENT_TEXT = '我同意将以上信息（含电话号码）提供给承办部门，仅用于办理、答复和回访本诉求。';
const MAX_CONTENT = 4000;

/** The phone as the desk stores it (desk/demands/service.py normalize_phone), or null. */
export function normalizePhone(raw) {
  const half = str(raw).replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xFEE0));
  const digits = half.replace(/[\s\-()（）\u3000]/g, '');
  const mobile = /^(?:\+?86)?(1[3-9]\d{9})$/.exec(digits);
  if (mobile) return mobile[1];
  return /^0\d{2,3}\d{7,8}$/.test(digits) ? digits : null;
}

function field(label, control, testid, errors, name) {
  const wrap = el('label', 'daofu-form-field');
  control.dataset.testid = testid;
  control.name = name;
  // Its name is the label alone, not the label plus the error shown under it.
  control.setAttribute('aria-label', label);
  const error = el('div', 'daofu-hint daofu-field-error');
  error.dataset.testid = `demand-error-${name}`;
  errors[name] = error;
  wrap.append(el('span', null, label), control, error);
  return wrap;
}

function input(type, maxLength, placeholder) {
  const node = el('input');
  node.type = type;
  if (maxLength) node.maxLength = maxLength;
  if (placeholder) node.placeholder = placeholder;
  return node;
}

/**
 * The demand form. spec: the bot's demand_form payload ({category, content, categories}), or for
 * the off-hours message {leave: true, reason, content}. onSubmit(values, form) sends it; the
 * caller then calls form.filed(answer) or form.failed(detail, problems).
 * Returns {node, filed(answer, last4), failed(detail, problems)}.
 */
export function demandForm(spec, onSubmit) {
  const leave = Boolean(spec.leave);
  const node = el('div', 'daofu-card daofu-demand-form');
  node.dataset.testid = 'demand-form';
  const errors = {};
  node.appendChild(el('div', 'daofu-card-title', leave ? '留言咨询' : '登记诉求'));
  if (leave) {
    node.appendChild(el('div', 'daofu-row', spec.reason === 'off_hours'
      ? '当前为非工作时间，人工客服暂时无法接入。请留下您的问题和联系电话，我们将登记为咨询诉求，工作人员上班后尽快答复。'
      : '当前暂无人工客服在线。请留下您的问题和联系电话，我们将登记为咨询诉求，工作人员将尽快答复。'));
  }

  const category = el('select');
  const categories = Array.isArray(spec.categories) ? spec.categories.map(str).filter(Boolean) : [];
  for (const name of categories) {
    const option = el('option', null, name);
    option.value = name;
    if (name === str(spec.category)) option.selected = true;
    category.appendChild(option);
  }
  const content = el('textarea');
  content.value = str(spec.content);
  content.placeholder = leave ? '请描述您要咨询的问题' : '请说明发生了什么：事项、时间、经过和您的诉求';
  const enterprise = input('text', 200, '营业执照上的企业名称');
  const contactName = input('text', 64, '联系人姓名');
  const phone = input('tel', 32, '手机号码或带区号的固定电话');
  phone.autocomplete = 'tel';
  const consent = input('checkbox');
  consent.dataset.testid = 'demand-consent';
  consent.name = 'consent';
  const consentLabel = el('label', 'daofu-consent');
  const consentError = el('div', 'daofu-hint daofu-field-error');
  consentError.dataset.testid = 'demand-error-consent';
  errors.consent = consentError;
  consentLabel.append(consent, el('span', null, CONSENT_TEXT));

  if (!leave && categories.length) node.appendChild(field('诉求类别', category, 'demand-category', errors, 'category'));
  node.append(
    field(leave ? '您的问题' : '发生了什么', content, 'demand-content', errors, 'content'),
    field(leave ? '企业名称（选填）' : '企业名称', enterprise, 'demand-enterprise', errors, 'enterprise_name'),
    field(leave ? '联系人（选填）' : '联系人', contactName, 'demand-contact-name', errors, 'contact_name'),
    field('联系电话', phone, 'demand-phone', errors, 'contact_phone'),
    consentLabel, consentError);
  const hint = el('div', 'daofu-hint');
  const submit = button('daofu-primary daofu-demand-submit', leave ? '提交留言' : '提交诉求', send);
  submit.dataset.testid = 'demand-submit';
  node.append(hint, submit);
  const controls = [category, content, enterprise, contactName, phone, consent, submit];

  function clear() {
    hint.textContent = '';
    for (const error of Object.values(errors)) error.textContent = '';
  }

  function check() {
    const values = {
      category: leave ? '咨询' : category.value,
      content: content.value.trim(),
      enterprise_name: enterprise.value.trim(),
      contact_name: contactName.value.trim(),
      contact_phone: normalizePhone(phone.value),
    };
    const problems = [];
    const n = charCount(values.content);
    if (n < 5 || n > MAX_CONTENT) problems.push(['content', n < 5 ? '请至少写5个字，说明发生了什么' : `请控制在 ${MAX_CONTENT} 字以内`]);
    if (!leave && charCount(values.enterprise_name) < 2) problems.push(['enterprise_name', '请填写企业名称（至少2个字）']);
    if (!leave && !values.contact_name) problems.push(['contact_name', '请填写联系人']);
    if (!values.contact_phone) problems.push(['contact_phone', PHONE_RULE]);
    if (!consent.checked) problems.push(['consent', '请阅读并勾选同意后提交']);
    return { values, problems };
  }

  function send() {
    clear();
    const { values, problems } = check();
    if (problems.length) {
      for (const [name, reason] of problems) errors[name].textContent = reason;
      return;
    }
    for (const c of controls) c.disabled = true;
    submit.textContent = '提交中…';
    onSubmit(values, api);
  }

  const api = {
    node,
    /** The desk took it: the form becomes the tracking card. */
    filed(answer, last4) {
      node.replaceWith(filedCard(answer, leave, last4));
    },
    /** The desk refused it: its reasons by field (problems from a 422), the form editable again. */
    failed(detail, problems) {
      clear();
      for (const c of controls) c.disabled = false;
      submit.textContent = leave ? '提交留言' : '提交诉求';
      let placed = false;
      for (const p of Array.isArray(problems) ? problems : []) {
        const target = p && errors[str(p.field)];
        if (target) { target.textContent = str(p.reason); placed = true; }
      }
      if (!placed || !Array.isArray(problems)) hint.textContent = str(detail) || '提交失败，请稍后再试。';
    },
  };
  return api;
}

// Cards that show a demand's state, by tracking number: a live `demand` frame updates them.
const shown = new Map();

function watch(number, update) {
  if (!shown.has(number)) shown.set(number, new Set());
  shown.get(number).add(update);
}

/** The tracking card shown once a demand is filed (answer: {tracking_number, due_date, status?}). */
export function filedCard(answer, leave, last4) {
  const number = str(answer.tracking_number);
  const box = el('div', 'daofu-card daofu-demand-filed');
  box.dataset.testid = 'demand-filed';
  box.dataset.trackingNumber = number;
  if (last4) box.dataset.last4 = last4;
  box.appendChild(el('div', 'daofu-card-title', leave ? '留言已登记为咨询诉求' : '诉求已提交'));
  box.appendChild(el('div', 'daofu-label', '诉求编号'));
  const no = el('div', 'daofu-ticket-no', number);
  no.dataset.testid = 'demand-tracking-number';
  box.appendChild(no);
  const due = el('div', 'daofu-row');
  due.append(el('span', 'daofu-label', '办理时限：'), el('span', null, str(answer.due_date)));
  due.lastChild.dataset.testid = 'demand-due-date';
  const status = el('div', 'daofu-row');
  status.append(el('span', 'daofu-label', '当前状态：'), el('span', null, str(answer.status_text) || '已受理'));
  status.lastChild.dataset.testid = 'demand-live-status';
  box.append(due, status, el('div', 'daofu-row daofu-muted',
    '请保存诉求编号。可点击上方“查询诉求”，凭编号和联系电话后四位查询进度；有新进展时本窗口会提示您。'));
  watch(number, (d) => { status.lastChild.textContent = str(d.status_text); });
  return box;
}

/** The 查询诉求 form; onLookup(number, last4, card) looks it up. */
export function trackForm(number, onLookup) {
  const box = el('div', 'daofu-card daofu-demand-track');
  box.dataset.testid = 'demand-track';
  box.appendChild(el('div', 'daofu-card-title', '查询诉求'));
  const errors = {};
  const no = input('text', 40, 'XXXX-XXXX-XXXX-XXXX');
  no.value = str(number);
  const last4 = input('text', 4, '后四位');
  last4.inputMode = 'numeric';
  const hint = el('div', 'daofu-hint');
  const submit = button('daofu-primary', '查询', () => {
    hint.textContent = '';
    if (!no.value.trim()) { hint.textContent = '请填写诉求编号'; return; }
    if (!/^\d{4}$/.test(last4.value.trim())) { hint.textContent = '请填写联系电话的后四位数字'; return; }
    onLookup(no.value.trim(), last4.value.trim(), box);
  });
  submit.dataset.testid = 'demand-track-submit';
  for (const f of [no, last4]) {
    f.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.isComposing) { e.preventDefault(); submit.click(); }
    });
  }
  box.append(field('诉求编号', no, 'demand-track-number', errors, 'tracking_number'),
    field('联系电话后四位', last4, 'demand-track-last4', errors, 'phone_last4'), hint, submit);
  return box;
}

/**
 * A looked-up demand (PublicDemand of GET /api/demands/track/…). onRate(score, comment, card)
 * sends the 回访 rating while `can_rate`.
 */
export function resultCard(data, onRate) {
  const number = str(data.tracking_number);
  const box = el('div', 'daofu-card daofu-demand-result');
  box.dataset.testid = 'demand-result';
  box.dataset.trackingNumber = number;
  box.dataset.status = str(data.status);
  box.appendChild(el('div', 'daofu-card-title', `诉求 ${number}`));
  const line = (label, value, testid) => {
    const r = el('div', 'daofu-row');
    const v = el('span', null);
    appendRichText(v, str(value));
    v.dataset.testid = testid;
    r.append(el('span', 'daofu-label', `${label}：`), v);
    box.appendChild(r);
    return v;
  };
  row(box, '类别', data.category);
  const status = line('状态', str(data.status_text) + (data.overdue ? '（已超期）' : ''), 'demand-status');
  line('承办部门', data.department || '待派单', 'demand-department');
  line('办理时限', data.due_date, 'demand-due');
  row(box, '诉求内容', data.content);
  line('答复', str(data.reply).trim() || '尚未答复', 'demand-reply');
  if (data.replied_at) row(box, '答复时间', timeLabel(data.replied_at));
  const history = el('ol', 'daofu-demand-history');
  history.dataset.testid = 'demand-history';
  for (const h of Array.isArray(data.history) ? data.history : []) {
    if (!h || typeof h !== 'object') continue;
    history.appendChild(el('li', null, `${timeLabel(h.at)} ${str(h.status_text)}`.trim()));
  }
  if (history.children.length) box.append(el('div', 'daofu-label', '办理过程'), history);
  if (data.rating) row(box, '您的评价', data.rating);
  if (data.can_rate && onRate) box.appendChild(ratingForm((score, comment) => onRate(score, comment, box)));
  watch(number, (d) => { status.textContent = str(d.status_text) + (d.overdue ? '（已超期）' : ''); });
  return box;
}

/** Whether the enterprise has started rating on this result card (a choice or a comment). */
export function hasRatingDraft(box) {
  const score = box.querySelector('[data-testid=demand-rating-score]');
  const comment = box.querySelector('[data-testid=demand-rating-comment]');
  return Boolean((score && score.value) || (comment && comment.value.trim()));
}

function ratingForm(onSubmit) {
  const form = el('div', 'daofu-demand-rating');
  form.dataset.testid = 'demand-rating';
  form.appendChild(el('div', 'daofu-label', '请对办理结果作出评价（回访）'));
  const score = el('select');
  score.dataset.testid = 'demand-rating-score';
  score.name = 'score';
  score.appendChild(el('option', null, '请选择'));
  score.firstChild.value = '';
  for (const r of RATINGS) {
    const option = el('option', null, r);
    option.value = r;
    score.appendChild(option);
  }
  const scoreLabel = el('label', 'daofu-form-field');
  scoreLabel.append(el('span', null, '满意度'), score);
  const comment = el('textarea');
  comment.dataset.testid = 'demand-rating-comment';
  comment.maxLength = 1000;
  comment.placeholder = '意见（选填；不满意的请说明原因，将退回原部门重新办理一次）';
  const commentLabel = el('label', 'daofu-form-field');
  commentLabel.append(el('span', null, '评价意见'), comment);
  const hint = el('div', 'daofu-hint');
  const submit = button('daofu-primary', '提交评价', () => {
    if (!score.value) { hint.textContent = '请选择满意度'; return; }
    hint.textContent = '';
    score.disabled = comment.disabled = submit.disabled = true;
    onSubmit(score.value, comment.value.trim());
  });
  submit.dataset.testid = 'demand-rating-submit';
  form.append(scoreLabel, commentLabel, hint, submit);
  return form;
}

/** A live `demand` frame (desk/PROTOCOL.md): every card of that number shows the new state. */
export function applyFrame(d) {
  const updates = shown.get(str(d && d.tracking_number));
  if (updates) for (const update of updates) update(d);
}

// ---------------------------------------------------------------- the desk's answers

async function call(url, options) {
  let res;
  try {
    res = await fetch(url, Object.assign({ headers: { Accept: 'application/json' } }, options));
  } catch (e) {
    return { status: 0, data: null };
  }
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  return { status: res.status, data: data && typeof data === 'object' ? data : null };
}

function detailOf(answer, fallback) {
  const d = answer.data && answer.data.detail;
  if (typeof d === 'string' && d) return d;
  if (answer.status === 0) return '网络连接失败，请检查网络后重试。';
  return fallback;
}

/** POST /api/demands: {ok, answer} or {detail, problems}. */
export async function fileDemand(origin, values, conversationId) {
  const body = { category: values.category, content: values.content, enterprise_name: values.enterprise_name,
    contact_name: values.contact_name, contact_phone: values.contact_phone };
  if (conversationId) body.conversation_id = conversationId;
  const answer = await call(`${origin}/api/demands`, {
    method: 'POST', headers: { Accept: 'application/json', 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  if (answer.status === 201 && answer.data) return { ok: true, answer: answer.data };
  return { detail: detailOf(answer, `提交失败（${answer.status}），请稍后再试。`),
    problems: answer.data && answer.data.problems };
}

/** GET /api/demands/track/…: {data} or {detail}; `missing` when the desk knows no such demand. */
export async function trackDemand(origin, number, last4) {
  const answer = await call(`${origin}/api/demands/track/${encodeURIComponent(number)}?phone_last4=${encodeURIComponent(last4)}`);
  if (answer.status === 200 && answer.data) return { data: answer.data };
  return { detail: detailOf(answer, '查询失败，请稍后再试。'), missing: answer.status === 404 };
}

/** POST …/rating: {data} or {detail}. */
export async function rateDemand(origin, number, last4, score, comment) {
  const answer = await call(`${origin}/api/demands/track/${encodeURIComponent(number)}/rating`, {
    method: 'POST', headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
    body: JSON.stringify({ phone_last4: last4, score, comment }) });
  if (answer.status === 200 && answer.data) return { data: answer.data };
  return { detail: detailOf(answer, '评价提交失败，请稍后再试。') };
}

export function failureCard(number, text) {
  const box = el('div', 'daofu-card daofu-demand-result');
  box.appendChild(el('div', 'daofu-card-title', number ? `诉求 ${number}` : '查询诉求'));
  box.appendChild(el('div', 'daofu-row', text));
  return box;
}
