/* 快捷回复 (canned replies) in the staff console (desk/PROTOCOL.md "Canned replies").
 *
 * In the reply box, "/" (in an empty box) or Ctrl+K opens the picker: type to filter, ↑/↓ to move,
 * Enter or a click inserts the reply at the cursor with its placeholders ({事项名称} {部门} {电话})
 * filled from the open chat's current item (GET /api/canned-replies?conversation_id=…); Esc closes
 * it. A placeholder without a value stays in the text for the staff member to fill in. The button
 * "快捷回复" in the chat's actions manages them: the department's own (staff of the department) and
 * the shared ones (admins). console.js imports this module once; it adds its button and picker.
 *
 * Stable hooks for tests (data-testid): canned-picker, canned-filter, canned-option, canned-manage,
 * canned-dialog, canned-row, canned-title, canned-text, canned-shared, canned-save, canned-edit,
 * canned-delete, canned-error. Text from anyone is set as text, never parsed as HTML.
 */
import { $, el, onReady } from '../shared/dom.js';
import { createClient, createToast } from './common.js';

const client = createClient();
const toast = createToast(6000, 3000);

function openChatId() {
  const chat = $('#chat');
  const id = $('#chat-id');
  return chat && !chat.hidden && id && id.title ? id.title : null;
}

async function load(conversationId) {
  const query = conversationId ? '?conversation_id=' + encodeURIComponent(conversationId) : '';
  return client.api('GET', '/api/canned-replies' + query);
}

// ---------------------------------------------------------------- the picker

let picker = null; // {box, filter, list, items, index, slash, target}

function closePicker() {
  if (!picker) return;
  picker.box.remove();
  const target = picker.target;
  picker = null;
  target.focus();
}

function renderOptions() {
  const words = picker.filter.value.trim().toLowerCase();
  const shown = picker.items.filter((r) => !words || (r.title + ' ' + r.filled).toLowerCase().includes(words));
  picker.shown = shown;
  picker.index = Math.min(picker.index, Math.max(0, shown.length - 1));
  picker.list.replaceChildren();
  if (!shown.length) {
    picker.list.appendChild(el('li', { class: 'muted', text: picker.items.length ? '没有匹配的快捷回复' : '还没有快捷回复：点“快捷回复”添加' }));
    return;
  }
  shown.forEach((reply, i) => {
    const option = el('li', { role: 'option', 'aria-selected': String(i === picker.index), dataset: { testid: 'canned-option', id: String(reply.id) } },
      [el('strong', { text: reply.title }), ' ', el('span', { class: 'muted', text: reply.filled.slice(0, 60) })]);
    option.style.cursor = 'pointer';
    option.style.padding = '4px 6px';
    if (i === picker.index) option.style.background = '#e8f0fe';
    option.addEventListener('mousedown', (event) => { event.preventDefault(); choose(reply); });
    picker.list.appendChild(option);
  });
}

function choose(reply) {
  const box = picker.target;
  let start = box.selectionStart;
  let end = box.selectionEnd;
  if (picker.slash && box.value.slice(start - 1, start) === '/') start -= 1; // the "/" that opened it
  box.value = box.value.slice(0, start) + reply.filled + box.value.slice(end);
  end = start + reply.filled.length;
  box.setSelectionRange(end, end);
  if (reply.missing && reply.missing.length) toast('请补全：' + reply.missing.map((m) => '{' + m + '}').join('、'), 'error');
  closePicker();
}

async function openPicker(target, slash) {
  if (picker) return;
  const filter = el('input', { type: 'search', placeholder: '输入关键词筛选，Enter 插入，Esc 关闭', 'aria-label': '筛选快捷回复', dataset: { testid: 'canned-filter' } });
  const list = el('ul', { role: 'listbox' });
  list.style.cssText = 'list-style:none;margin:4px 0 0;padding:0;max-height:220px;overflow:auto';
  const box = el('div', { class: 'panel', role: 'dialog', 'aria-label': '快捷回复', dataset: { testid: 'canned-picker' } },
    [el('div', { class: 'muted', text: '快捷回复' }), filter, list]);
  box.style.cssText = 'position:absolute;z-index:50;width:420px;max-width:90vw;padding:8px;background:#fff;border:1px solid #c9d3e0;border-radius:6px;box-shadow:0 4px 16px rgba(0,0,0,.15)';
  const rect = target.getBoundingClientRect();
  box.style.left = (window.scrollX + rect.left) + 'px';
  box.style.top = (window.scrollY + Math.max(0, rect.top - 280)) + 'px';
  document.body.appendChild(box);
  picker = { box, filter, list, items: [], shown: [], index: 0, slash, target };
  filter.addEventListener('input', () => { if (picker) { picker.index = 0; renderOptions(); } });
  filter.addEventListener('keydown', onPickerKey);
  filter.addEventListener('blur', () => setTimeout(() => { if (picker && document.activeElement !== picker.filter) closePicker(); }, 150));
  filter.focus();
  try {
    const data = await load(openChatId());
    if (!picker) return;
    picker.items = (data && Array.isArray(data.replies) ? data.replies : []);
    renderOptions();
  } catch (err) {
    if (picker) picker.list.replaceChildren(el('li', { class: 'field-error', text: err.detail || '读取快捷回复失败' }));
  }
}

