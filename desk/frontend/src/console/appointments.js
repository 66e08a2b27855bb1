/* 预约 (on-site appointments) in the staff console (desk/PROTOCOL.md "On-site appointments").
 *
 * The button "大厅预约" in the top bar opens each day's list per location (GET
 * /api/appointments/locations/{id}/day?date=…: time, item, name, phone, how it was booked); admins
 * also set the location's service hours, bookings per half-hour slot and whether it takes bookings
 * (PATCH /api/appointments/locations/{id}). console.js imports this module once.
 *
 * Stable hooks for tests (data-testid): appointments-open, appointments-dialog, appointments-location,
 * appointments-date, appointments-list, appointments-row, appointments-hours, appointments-capacity,
 * appointments-active, appointments-save, appointments-error. Text is set as text, never parsed as HTML.
 */
import { $, el, onReady, pad2 } from '../shared/dom.js';
import { createClient, createToast } from './common.js';

const client = createClient();
const toast = createToast(6000, 3000);
const CHANNELS = { widget: '网上预约', staff: '坐席代约' };

function todayInChina() {
  const now = new Date(Date.now() + 8 * 3600 * 1000); // China Standard Time, no daylight saving
  return now.getUTCFullYear() + '-' + pad2(now.getUTCMonth() + 1) + '-' + pad2(now.getUTCDate());
}

async function openDialog() {
  let me = null;
  let locations = [];
  try {
    me = await client.api('GET', '/api/me');
    locations = await client.api('GET', '/api/appointments/locations');
  } catch (err) {
    toast(err.detail || '读取预约地点失败', 'error');
    return;
  }
  const admin = me && me.role === 'admin';
  const location = el('select', { 'aria-label': '办理地点', dataset: { testid: 'appointments-location' } });
  location.style.maxWidth = '100%';
  for (const row of locations) location.appendChild(el('option', { value: String(row.id), text: row.name + (row.active ? '' : '（暂停预约）') }));
  const date = el('input', { type: 'date', value: todayInChina(), 'aria-label': '日期', dataset: { testid: 'appointments-date' } });
  const list = el('div', { dataset: { testid: 'appointments-list' } });
  const error = el('div', { class: 'field-error', dataset: { testid: 'appointments-error' } });
  const hours = el('input', { type: 'text', maxlength: '200', placeholder: '09:00-12:00,13:30-17:00', dataset: { testid: 'appointments-hours' } });
  const capacity = el('input', { type: 'number', min: '1', max: '200', dataset: { testid: 'appointments-capacity' } });
  const active = el('input', { type: 'checkbox', dataset: { testid: 'appointments-active' } });
  const save = el('button', { class: 'btn btn-primary btn-small', type: 'button', text: '保存设置', dataset: { testid: 'appointments-save' } });
  const close = el('button', { class: 'btn', type: 'button', text: '关闭' });
  const settings = admin ? el('fieldset', null, [
    el('legend', { text: '地点设置（管理员）' }),
    el('label', null, [el('span', { text: '服务时间 ' }), hours]), ' ',
    el('label', null, [el('span', { text: '每半小时可约人数 ' }), capacity]), ' ',
    el('label', null, [active, el('span', { text: ' 接受预约' })]), ' ', save,
  ]) : null;
  const box = el('div', { dataset: { testid: 'appointments-dialog' } }, [
    el('h3', { text: '大厅预约' }),
    el('div', null, [location, ' ', date]),
    settings, error, list, el('div', null, close),
  ]);
  box.style.cssText = 'display:flex;flex-direction:column;gap:8px;min-width:640px;max-width:90vw';
  const dialog = el('dialog', null, box);
  document.body.appendChild(dialog);
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => dialog.remove());

  function current() {
    return locations.find((row) => String(row.id) === location.value) || null;
  }

  function fillSettings() {
    const row = current();
    if (!row || !admin) return;
    hours.value = row.hours;
    capacity.value = String(row.capacity);
    active.checked = Boolean(row.active);
  }

  async function refresh() {
    const row = current();
    error.textContent = '';
    list.replaceChildren();
    if (!row) { list.appendChild(el('p', { class: 'muted', text: '还没有预约地点（目录中支持网上预约且写明办理地点的事项会自动加入）。' })); return; }
    try {
      const day = await client.api('GET', '/api/appointments/locations/' + row.id + '/day?date=' + encodeURIComponent(date.value));
      list.appendChild(el('p', { class: 'muted', text: day.day + ' 共 ' + day.booked + ' 个有效预约；服务时间 ' + day.location.hours
        + '，每半小时 ' + day.location.capacity + ' 人' }));
      const table = el('table', { class: 'report-table' });
      table.appendChild(el('tr', null, ['时间', '事项', '姓名', '电话', '确认码', '方式', '状态'].map((h) => el('th', { text: h }))));
      for (const a of day.appointments) {
        table.appendChild(el('tr', { dataset: { testid: 'appointments-row' } }, [a.start, a.item_name, a.name, a.phone, a.confirmation,
          CHANNELS[a.channel] || a.channel, a.status_text].map((v) => el('td', { text: v }))));
      }
      list.appendChild(day.appointments.length ? table : el('p', { class: 'muted', text: '这一天没有预约。' }));
    } catch (err) {
      error.textContent = err.detail || '读取失败';
    }
  }

  save.addEventListener('click', async () => {
    const row = current();
    if (!row) return;
    error.textContent = '';
    try {
      const changed = await client.api('PATCH', '/api/appointments/locations/' + row.id,
        { hours: hours.value.trim(), capacity: Number(capacity.value), active: active.checked });
      Object.assign(row, changed);
      toast('已保存 ' + changed.name + ' 的预约设置', 'ok');
      refresh();
    } catch (err) {
      error.textContent = (err.problems && err.problems.length ? err.problems.map((p) => p.label + p.reason).join('；') : err.detail) || '保存失败';
    }
  });
  location.addEventListener('change', () => { fillSettings(); refresh(); });
  date.addEventListener('change', refresh);
  dialog.showModal();
  fillSettings();
  refresh();
}

function install() {
  if (!document.body || document.body.dataset.page !== 'console') return;
  const tabs = $('.topbar .tabs');
  if (!tabs) return;
  const open = el('button', { class: 'tab', type: 'button', text: '大厅预约', title: '每天各办理地点的预约名单',
    dataset: { testid: 'appointments-open' } });
  open.addEventListener('click', openDialog);
  tabs.appendChild(open);
}

onReady(install);
