/* On-site appointments (在线预约) in the widget (desk/PROTOCOL.md "On-site appointments").
 *
 * An item answer whose payload carries `booking_offer` gets a button; it opens the booking card
 * (days and half-hour slots from GET /api/appointments/slots, name, phone) without asking the bot.
 * A booking shows its confirmation code; a full slot (409) shows the next free ones; the look-up
 * card finds a booking by code + the phone's last 4 digits and cancels it. The codes this browser
 * booked are remembered (localStorage, last 5) so the look-up card can offer them.
 *
 * Stable hooks for tests (data-testid): booking-offer (the button), booking-card, booking-day,
 * booking-slot (data-slot="2026-10-08T09:00+08:00"), booking-name, booking-phone, booking-submit,
 * booking-error, booking-confirmation, booking-code, booking-cancel, booking-open-lookup,
 * booking-lookup, booking-lookup-code, booking-lookup-last4, booking-lookup-submit,
 * booking-lookup-result, booking-lookup-status, booking-status (after a cancel).
 * Text from the desk and the catalog is set as text only (el()), never parsed as HTML.
 */
import { button, el, str } from '../shared/dom.js';
import bookingCss from './appointment.css';

const DAYS = 14;
const REMEMBERED = 'daofu-bookings';
const WEEKDAYS = ['日', '一', '二', '三', '四', '五', '六'];

function tid(node, name) {
  node.dataset.testid = name;
  return node;
}

/** The booking offer of a message payload's custom part, or null. */
export function offerOf(custom) {
  const offer = custom && typeof custom === 'object' ? custom.booking_offer : null;
  if (!offer || typeof offer !== 'object' || !str(offer.item_id)) return null;
  return { item_id: str(offer.item_id), item_name: str(offer.item_name), location: str(offer.location),
    text: str(offer.text) || '可以帮您预约到大厅办理' };
}

async function call(url, init) {
  let res;
  try {
    res = await fetch(url, { ...(init || {}), headers: { Accept: 'application/json', ...((init && init.headers) || {}) } });
  } catch (e) {
    return { status: 0, data: null };
  }
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  return { status: res.status, data };
}

function detail(answer, fallback) {
  return answer.data && typeof answer.data.detail === 'string' ? answer.data.detail : fallback;
}

function remember(code, last4) {
  try {
    const known = JSON.parse(localStorage.getItem(REMEMBERED) || '[]').filter((b) => b && b.c !== code);
    known.push({ c: code, l4: last4 });
    localStorage.setItem(REMEMBERED, JSON.stringify(known.slice(-5)));
  } catch (e) { /* storage blocked: nothing to remember */ }
}

function remembered() {
  try {
    const known = JSON.parse(localStorage.getItem(REMEMBERED) || '[]');
    return Array.isArray(known) ? known.filter((b) => b && typeof b.c === 'string') : [];
  } catch (e) {
    return [];
  }
}

function dayLabel(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  const weekday = WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()];
  return `${m}月${d}日 周${weekday}`;
}

/**
 * options: origin (the desk), shadow (to add the stylesheet), append(node) (puts a card at the end
 * of the chat and scrolls to it). Returns decorate(node, message) for main.js, and bookingCard /
 * lookupCard for other modules (remote help) that open them directly.
 */
