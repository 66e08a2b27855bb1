/* 政策措施 (申兑指南) in the knowledge console: the measures of the latest version, the spaCy rules'
 * proposals for a policy document, an editor of one measure (JSON with the library's condition
 * types, checked by the desk against the document's text), versions with author and changes,
 * publish and restore (desk/PROTOCOL.md "惠企政策", /api/policy/editor).
 *
 * Imported by knowledge.js; it adds its own tab and view next to the others and hides them while it
 * is shown (knowledge.js's tabs hide it again). All text from the API is set with textContent.
 */
import { $, button, el, formatDateTime, onReady, str } from '../shared/dom.js';
import { createClient } from './common.js';

const client = createClient({ statusTexts: { 403: '需要知识编辑或管理员权限' } });
const CONDITION_TYPES = [
  ['size_in', '{"sizes": ["中型", "小型", "微型"]}'], ['industry_in', '{"industries": ["62"]}（GB/T 4754 代码）'],
  ['region', '{"region": "北京市海淀区"}'], ['employees', '{"min": 10, "max": 300}'],
  ['established', '{"before": "2020-01-01"}'], ['taxpayer_type', '{"value": "小规模纳税人"}'],
  ['tax_credit_level', '{"levels": ["A", "B"]}'], ['qualification', '{"any_of": ["高新技术企业"]}'],
  ['no_serious_dishonesty', '{}'], ['revenue / assets', '{"min": 0, "max": 2000}（万元）'],
  ['manual', '{}（需人工确认）'],
];

const AUTOMATIC = '免申即享';
let view = null;
let editingId = null;

function status(text, isError) {
  const line = $('#measures-status');
  line.textContent = text;
  line.classList.toggle('error', Boolean(isError));
}

async function call(method, path, body) {
  try {
    return await client.api(method, path, body);
  } catch (err) {
    status(err.detail || '操作失败', true);
    throw err;
  }
}

function show() {
  for (const tab of document.querySelectorAll('.tabs .tab')) {
    tab.classList.toggle('active', tab.id === 'tab-measures');
    tab.setAttribute('aria-selected', String(tab.id === 'tab-measures'));
  }
  for (const main of document.querySelectorAll('main.kb-view')) main.hidden = main !== view;
  load();
}

async function load() {
  const [listed, versions] = await Promise.all([call('GET', '/api/policy/editor/measures'),
    call('GET', '/api/policy/editor/versions')]);
  const published = versions.published === null ? '未发布（使用随附的措施）' : `第 ${versions.published} 版`;
  $('#measures-version').textContent = `当前第 ${listed.version} 版 · 对话使用：${published}`;
  const rows = listed.measures.map((m) => {
    const push = m.how === AUTOMATIC
      ? button('small', '推送名单', (event) => { event.stopPropagation(); pushList(m); }) : '';
    const row = el('tr', { class: 'record-row', tabindex: '0', dataset: { id: m.id } }, [
      el('td', null, str(m.title)), el('td', null, str(m.how)), el('td', null, str(m.region)),
      el('td', null, String((m.conditions || []).length)), el('td', null, str(m.policy_id).slice(0, 8)),
      el('td', null, push)]);
    row.addEventListener('click', () => edit(m));
    return row;
  });
  $('#measures-list').tBodies[0].replaceChildren(...rows);
  const items = versions.versions.map((v) => el('li', null, [
    el('span', null, `第 ${v.number} 版 · ${formatDateTime(v.created_at)} · ${str(v.author)} · ${str(v.summary)}`),
    button('small', '发布', () => publish(v.number)),
    button('small', '恢复', () => restore(v.number))]));
  $('#measures-versions').replaceChildren(...items);
}

/* 免申即享: the saved enterprise profiles that qualify for the measure (符合) or may (需核实, with
 * what to confirm), personal data masked by the desk; the same list as CSV. */
async function pushList(measure) {
  const found = await call('GET', `/api/policy/measures/${encodeURIComponent(measure.id)}/push-list`);
  const rows = found.profiles.map((p) => el('tr', null, [
    el('td', null, str(p.status)), el('td', null, str(p.name)), el('td', null, str(p.credit_code)),
    el('td', null, str(p.region)), el('td', null, str(p.industry)), el('td', null, str(p.size)),
    el('td', null, (p.to_confirm || []).map(str).join('；')), el('td', null, formatDateTime(p.saved_at))]));
  $('#push-list-title').textContent = `推送名单：${str(found.measure.title || measure.title)}（按 ${str(found.as_of)} 判断，` +
    `${found.profiles.length} 家企业）`;
  $('#push-list').tBodies[0].replaceChildren(...rows);
  $('#push-list-csv').href = `/api/policy/measures/${encodeURIComponent(measure.id)}/push-list.csv`;
  $('#push-list-panel').hidden = false;
  status(found.profiles.length ? '' : '还没有已保存的企业信息符合这条措施');
}

