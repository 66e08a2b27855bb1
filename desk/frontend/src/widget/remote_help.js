/* Remote help (远程帮办) in the widget (desk/PROTOCOL.md "Remote help"): the item's material checklist
 * with the staff's marks, uploads per entry, the shared application draft and the PDFs.
 *
 * The state comes whole in every `remote_help` frame and is read again after each welcome (a
 * reconnection shows it). Calls carry the conversation's resume token in X-Daofu-Resume-Token; files
 * and PDFs are fetched with it and handed to the browser as blob URLs (no token in any URL).
 * Text from staff, the catalog and the draft is set with textContent only.
 */
import { button, el, str } from '../shared/dom.js';
import helpCss from './remote_help.css';

const ACCEPT = 'image/jpeg,image/png,image/webp,application/pdf';

/**
 * options: origin, store (store.js: conversation_id, resume_token), shadow (to add the stylesheet),
 * mount and before (the card goes into mount, before that node: above the conversation, so it stays
 * in sight however long the chat), notify(text) (a system line in the chat).
 */
export function createRemoteHelp(options) {
  const { origin, store, mount, before, notify } = options;
  addStyles(options.shadow, helpCss);
  let state = null;
  let card = null;
  let open = true;
  let redrawing = false;
  const notes = new Map(); // field name → the note after a refused (stale) write
  // field name → {value, version}: what the user is typing and the version it started from, kept
  // across redraws, so a change from the other side meanwhile makes the save a 409, never a silent overwrite
  const editing = new Map();

  const base = () => `${origin}/api/widget/remote-help/${encodeURIComponent(store.data.conversation_id || '')}`;
  const headers = (extra) => ({ Accept: 'application/json', 'X-Daofu-Resume-Token': store.data.resume_token || '', ...extra });

  async function call(method, path, body, extra) {
    const res = await fetch(base() + path, { method, headers: headers(extra), body });
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    return { res, data };
  }

  async function refresh() {
    if (!store.data.conversation_id || !store.data.resume_token) return;
    try {
      const { res, data } = await call('GET', '');
      if (res.ok) show(data);
    } catch (e) { /* offline: the next welcome tries again */ }
  }

  function show(help) {
    if (!help || typeof help !== 'object' || help.conversation_id !== store.data.conversation_id) {
      if (help === null) reset();
      return;
    }
    state = help;
    draw();
  }

  function reset() {
    state = null;
    notes.clear();
    editing.clear();
    if (card) card.remove();
    card = null;
  }

  function draw() {
    const fresh = el('details', { class: 'daofu-help', 'data-testid': 'widget-remote-help' });
    fresh.open = open;
    fresh.addEventListener('toggle', () => { open = fresh.open; });
    fresh.append(el('summary', null, `远程帮办：${str(state.item && state.item.name)}（${str(state.status_label)}）`));
    const body = el('div', 'daofu-help-body');
    if (state.status === 'completed' && state.summary) body.append(summaryBox(state.summary));
    body.append(el('div', null, '材料清单'), entriesList(), el('div', null, '申请表（与工作人员共同填写）'), draftForm(), actions());
    fresh.append(body);
    // A redraw must not take the cursor away from a field being typed in.
    const focused = options.shadow ? options.shadow.activeElement : null;
    const focusedId = focused && card && card.contains(focused) ? focused.dataset.testid : null;
    redrawing = true; // a field losing focus because it is replaced is not the user leaving it
    if (card && card.isConnected) card.replaceWith(fresh);
    else mount.insertBefore(fresh, before || mount.firstChild);
    card = fresh;
    redrawing = false;
    if (focusedId) {
      const again = fresh.querySelector(`[data-testid="${focusedId}"]`);
      if (again) again.focus();
    }
  }

  function summaryBox(summary) {
    const box = el('div', { class: 'daofu-help-summary', 'data-testid': 'widget-help-summary' },
      `预审结论：${str(summary.result)}`);
    if (summary.online_url) {
      const link = el('a', { href: str(summary.online_url), target: '_blank', rel: 'noopener noreferrer' }, '在线申请');
      box.append(el('br'), link);
    }
    return box;
  }

  function entriesList() {
    const list = el('ol', 'daofu-help-entries');
    const active = state.status === 'active';
    for (const entry of state.entries || []) {
      const item = el('li', { class: 'daofu-help-entry', 'data-testid': 'widget-help-entry', 'data-entry': String(entry.id) });
      const mark = el('span', { class: 'daofu-help-mark', 'data-status': str(entry.status), 'data-testid': 'widget-help-mark' },
        str(entry.status_label));
      item.append(el('div', 'daofu-help-entry-head', [el('span', null, `${entry.position}. ${str(entry.name)}`), mark]));
      if (entry.reason) item.append(el('div', { class: 'daofu-help-reason', 'data-testid': 'widget-help-reason' }, `原因：${str(entry.reason)}`));
      if ((entry.files || []).length) {
        const files = el('div', 'daofu-help-files');
        for (const f of entry.files) files.append(button(null, str(f.name), () => download(`/files/${f.id}`, str(f.name))));
        item.append(files);
      }
      if (active && entry.status !== 'accepted') item.append(uploader(entry));
      list.append(item);
    }
    return list;
  }

  function uploader(entry) {
    const input = el('input', { type: 'file', accept: ACCEPT, class: 'daofu-help-upload', 'data-testid': 'widget-help-upload',
      'aria-label': `上传：${str(entry.name)}` });
    input.addEventListener('change', async () => {
      const file = input.files && input.files[0];
      if (!file) return;
      input.disabled = true;
      try {
        const { res, data } = await call('POST', `/entries/${entry.id}/files`, file,
          { 'Content-Type': 'application/octet-stream', 'X-File-Name': encodeURIComponent(file.name) });
        if (res.ok) show(data);
        else notify(`“${file.name}”上传失败：${str(data && data.detail) || '请稍后再试'}`);
      } catch (e) {
        notify('上传失败，请检查网络后重试。');
      } finally {
        input.disabled = false;
        input.value = '';
      }
    });
    return input;
  }

  function draftForm() {
    const form = el('div', 'daofu-help-draft');
    const editable = state.status !== 'cancelled';
    for (const field of state.draft || []) {
      const input = el('input', { type: 'text', 'data-testid': `widget-draft-${field.name}`, placeholder: str(field.hint),
        maxlength: '500' });
      const typed = editing.get(field.name);
      input.value = typed ? typed.value : str(field.value);
      input.disabled = !editable;
      input.dataset.version = String(typed ? typed.version : field.version);
      input.addEventListener('input', () => {
        editing.set(field.name, { value: input.value, version: Number(input.dataset.version) });
      });
      // Saved when the field is left (or Enter), from the version the typing started at; a redraw
      // that replaces the field meanwhile keeps the typing (and its version) in the new one.
      input.addEventListener('blur', () => commit(field.name));
      input.addEventListener('keydown', (e) => { if (e.key === 'Enter' && !e.isComposing) { e.preventDefault(); input.blur(); } });
      const label = el('label', null, [str(field.label), input]);
      if (field.updated_by) label.append(el('span', null, `最近由${str(field.updated_by)}填写`));
      const note = notes.get(field.name);
      if (note) label.append(el('span', { class: 'daofu-help-note', 'data-testid': 'widget-draft-note' }, note));
      form.append(label);
    }
    return form;
  }

  function commit(name) {
    const typed = editing.get(name);
    if (redrawing || !typed) return;
    editing.delete(name);
    save(name, typed.value, typed.version);
  }

  async function save(name, value, version) {
    try {
      const { res, data } = await call('PUT', `/draft/${encodeURIComponent(name)}`, JSON.stringify({ value, version }),
        { 'Content-Type': 'application/json' });
      if (res.ok) {
        notes.delete(name);
        show(data);
      } else if (res.status === 409 && data && data.current) {
        // Someone wrote first: show what won and keep it; the user decides whether to change it again.
        notes.set(name, `${str(data.current.updated_by) || '对方'}已改为“${str(data.current.value)}”，您的“${str(value)}”未保存`);
        refresh();
      } else {
        notes.set(name, str(data && data.detail) || '保存失败，请稍后再试');
        draw();
      }
    } catch (e) {
      notify('保存失败，请检查网络后重试。');
    }
  }

  function actions() {
    const row = el('div', 'daofu-help-actions');
    const name = str(state.item && state.item.name);
    const draftBtn = button(null, '下载申请表 PDF', () => download('/draft.pdf', `${name}-申请表草稿.pdf`));
    draftBtn.dataset.testid = 'widget-draft-pdf';
    row.append(draftBtn);
    if (state.status === 'completed') {
      const summaryBtn = button(null, '下载预审结果 PDF', () => download('/summary.pdf', `${name}-材料预审结果.pdf`));
      summaryBtn.dataset.testid = 'widget-summary-pdf';
      row.append(summaryBtn);
    }
    return row;
  }

  async function download(path, name) {
    try {
      const res = await fetch(base() + path, { headers: headers() });
      if (!res.ok) {
        notify(`下载失败（${res.status}），请稍后再试。`);
        return;
      }
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = name;
      a.rel = 'noopener';
      (card || mount).appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    } catch (e) {
      notify('下载失败，请检查网络后重试。');
    }
  }

  return { show, refresh, reset, get state() { return state; } };
}

// One more constructable stylesheet beside the widget's own (desk/frontend/src/widget/view.js).
function addStyles(shadow, css) {
  if (!shadow) return;
  if ('adoptedStyleSheets' in shadow && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      shadow.adoptedStyleSheets = [...shadow.adoptedStyleSheets, sheet];
      return;
    } catch (e) { /* fall back below */ }
  }
  const style = document.createElement('style');
  style.textContent = css;
  shadow.appendChild(style);
}