export function createBooking(options) {
  const { origin, append } = options;
  addStyles(options.shadow, bookingCss);

  /** Adds the booking button to a rendered bot message whose payload offers booking. */
  function decorate(node, message) {
    const offer = offerOf(message && message.payload ? message.payload.custom : null);
    if (!offer || !node) return;
    const b = tid(button('daofu-booking-offer', offer.text, () => append(bookingCard(offer))), 'booking-offer');
    const meta = node.querySelector('.daofu-msg-meta');
    node.insertBefore(b, meta);
  }

  /** The booking card for an offer {item_id, item_name, location}. */
  function bookingCard(offer) {
    const card = tid(el('div', 'daofu-card daofu-booking'), 'booking-card');
    card.appendChild(el('div', 'daofu-card-title', `预约到大厅办理：${offer.item_name || '办事事项'}`));
    const where = el('div', 'daofu-row daofu-muted', offer.location ? `办理地点：${offer.location}` : '');
    const days = el('div', 'daofu-booking-days');
    const slots = el('div', 'daofu-booking-slots');
    const chosen = el('div', 'daofu-row daofu-muted', '请选择日期和时段');
    const name = tid(el('input', { type: 'text', maxlength: '64', placeholder: '姓名', 'aria-label': '姓名' }), 'booking-name');
    const phone = tid(el('input', { type: 'tel', maxlength: '20', placeholder: '手机号码', 'aria-label': '手机号码' }), 'booking-phone');
    const error = tid(el('div', 'daofu-field-error'), 'booking-error');
    const submit = tid(button('daofu-primary', '确认预约', () => send()), 'booking-submit');
    submit.disabled = true;
    const lookup = tid(button('daofu-link', '查询或取消已有预约', () => append(lookupCard())), 'booking-open-lookup');
    card.append(where, days, slots, chosen, el('label', 'daofu-form-field', [el('span', null, '姓名'), name]),
      el('label', 'daofu-form-field', [el('span', null, '手机号码'), phone]), error, submit, lookup);
    let slot = null;
    let byDay = new Map();

    function pick(value, b) {
      slot = value;
      for (const other of slots.querySelectorAll('button')) other.classList.remove('daofu-chosen');
      b.classList.add('daofu-chosen');
      chosen.textContent = `已选：${dayLabel(value.slice(0, 10))} ${value.slice(11, 16)}`;
      submit.disabled = false;
    }

    function showDay(day) {
      for (const b of days.querySelectorAll('button')) b.classList.toggle('daofu-chosen', b.dataset.day === day);
      slots.replaceChildren();
      for (const s of byDay.get(day) || []) {
        const full = !(Number(s.remaining) > 0);
        const b = tid(button('daofu-booking-slot', full ? `${s.slot.slice(11, 16)} 约满` : `${s.slot.slice(11, 16)} 余${s.remaining}`,
          () => pick(s.slot, b)), 'booking-slot');
        b.dataset.slot = s.slot;
        b.disabled = full;
        slots.appendChild(b);
      }
    }

    function showSlots(list, prefer) {
      byDay = new Map();
      for (const s of list) {
        if (!s || typeof s.slot !== 'string') continue;
        const day = s.slot.slice(0, 10);
        if (!byDay.has(day)) byDay.set(day, []);
        byDay.get(day).push(s);
      }
      days.replaceChildren();
      for (const day of byDay.keys()) {
        const b = tid(button('daofu-booking-day', dayLabel(day), () => showDay(day)), 'booking-day');
        b.dataset.day = day;
        days.appendChild(b);
      }
      const first = prefer && byDay.has(prefer) ? prefer
        : [...byDay.keys()].find((d) => byDay.get(d).some((s) => Number(s.remaining) > 0));
      if (first) showDay(first);
      else slots.replaceChildren(el('div', 'daofu-muted', '近期没有可预约的时段，请直接前往或电话咨询。'));
    }

    async function load(prefer) {
      slots.replaceChildren(el('div', 'daofu-muted', '正在查询可预约时段…'));
      const answer = await call(`${origin}/api/appointments/slots?item_id=${encodeURIComponent(offer.item_id)}&days=${DAYS}`);
      if (answer.status === 200 && Array.isArray(answer.data)) {
        if (!offer.location && answer.data[0]) where.textContent = `办理地点：${str(answer.data[0].location)}`;
        showSlots(answer.data, prefer);
      } else {
        slots.replaceChildren(el('div', 'daofu-field-error', detail(answer, '暂时查不到可预约时段，请稍后再试。')));
      }
    }

    async function send() {
      error.textContent = '';
      if (!slot) { error.textContent = '请先选择时段'; return; }
      submit.disabled = true;
      const body = { item_id: offer.item_id, slot, name: name.value.trim(), phone: phone.value.trim() };
      const answer = await call(`${origin}/api/appointments`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      if (answer.status === 201 && answer.data) {
        const last4 = phone.value.replace(/\D/g, '').slice(-4);
        remember(str(answer.data.confirmation), last4);
        card.replaceWith(confirmationCard(answer.data, last4));
        return;
      }
      submit.disabled = false;
      error.textContent = detail(answer, `预约失败（${answer.status}），请稍后再试。`);
      if (answer.status === 409) {
        // Someone took the last place: show the slots again, the asked day first.
        slot = null;
        submit.disabled = true;
        chosen.textContent = '请重新选择时段';
        await load(body.slot.slice(0, 10));
      }
    }

    load();
    return card;
  }

  function confirmationCard(data, last4) {
    const card = tid(el('div', 'daofu-card daofu-booking'), 'booking-confirmation');
    card.appendChild(el('div', 'daofu-card-title', '预约成功'));
    const code = tid(el('div', 'daofu-ticket-no', str(data.confirmation)), 'booking-code');
    card.append(el('div', 'daofu-row', '确认码（查询、取消时使用）：'), code,
      el('div', 'daofu-row', `事项：${str(data.item_name)}`),
      el('div', 'daofu-row', `时间：${str(data.slot_text) || str(data.slot)}`),
      el('div', 'daofu-row', `地点：${str(data.location)}`),
      el('div', 'daofu-row daofu-muted', '办理前一天会短信提醒。请携带材料按时到场。'));
    card.appendChild(cancelButton(str(data.confirmation), last4, card));
    return card;
  }

  function cancelButton(code, last4, card) {
    const status = tid(el('div', 'daofu-hint'), 'booking-status');
    const b = tid(button('daofu-link', '取消预约', async () => {
      if (!window.confirm('确定取消这个预约吗？')) return;
      b.disabled = true;
      const answer = await call(`${origin}/api/appointments/${encodeURIComponent(code)}?phone_last4=${encodeURIComponent(last4)}`,
        { method: 'DELETE' });
      if (answer.status === 200 && answer.data) {
        status.textContent = '已取消预约';
        b.remove();
      } else {
        b.disabled = false;
        status.textContent = detail(answer, '取消失败，请稍后再试。');
      }
    }), 'booking-cancel');
    const wrap = el('div', 'daofu-booking-actions', [b, status]);
    card.appendChild(wrap);
    return wrap;
  }

  /** Look a booking up by code + last 4 digits; shows it with a cancel button. */
  function lookupCard() {
    const card = tid(el('div', 'daofu-card daofu-booking'), 'booking-lookup');
    card.appendChild(el('div', 'daofu-card-title', '查询预约'));
    const known = remembered();
    const last = known[known.length - 1];
    const code = tid(el('input', { type: 'text', maxlength: '24', placeholder: '确认码', 'aria-label': '确认码' }), 'booking-lookup-code');
    const last4 = tid(el('input', { type: 'text', inputmode: 'numeric', maxlength: '4', placeholder: '手机后四位', 'aria-label': '手机后四位' }),
      'booking-lookup-last4');
    if (last) { code.value = last.c; last4.value = last.l4; }
    const result = tid(el('div', 'daofu-booking-result'), 'booking-lookup-result');
    const submit = tid(button('daofu-primary', '查询', async () => {
      result.replaceChildren();
      submit.disabled = true;
      const answer = await call(`${origin}/api/appointments/${encodeURIComponent(code.value.trim())}?phone_last4=${encodeURIComponent(last4.value.trim())}`);
      submit.disabled = false;
      if (answer.status === 200 && answer.data) {
        const d = answer.data;
        result.append(el('div', 'daofu-row', `${str(d.item_name)}：${str(d.slot_text)}`), el('div', 'daofu-row', `地点：${str(d.location)}`),
          tid(el('div', 'daofu-row', `状态：${str(d.status_text)}`), 'booking-lookup-status'));
        if (d.status === 'booked') cancelButton(str(d.confirmation), last4.value.trim(), result);
      } else {
        result.appendChild(el('div', 'daofu-field-error', detail(answer, '查询失败，请稍后再试。')));
      }
    }), 'booking-lookup-submit');
    card.append(el('label', 'daofu-form-field', [el('span', null, '确认码'), code]),
      el('label', 'daofu-form-field', [el('span', null, '手机后四位'), last4]), submit, result);
    return card;
  }

  return { decorate, bookingCard, lookupCard };
}

function addStyles(shadow, css) {
  if (!shadow) return;
  const style = document.createElement('style');
  style.textContent = css;
  if ('adoptedStyleSheets' in shadow && typeof CSSStyleSheet === 'function') {
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      shadow.adoptedStyleSheets = [...shadow.adoptedStyleSheets, sheet];
      return;
    } catch (e) { /* a <style> below */ }
  }
  shadow.appendChild(style);
}