function edit(measure, proposal) {
  editingId = measure.id || '';
  $('#measure-id').value = editingId;
  $('#measure-json').value = JSON.stringify(measure, null, 2);
  $('#measure-editor').hidden = false;
  $('#measure-delete').hidden = Boolean(proposal);
  status(proposal ? '这是规则提取的草稿：请核对原文，填写编号（小写字母、数字和连字符）后保存。' : '');
}

async function save() {
  let data;
  try { data = JSON.parse($('#measure-json').value); } catch (e) { status('JSON 格式有误：' + e.message, true); return; }
  const id = $('#measure-id').value.trim();
  data.id = id;
  const saved = await call('PUT', `/api/policy/editor/measures/${encodeURIComponent(id)}`, data);
  status(`已保存为第 ${saved.version.number} 版（发布后对话才使用）`);
  load();
}

async function remove() {
  if (!editingId || !window.confirm('删除这条政策措施？（会生成新版本，可恢复）')) return;
  const done = await call('DELETE', `/api/policy/editor/measures/${encodeURIComponent(editingId)}`);
  $('#measure-editor').hidden = true;
  status(`已删除，第 ${done.version.number} 版`);
  load();
}

async function publish(number) {
  await call('POST', `/api/policy/editor/versions/${number}/publish`);
  status(`已发布第 ${number} 版：对话和推送名单从下一轮起使用这一版`);
  load();
}

async function restore(number) {
  const done = await call('POST', `/api/policy/editor/versions/${number}/restore`);
  status(`已把第 ${number} 版恢复为第 ${done.version.number} 版（需发布）`);
  load();
}

async function propose(event) {
  event.preventDefault();
  const doc = $('#proposal-doc').value.trim();
  if (!doc) return;
  status('正在提取（首次需加载分词模型，约几秒）…');
  const found = await call('GET', `/api/policy/editor/documents/${encodeURIComponent(doc)}/proposals`);
  const items = found.proposals.map((p, i) => el('li', null, [
    el('span', null, `${str(p.title)}（${(p.conditions || []).length} 个条件，${str(p.how)}）`),
    button('small', '采用为草稿', () => edit({ id: `${doc.slice(0, 8)}-new${i + 1}`, ...p }, true))]));
  $('#proposal-list').replaceChildren(...items);
  status(`规则提出 ${found.proposals.length} 条草稿，请逐条核对后保存`);
}

function build() {
  const tabs = $('.tabs');
  if (!tabs || $('#tab-measures')) return;
  const tab = button('tab', '政策措施', show);
  tab.id = 'tab-measures';
  tab.setAttribute('role', 'tab');
  tab.setAttribute('aria-selected', 'false');
  tabs.appendChild(tab);
  // knowledge.js's own tabs show their views: this one is hidden then.
  for (const other of tabs.querySelectorAll('.tab')) {
    if (other !== tab) other.addEventListener('click', () => { view.hidden = true; tab.classList.remove('active'); });
  }
  const help = el('ul', 'measure-help', CONDITION_TYPES.map(([type, example]) => el('li', null, `${type}：${example}`)));
  view = el('main', { id: 'view-measures', class: 'kb-view', role: 'tabpanel', hidden: true }, [
    el('section', 'panel', [
      el('h2', null, '政策措施（申兑指南）'),
      el('div', { id: 'measures-version', class: 'muted' }),
      el('div', { id: 'measures-status', class: 'muted', 'aria-live': 'polite' }),
      el('form', { id: 'proposal-form' }, [
        el('label', { for: 'proposal-doc' }, '政策文件编号（docid）：'), el('input', { id: 'proposal-doc', size: '36' }),
        el('button', { type: 'submit' }, '规则提取草稿')]),
      el('ol', { id: 'proposal-list' }),
      el('table', { id: 'measures-list', class: 'kb-table' }, [
        el('thead', null, el('tr', null, ['措施', '获取方式', '地区', '条件数', '文件', ''].map((h) => el('th', null, h)))),
        el('tbody')]),
      el('div', { id: 'push-list-panel', hidden: true }, [
        el('h3', { id: 'push-list-title' }),
        el('a', { id: 'push-list-csv', href: '#', download: '' }, '导出 CSV'),
        el('table', { id: 'push-list', class: 'kb-table' }, [
          el('thead', null, el('tr', null, ['结果', '企业', '信用代码', '地区', '行业', '规模', '待核实', '保存时间']
            .map((h) => el('th', null, h)))),
          el('tbody')])]),
      el('div', { id: 'measure-editor', hidden: true }, [
        el('label', { for: 'measure-id' }, '编号：'), el('input', { id: 'measure-id', size: '30' }),
        el('textarea', { id: 'measure-json', rows: '24', cols: '100', spellcheck: 'false' }),
        el('div', 'muted', '条件类型（type 及其字段）：'), help,
        el('div', null, [button('primary', '保存', save), button('danger', '删除', remove)])]),
      el('h3', null, '版本与审计'),
      el('ol', { id: 'measures-versions' })])]);
  $('#measure-editor', view).querySelector('.danger').id = 'measure-delete';
  const last = document.querySelectorAll('main.kb-view');
  last[last.length - 1].after(view);
  $('#proposal-form').addEventListener('submit', propose);
}

onReady(build);
