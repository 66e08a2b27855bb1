/* Remote help (远程帮办) in the staff console (desk/PROTOCOL.md "Remote help"): start help for an item
 * in the open chat, see the checklist and the enterprise's files, mark each entry 合格 / 需补正 / 缺失,
 * fill the shared application draft with the enterprise, download the PDFs.
 *
 * console.js creates it once and tells it which chat is open and every `remote_help` frame of
 * /ws/console; those frames carry no personal data, so this module reads the state through the API
 * (which checks that the chat is this staff member's). The box goes into the side panel.
 */
import { $, el } from '../shared/dom.js';

const MARK_BUTTONS = [['accepted', '合格'], ['needs_fix', '需补正'], ['missing', '缺失']];

/** options: api (common.js client.api), toast(text, kind), errorToast(err). */
export function createRemoteHelpPanel(options) {
  const { api, toast, errorToast } = options;
  let conversationId = null;
  let help = null;
  const editing = new Map(); // field → {value, version}: typed, and the version it started from
  const notes = new Map(); // field → the note after a refused (stale) write
  let redrawing = false;

  const stylesheet = document.createElement('link');
  stylesheet.rel = 'stylesheet';
  stylesheet.href = '/console/static/remote_help.css';
  document.head.appendChild(stylesheet);

  const box = el('section', { class: 'box help-box', id: 'remote-help', 'data-testid': 'console-remote-help' });
  box.hidden = true;

  async function open(id) {
    if (!box.isConnected) {
      // Under the bot's findings in the side panel (placed on first use: the page is ready by then).
      const anchor = $('#bot-findings');
      const findingsBox = anchor ? anchor.closest('section') : null;
      if (findingsBox) findingsBox.after(box);
    }
    if (String(id) !== String(conversationId)) {
      editing.clear();
      notes.clear();
      help = null;
    }
    conversationId = String(id);
    box.hidden = false;
    await refresh();
  }

  function close() {
    conversationId = null;
    help = null;
    box.hidden = true;
    box.replaceChildren();
  }

  async function refresh() {
    const id = conversationId;
    if (!id) return;
    try {
      const data = await api('GET', `/api/conversations/${encodeURIComponent(id)}/remote-help`);
      if (id !== conversationId) return;
      help = data;
      draw();
    } catch (err) {
      if (err.status === 403) { box.hidden = true; return; } // another colleague's chat
      errorToast(err);
    }
  }

  function onFrame(frame) {
    if (frame && conversationId && String(frame.conversation_id) === conversationId) refresh();
  }

  function draw() {
    const focused = document.activeElement && box.contains(document.activeElement) ? document.activeElement.dataset.testid : null;
    const nodes = [el('h3', null, '远程帮办')];
    if (!help || help.status !== 'active') nodes.push(startForm());
    if (help) nodes.push(helpView());
    redrawing = true; // a field losing focus because it is replaced is not the user leaving it
    box.replaceChildren(...nodes);
    redrawing = false;
    if (focused) {
      const again = box.querySelector(`[data-testid="${focused}"]`);
      if (again) again.focus();
    }
  }

  function startForm() {
    const form = el('div', 'help-start');
    const current = el('button', { class: 'btn btn-small btn-primary', type: 'button', 'data-testid': 'help-start-current' },
      '为当前事项发起帮办');
    current.addEventListener('click', () => start(null, current));
    const query = el('input', { type: 'search', placeholder: '搜索其他事项…', 'aria-label': '搜索事项', 'data-testid': 'help-item-query' });
    const results = el('div', 'help-results');
    const search = el('button', { class: 'btn btn-small', type: 'button' }, '搜索');
    const run = async () => {
      const q = query.value.trim();
      if (!q) return;
      try {
        const hits = await api('GET', `/api/knowledge/search?kind=item&q=${encodeURIComponent(q)}`);
        results.replaceChildren(...(hits || []).map((hit) => {
          const pick = el('button', { class: 'btn btn-small', type: 'button', 'data-testid': 'help-item-start' }, '发起');
          pick.addEventListener('click', () => start(hit.id, pick));
          return el('div', 'help-result', [el('span', null, `${hit.title}（${hit.department || ''}）`), pick]);
        }));
        if (!hits || !hits.length) results.replaceChildren(el('p', 'muted', '没有找到事项'));
      } catch (err) { errorToast(err); }
    };
    search.addEventListener('click', run);
    query.addEventListener('keydown', (e) => { if (e.key === 'Enter' && !e.isComposing) { e.preventDefault(); run(); } });
    form.append(current, el('div', 'help-search', [query, search]), results);
    return form;
  }

  async function start(itemId, button) {
    button.disabled = true;
    try {
      help = await api('POST', `/api/conversations/${encodeURIComponent(conversationId)}/remote-help`,
        itemId ? { item_id: itemId } : {});
      toast('已发起远程帮办', 'ok');
      draw();
    } catch (err) {
      errorToast(err);
    } finally {
      button.disabled = false;
    }
  }

  function helpView() {
    const view = el('div', { class: 'help-view', 'data-status': help.status });
    view.append(el('p', 'help-title', [el('strong', null, help.item.name), ` · ${help.status_label}`]));
    if (help.summary) {
      view.append(el('p', { class: 'help-summary', 'data-testid': 'console-help-summary' },
        `预审结论：${help.summary.result}（${help.summary.completed_at}）`));
    }
    const list = el('ol', 'help-entries');
    for (const entry of help.entries) list.append(entryNode(entry));
    view.append(list, el('h4', null, '申请表（与企业共同填写）'), draftForm(), actions());
    return view;
  }

  function entryNode(entry) {
    const node = el('li', { class: 'help-entry', 'data-testid': 'console-help-entry', 'data-entry': String(entry.id) });
    node.append(el('div', 'help-entry-head', [el('span', null, entry.name),
      el('span', { class: 'help-mark', 'data-status': entry.status, 'data-testid': 'console-help-mark' }, entry.status_label)]));
    if (entry.reason) node.append(el('div', 'help-reason', `原因：${entry.reason}`));
    if (entry.files.length) {
      const files = el('div', 'help-files');
      for (const f of entry.files) {
        files.append(el('a', { href: `/api/remote-help/${help.id}/files/${f.id}`, target: '_blank', rel: 'noopener',
          'data-testid': 'console-help-file' }, `${f.name}（${Math.max(1, Math.round(f.size / 1024))} KB）`));
      }
      node.append(files);
    }
    if (help.status === 'active') {
      const reason = el('input', { type: 'text', placeholder: '需补正或缺失的原因', maxlength: '500',
        'data-testid': 'console-help-reason', 'aria-label': '原因' });
      const buttons = el('div', 'help-marks');
      for (const [mark, label] of MARK_BUTTONS) {
        const b = el('button', { class: 'btn btn-small', type: 'button', 'data-testid': `console-mark-${mark}` }, label);
        b.addEventListener('click', () => markEntry(entry, mark, reason.value, b));
        buttons.append(b);
      }
      node.append(reason, buttons);
    }
    return node;
  }

  async function markEntry(entry, mark, reason, button) {
    if (mark === 'needs_fix' && !reason.trim()) { toast('标为“需补正”时请写明原因', 'error'); return; }
    button.disabled = true;
    try {
      help = await api('POST', `/api/remote-help/${help.id}/entries/${entry.id}/mark`, { mark, reason });
      if (help.status === 'completed') toast('全部材料合格，预审已完成', 'ok');
      draw();
    } catch (err) {
      errorToast(err);
      refresh();
    } finally {
      button.disabled = false;
    }
  }

  function draftForm() {
    const form = el('div', 'help-draft');
    for (const field of help.draft) {
      const typed = editing.get(field.name);
      const input = el('input', { type: 'text', maxlength: '500', placeholder: field.hint || '',
        'data-testid': `console-draft-${field.name}` });
      input.value = typed ? typed.value : field.value;
      input.dataset.version = String(typed ? typed.version : field.version);
      input.disabled = help.status === 'cancelled';
      input.addEventListener('input', () => editing.set(field.name, { value: input.value, version: Number(input.dataset.version) }));
      // Saved when the field is left (or Enter), from the version the typing started at: a change
      // the enterprise made meanwhile makes it a 409 shown under the field, never a silent overwrite.
      input.addEventListener('blur', () => commit(field.name));
      input.addEventListener('keydown', (e) => { if (e.key === 'Enter' && !e.isComposing) { e.preventDefault(); input.blur(); } });
      const label = el('label', null, [el('span', null, field.label), input]);
      if (field.updated_by) label.append(el('span', 'muted', `最近由${field.updated_by}填写`));
      if (notes.has(field.name)) label.append(el('span', { class: 'help-note', 'data-testid': 'console-draft-note' }, notes.get(field.name)));
      form.append(label);
    }
    return form;
  }

  function commit(name) {
    const typed = editing.get(name);
    if (redrawing || !typed) return;
    editing.delete(name);
    saveField(name, typed.value, typed.version);
  }

  async function saveField(name, value, version) {
    try {
      help = await api('PUT', `/api/remote-help/${help.id}/draft/${encodeURIComponent(name)}`, { value, version });
      notes.delete(name);
      draw();
    } catch (err) {
      if (err.status === 409) {
        // The enterprise wrote first: its value stays and is shown; nothing is overwritten silently.
        notes.set(name, `${err.detail}`);
        refresh();
      } else {
        notes.set(name, err.detail);
        draw();
      }
    }
  }

  function actions() {
    const row = el('div', 'help-actions');
    row.append(el('a', { class: 'btn btn-small', href: `/api/remote-help/${help.id}/draft.pdf`, 'data-testid': 'console-draft-pdf' },
      '申请表 PDF'));
    if (help.status === 'completed') {
      row.append(el('a', { class: 'btn btn-small', href: `/api/remote-help/${help.id}/summary.pdf`,
        'data-testid': 'console-summary-pdf' }, '预审结果 PDF'));
    }
    if (help.item.online_booking && help.status !== 'cancelled') row.append(bookingButton());
    if (help.status === 'active') {
      const cancel = el('button', { class: 'btn btn-small', type: 'button', 'data-testid': 'console-help-cancel' }, '结束帮办');
      cancel.addEventListener('click', async () => {
        if (!window.confirm('结束这次远程帮办？材料清单和申请表会保留在记录中。')) return;
        try {
          help = await api('POST', `/api/remote-help/${help.id}/cancel`);
          draw();
        } catch (err) { errorToast(err); }
      });
      row.append(cancel);
    }
    return row;
  }

  // ---- booking the visit to the hall (在线预约, desk/appointments): the contact from the draft

  function bookingButton() {
    const wrap = el('div', 'help-booking');
    const book = el('button', { class: 'btn btn-small', type: 'button', 'data-testid': 'help-book' }, '预约到大厅办理');
    book.addEventListener('click', () => showSlots(wrap, book));
    wrap.append(book);
    return wrap;
  }

  async function showSlots(wrap, book) {
    const value = (name) => (help.draft.find((f) => f.name === name) || {}).value || '';
    const name = value('contact_name') || value('legal_representative');
    const phone = value('contact_phone');
    if (!name || !phone) { toast('请先在申请表中填写联系人和联系电话', 'error'); return; }
    book.disabled = true;
    try {
      const today = new Date();
      const from = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
      const slots = await api('GET', `/api/appointments/slots?item_id=${encodeURIComponent(help.item.id)}&from=${from}&days=7`);
      const free = (slots || []).filter((s) => s.remaining > 0).slice(0, 8);
      const list = el('div', 'help-slots');
      if (!free.length) list.append(el('p', 'muted', '近 7 天没有可预约的时段'));
      for (const slot of free) {
        const pick = el('button', { class: 'btn btn-small', type: 'button', 'data-testid': 'help-slot' },
          `${slot.slot.slice(5, 16).replace('T', ' ')}（余 ${slot.remaining}）`);
        pick.addEventListener('click', () => bookSlot(wrap, slot, name, phone));
        list.append(pick);
      }
      wrap.replaceChildren(book, list);
    } catch (err) {
      errorToast(err);
    } finally {
      book.disabled = false;
    }
  }

  async function bookSlot(wrap, slot, name, phone) {
    try {
      const booked = await api('POST', '/api/appointments/staff', { item_id: help.item.id, slot: slot.slot, name, phone,
        conversation_id: conversationId });
      const when = String(booked.slot).slice(0, 16).replace('T', ' ');
      wrap.replaceChildren(el('p', { class: 'help-summary', 'data-testid': 'help-booking' },
        `已预约 ${when} · ${booked.location} · 确认码 ${booked.confirmation}`));
      // The enterprise needs the code (and the last 4 phone digits) to look the visit up or cancel it.
      await api('POST', `/api/conversations/${encodeURIComponent(conversationId)}/reply`, {
        text: `已为您预约 ${when} 到 ${booked.location} 办理“${help.item.name}”，确认码 ${booked.confirmation}。` +
          '可凭确认码和联系电话后四位查询或取消预约。' });
    } catch (err) {
      errorToast(err);
    }
  }

  return { open, close, refresh, onFrame };
}
