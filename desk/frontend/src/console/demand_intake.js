/* 导服 · 登记诉求 in the staff console: 应答 staff take a demand down for the enterprise they are
 * talking to, from the open live chat (button "登记诉求" in the chat's actions; channel chat, the
 * chat's user messages as the draft) or from a phone call (button "电话登记" in the queue's head;
 * channel phone). POST /api/demands/intake (desk/PROTOCOL.md "Demands"); the desk tells the chat
 * the tracking number itself. console.js imports this module once; it adds its buttons and dialog.
 *
 * Stable hooks for tests (data-testid): demand-intake-chat, demand-intake-phone, demand-intake-form
 * (demand-intake-category, -content, -enterprise, -contact-name, -phone, -submit; errors
 * demand-intake-error-<field>). Text from anyone is set as text, never parsed as HTML.
 */
import { $, el, onReady } from '../shared/dom.js';
import { createClient, createToast } from './common.js';

// daofu_protocol.DemandCategory, in the order the widget's form lists them.
const CATEGORIES = ['咨询', '求助', '投诉', '建议', '举报'];
const CHANNEL_LABELS = { chat: '在线对话', phone: '电话' };
const MAX_DRAFT = 4000;

const client = createClient();
const toast = createToast(6000, 6000);

function openChatId() {
  const chat = $('#chat');
  const id = $('#chat-id');
  return chat && !chat.hidden && id && id.title ? id.title : null;
}

/** The chat's user messages as the draft (button payloads left out). */
async function draftFrom(conversationId) {
  try {
    const data = await client.api('GET', '/api/conversations/' + encodeURIComponent(conversationId));
    const texts = (data && Array.isArray(data.messages) ? data.messages : [])
      .filter((m) => m && m.sender === 'user' && typeof m.text === 'string' && !m.text.startsWith('/'))
      .map((m) => m.text.trim()).filter(Boolean);
    return texts.join('\n').slice(0, MAX_DRAFT);
  } catch (err) {
    return '';
  }
}

function fieldRow(label, control, name, testid, errors) {
  control.name = name;
  control.dataset.testid = 'demand-intake-' + testid;
  control.setAttribute('aria-label', label); // the label alone, not with the error under it
  const error = el('div', { class: 'field-error', dataset: { testid: 'demand-intake-error-' + name } });
  errors[name] = error;
  return el('label', { class: 'intake-field' }, [el('span', { text: label }), control, error]);
}

async function openDialog(channel, conversationId) {
  const errors = {};
  const category = el('select');
  for (const name of CATEGORIES) category.appendChild(el('option', { value: name, text: name }));
  const content = el('textarea', { rows: '5', maxlength: String(MAX_DRAFT), placeholder: '发生了什么：事项、时间、经过和企业的诉求' });
  const enterprise = el('input', { type: 'text', maxlength: '200' });
  const contactName = el('input', { type: 'text', maxlength: '64' });
  const phone = el('input', { type: 'tel', maxlength: '32', placeholder: '手机号码或带区号的固定电话' });
  const hint = el('div', { class: 'field-error' });
  const submit = el('button', { class: 'btn btn-primary', type: 'submit', text: '登记', dataset: { testid: 'demand-intake-submit' } });
  const cancel = el('button', { class: 'btn', type: 'button', text: '取消' });
  const form = el('form', { class: 'intake-form', dataset: { testid: 'demand-intake-form' } }, [
    el('h3', { text: '登记诉求（' + CHANNEL_LABELS[channel] + '）' }),
    conversationId ? el('p', { class: 'muted', text: '关联会话 ' + conversationId + '：登记后用户会在对话中收到诉求编号。' })
      : el('p', { class: 'muted', text: '电话来电：请向来电企业读出诉求编号，并提示凭编号和电话后四位查询。' }),
    fieldRow('诉求类别', category, 'category', 'category', errors),
    fieldRow('发生了什么', content, 'content', 'content', errors),
    fieldRow('企业名称', enterprise, 'enterprise_name', 'enterprise', errors),
    fieldRow('联系人', contactName, 'contact_name', 'contact-name', errors),
    fieldRow('联系电话', phone, 'contact_phone', 'phone', errors),
    hint,
    el('div', { class: 'intake-actions' }, [cancel, submit]),
  ]);
  const dialog = el('dialog', { class: 'intake-dialog' }, form);
  document.body.appendChild(dialog);
  cancel.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => dialog.remove());
  dialog.showModal();
  if (conversationId) content.value = await draftFrom(conversationId);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    hint.textContent = '';
    for (const e of Object.values(errors)) e.textContent = '';
    const body = { category: category.value, content: content.value.trim(), enterprise_name: enterprise.value.trim(),
      contact_name: contactName.value.trim(), contact_phone: phone.value.trim(), channel };
    if (conversationId) body.conversation_id = conversationId;
    submit.disabled = true;
    try {
      const demand = await client.api('POST', '/api/demands/intake', body);
      toast('已登记诉求 ' + demand.tracking_number + '，办理时限 ' + demand.due_date, 'ok');
      dialog.close();
    } catch (err) {
      let placed = false;
      for (const p of (err && err.problems) || []) {
        const target = errors[p.field];
        if (target) { target.textContent = p.reason; placed = true; }
      }
      if (!placed) hint.textContent = (err && err.detail) || '登记失败，请稍后再试';
    } finally {
      submit.disabled = false;
    }
  });
}

function install() {
  if (!document.body || document.body.dataset.page !== 'console') return;
  const actions = $('.chat-actions');
  const resolve = $('#resolve');
  if (actions && resolve) {
    const fromChat = el('button', { class: 'btn btn-small', type: 'button', text: '登记诉求',
      title: '为当前会话的企业登记诉求（派单办理）', dataset: { testid: 'demand-intake-chat' } });
    fromChat.addEventListener('click', () => {
      const id = openChatId();
      if (!id) { toast('请先打开一个会话', 'error'); return; }
      openDialog('chat', id);
    });
    actions.insertBefore(fromChat, resolve);
  }
  const queueHead = $('#queue .panel-head');
  if (queueHead) {
    const fromPhone = el('button', { class: 'btn btn-small', type: 'button', text: '电话登记',
      title: '为来电企业登记诉求', dataset: { testid: 'demand-intake-phone' } });
    fromPhone.addEventListener('click', () => openDialog('phone', null));
    queueHead.appendChild(fromPhone);
  }
}

onReady(install);