function onPickerKey(event) {
  if (!picker) return;
  if (event.key === 'Escape') { event.preventDefault(); closePicker(); return; }
  if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
    event.preventDefault();
    const n = picker.shown.length;
    if (n) picker.index = (picker.index + (event.key === 'ArrowDown' ? 1 : n - 1)) % n;
    renderOptions();
    return;
  }
  if (event.key === 'Enter' && !event.isComposing) {
    event.preventDefault();
    const reply = picker.shown[picker.index];
    if (reply) choose(reply);
  }
}

function onReplyKey(event) {
  const target = event.target;
  if (!target || target.id !== 'reply-text' || target.disabled || event.isComposing) return;
  const ctrlK = (event.ctrlKey || event.metaKey) && (event.key === 'k' || event.key === 'K');
  const slash = event.key === '/' && !event.ctrlKey && !event.metaKey && target.value.trim() === '';
  if (!ctrlK && !slash) return;
  if (ctrlK) event.preventDefault(); // the browser's own Ctrl+K (search bar)
  // A "/" is typed into the box first; choosing a reply replaces it, Esc keeps it.
  setTimeout(() => openPicker(target, slash), 0);
}

// ---------------------------------------------------------------- managing them

async function openManager() {
  let me = null;
  try { me = await client.api('GET', '/api/me'); } catch (err) { return; }
  const list = el('div');
  const title = el('input', { type: 'text', maxlength: '100', placeholder: '标题，例如：材料说明', dataset: { testid: 'canned-title' } });
  const text = el('textarea', { rows: '4', maxlength: '2000', placeholder: '回复内容，可用 {事项名称} {部门} {电话}', dataset: { testid: 'canned-text' } });
  const shared = el('input', { type: 'checkbox', dataset: { testid: 'canned-shared' } });
  const error = el('div', { class: 'field-error', dataset: { testid: 'canned-error' } });
  const save = el('button', { class: 'btn btn-primary', type: 'submit', text: '添加', dataset: { testid: 'canned-save' } });
  const close = el('button', { class: 'btn', type: 'button', text: '关闭' });
  let editing = null;
  const form = el('form', { dataset: { testid: 'canned-dialog' } }, [
    el('h3', { text: '快捷回复' }),
    el('p', { class: 'muted', text: '在回复框输入 “/” 或按 Ctrl+K 选用；占位符按会话当前事项填写。' }),
    list,
    el('label', null, [el('span', { text: '标题 ' }), title]),
    el('label', null, [el('span', { text: '内容 ' }), text]),
    me && me.role === 'admin' ? el('label', null, [shared, el('span', { text: ' 全部部门共用' })]) : null,
    error,
    el('div', null, [close, ' ', save]),
  ]);
  form.style.cssText = 'display:flex;flex-direction:column;gap:6px;min-width:480px';
  const dialog = el('dialog', null, form);
  document.body.appendChild(dialog);
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => dialog.remove());

  async function refresh() {
    list.replaceChildren();
    try {
      const data = await load(null);
      for (const reply of data.replies) {
        const edit = el('button', { class: 'btn btn-small', type: 'button', text: '修改', dataset: { testid: 'canned-edit' } });
        const remove = el('button', { class: 'btn btn-small', type: 'button', text: '删除', dataset: { testid: 'canned-delete' } });
        edit.disabled = remove.disabled = !reply.editable;
        edit.addEventListener('click', () => {
          editing = reply.id; title.value = reply.title; text.value = reply.text; save.textContent = '保存修改';
        });
        remove.addEventListener('click', async () => {
          if (!window.confirm('删除快捷回复“' + reply.title + '”？')) return;
          try { await client.api('DELETE', '/api/canned-replies/' + reply.id); refresh(); } catch (err) { error.textContent = err.detail; }
        });
        list.appendChild(el('div', { class: 'ticket', dataset: { testid: 'canned-row' } }, [
          el('strong', { text: reply.title }), ' ', el('span', { class: 'muted', text: '（' + reply.department + '）' }),
          el('div', { text: reply.text }), edit, ' ', remove]));
      }
      if (!data.replies.length) list.appendChild(el('p', { class: 'muted', text: '还没有快捷回复。' }));
    } catch (err) {
      error.textContent = err.detail || '读取失败';
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const body = { title: title.value, text: text.value };
    if (!editing) body.shared = Boolean(shared.checked);
    try {
      if (editing) await client.api('PUT', '/api/canned-replies/' + editing, body);
      else await client.api('POST', '/api/canned-replies', body);
      editing = null; title.value = ''; text.value = ''; save.textContent = '添加';
      refresh();
    } catch (err) {
      error.textContent = err.detail || '保存失败';
    }
  });
  dialog.showModal();
  refresh();
}

function install() {
  if (!document.body || document.body.dataset.page !== 'console') return;
  // Capture: before console.js's own Enter-to-send on the reply box.
  document.addEventListener('keydown', onReplyKey, true);
  const actions = $('.chat-actions');
  if (actions) {
    const manage = el('button', { class: 'btn btn-small', type: 'button', text: '快捷回复',
      title: '管理快捷回复（回复框中输入 / 或按 Ctrl+K 选用）', dataset: { testid: 'canned-manage' } });
    manage.addEventListener('click', openManager);
    actions.appendChild(manage);
  }
}

onReady(install);
