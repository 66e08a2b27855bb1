/* The cards of the bot's payloads (desk/PROTOCOL.md "Bot payloads"): item, policy passage, bundle
 * (一件事) and referral. The widget shows them to users, the knowledge console's try-it box shows the
 * same cards to editors, and the staff console shows a one-line summary of each in the transcript.
 * Class names start with daofu- (styles: cards.css, inside the widget's Shadow DOM and in the
 * knowledge console).
 */
import { appendRichText, button, charCount, el, externalLink, isWebUrl, str } from './dom.js';

const LONG_BASIS = 120;   // 办理依据 longer than this is folded

const isObject = (v) => Boolean(v) && typeof v === 'object';

/**
 * The card of a message's payload.custom, or null, and whether the message's text is still shown
 * (the text is the plain-client version of most cards). options.catalog: the catalog name for cards
 * whose source names none.
 */
export function payloadCard(custom, options) {
  const catalog = (options && options.catalog) || '';
  if (!isObject(custom)) return { card: null, showText: true };
  if (isObject(custom.item_card)) {
    // Without `field` the text is the plain-client version of the card: the card replaces it.
    // With `field` the text answers that one question, so it stays and the card is folded.
    const collapsed = Boolean(custom.field);
    return { card: itemCard(custom.item_card, collapsed, catalog), showText: collapsed };
  }
  if (isObject(custom.policy_passage)) {
    // The text repeats the passage and its source.
    return { card: policyCard(custom.policy_passage), showText: false };
  }
  if (isObject(custom.bundle)) {
    // The card lists the same steps; each is also a button below it.
    return { card: bundleCard(custom.bundle, catalog), showText: false };
  }
  if (isObject(custom.referral)) {
    // The card says what the text says: not in the catalog, who handles it, 12345.
    return { card: referralCard(custom.referral), showText: false };
  }
  if (isObject(custom.policy_matches)) {
    // The text lists the same measures and counts for plain clients.
    return { card: policyMatchesCard(custom.policy_matches), showText: false };
  }
  return { card: null, showText: true };
}

/** A label: value line whose value may hold links (nothing when the value is empty). */
export function row(parent, label, value) {
  const v = str(value).trim();
  if (!v) return;
  const r = el('div', 'daofu-row');
  r.append(el('span', 'daofu-label', `${label}：`));
  appendRichText(r, v);
  parent.appendChild(r);
}

export function itemCard(card, collapsed, catalog) {
  const box = el('div', 'daofu-card daofu-item-card');
  const head = el('div', 'daofu-card-head');
  head.appendChild(el('div', 'daofu-card-title', str(card.name) || '政务服务事项'));
  box.appendChild(head);
  const content = el('div', 'daofu-card-body');
  box.appendChild(content);

  if (collapsed) {
    box.classList.add('daofu-collapsed');
    content.hidden = true;
    const toggle = button('daofu-card-toggle', '展开详情', () => {
      content.hidden = !content.hidden;
      box.classList.toggle('daofu-collapsed', content.hidden);
      toggle.textContent = content.hidden ? '展开详情' : '收起';
      toggle.setAttribute('aria-expanded', String(!content.hidden));
    });
    toggle.setAttribute('aria-expanded', 'false');
    head.appendChild(toggle);
  }

  row(content, '实施部门', card.department);
  row(content, '事项类型', card.item_type);
  row(content, '承诺时限', card.promised_time_limit);
  row(content, '法定时限', card.statutory_time_limit);
  if (Array.isArray(card.service_objects) && card.service_objects.length) {
    row(content, '服务对象', card.service_objects.map(str).join('、'));
  }

  const mat = el('div', 'daofu-row daofu-materials');
  mat.appendChild(el('span', 'daofu-label', '所需材料：'));
  const materials = Array.isArray(card.materials) ? card.materials.map(str).filter(Boolean) : [];
  if (materials.length) {
    const ol = el('ol');
    for (const item of materials) ol.appendChild(el('li', null, item));
    mat.appendChild(ol);
  } else {
    mat.appendChild(document.createTextNode('目录未列出，请咨询办理部门'));
  }
  content.appendChild(mat);

  row(content, '办理地点', card.location);
  row(content, '咨询电话', card.consult_phone);
  row(content, '监督投诉电话', card.complaint_phone);
  basisRow(content, str(card.basis).trim());

  const tags = el('div', 'daofu-tags');
  if (card.online_booking) tags.appendChild(el('span', 'daofu-tag', '支持网上预约'));
  if (card.courier) tags.appendChild(el('span', 'daofu-tag', '支持快递送达'));
  if (tags.childNodes.length) content.appendChild(tags);

  const url = str(card.url).trim();
  if (isWebUrl(url)) content.appendChild(externalLink(url, '网上办理', 'daofu-online'));

  const source = isObject(card.source) ? card.source : {};
  const dept = str(source.department) || str(card.department);
  box.appendChild(el('div', 'daofu-source',
    `来源：${str(source.catalog) || str(catalog)}${dept ? `（${dept}）` : ''}`));
  return box;
}

// 办理依据 can be several hundred characters of legal text: fold it past a few lines.
function basisRow(parent, basis) {
  if (!basis) return;
  const r = el('div', 'daofu-row daofu-basis');
  r.appendChild(el('span', 'daofu-label', '办理依据：'));
  const textEl = el('span', null, basis);
  r.appendChild(textEl);
  if (charCount(basis) > LONG_BASIS) {
    const short = Array.from(basis).slice(0, LONG_BASIS - 20).join('') + '…';
    textEl.textContent = short;
    const more = button('daofu-more', '展开', () => {
      const expand = more.textContent === '展开';
      textEl.textContent = expand ? basis : short;
      more.textContent = expand ? '收起' : '展开';
    });
    r.append(document.createTextNode(' '), more);
  }
  parent.appendChild(r);
}

export function policyCard(p) {
  const src = isObject(p.source) ? p.source : {};
  const title = str(p.title) || str(src.title);
  const issuer = str(p.issuer) || str(src.issuer);
  const docNumber = str(p.doc_number) || str(src.doc_number);
  const date = str(p.date) || str(src.date);

  const box = el('div', 'daofu-card daofu-policy');
  box.appendChild(el('div', 'daofu-card-title', title ? `《${title}》` : '政策文件'));
  const meta = [issuer, docNumber, date].filter(Boolean);
  if (meta.length) box.appendChild(el('div', 'daofu-policy-meta', meta.join(' · ')));
  const passage = str(p.passage);
  if (passage) {
    const q = el('div', 'daofu-policy-passage');
    appendRichText(q, passage);
    box.appendChild(q);
  }
  box.appendChild(el('div', 'daofu-source',
    `来源：${title ? `《${title}》` : '政策文件'}${meta.length ? `（${meta.join('，')}）` : ''}`));
  return box;
}

// 一件事: the items it takes, in order (the widget's buttons under the card open each item's card).
export function bundleCard(b, catalog) {
  const box = el('div', 'daofu-card daofu-bundle');
  box.appendChild(el('div', 'daofu-card-title', `一件事：${str(b.name)}`));
  if (str(b.intro)) box.appendChild(el('div', 'daofu-row', str(b.intro)));
  const steps = Array.isArray(b.steps) ? b.steps.filter(isObject) : [];
  const ol = el('ol', 'daofu-bundle-steps');
  for (const step of steps) {
    const li = el('li');
    li.appendChild(el('span', 'daofu-step-title', str(step.title)));
    if (str(step.department)) li.appendChild(el('span', 'daofu-step-dept', `（${str(step.department)}）`));
    if (str(step.note)) li.appendChild(el('div', 'daofu-step-note', str(step.note)));
    ol.appendChild(li);
  }
  box.appendChild(ol);
  const outside = Array.isArray(b.outside_catalog) ? b.outside_catalog.map(str).filter(Boolean) : [];
  if (outside.length) {
    const more = el('div', 'daofu-row daofu-outside');
    more.appendChild(el('span', 'daofu-label', '不在本目录中的环节（请向相应部门咨询）：'));
    const ul = el('ul');
    for (const line of outside) ul.appendChild(el('li', null, line));
    more.appendChild(ul);
    box.appendChild(more);
  }
  const source = isObject(b.source) ? b.source : {};
  box.appendChild(el('div', 'daofu-source', `来源：${str(source.catalog) || str(catalog)}；“一件事”由知识库编辑整理`));
  return box;
}

// A matter the catalog lacks: the department that usually handles it, and the hotline.
export function referralCard(r) {
  const box = el('div', 'daofu-card daofu-referral');
  const title = str(r.title) || str(r.matter);
  box.appendChild(el('div', 'daofu-card-title', title ? `目录暂未收录：${title}` : '目录暂未收录该事项'));
  row(box, '一般办理部门', r.department);
  row(box, '办理地点', r.where);
  row(box, '省级对口部门', r.catalog_department);
  row(box, '咨询热线', str(r.hotline) ? `${str(r.hotline)} 政务服务便民热线` : '');
  box.appendChild(el('div', 'daofu-source', '各地要求可能不同，请以当地部门答复为准；也可以点“转人工”咨询工作人员。'));
  return box;
}

const RESULT_LABELS = { eligible: '符合', possible: '可能符合', unknown: '待确认', ineligible: '不符合' };
const MARKS = { true: '✓', false: '✗', null: '?' };

// 政策计算器: the measures that may apply, each with its conditions (met / failed / to confirm),
// the benefit, how it is obtained and where; the counts and the date matched as of.
export function policyMatchesCard(p) {
  const box = el('div', 'daofu-card daofu-policy-matches');
  box.appendChild(el('div', 'daofu-card-title', '政策匹配结果'));
  if (str(p.profile_summary)) box.appendChild(el('div', 'daofu-policy-meta', `企业信息：${str(p.profile_summary)}`));
  const num = (v) => (Number.isInteger(v) ? v : 0);
  box.appendChild(el('div', 'daofu-row daofu-match-counts',
    `符合 ${num(p.eligible)} 项 · 可能符合 ${num(p.possible)} 项 · 待确认 ${num(p.unknown)} 项 · `
    + `不符合 ${num(p.ineligible)} 项${num(p.expired) ? `（其中已过执行期 ${num(p.expired)} 项）` : ''}`));
  const measures = Array.isArray(p.measures) ? p.measures.filter(isObject) : [];
  if (!measures.length) box.appendChild(el('div', 'daofu-row', '暂未找到可能符合的政策。'));
  const ol = el('ol', 'daofu-measures');
  for (const m of measures) {
    const li = el('li', 'daofu-measure');
    const result = str(m.result);
    const head = el('div', 'daofu-measure-head');
    head.append(el('span', `daofu-tag daofu-result-${result}`, RESULT_LABELS[result] || result),
      el('span', 'daofu-measure-title', ` ${str(m.title)}`));
    li.appendChild(head);
    row(li, '补贴标准', m.benefit);
    row(li, '获取方式', m.how);
    const conditions = Array.isArray(m.conditions) ? m.conditions.filter(isObject) : [];
    if (conditions.length) {
      const ul = el('ul', 'daofu-conditions');
      for (const c of conditions) {
        const met = c.met === true || c.met === false ? c.met : null;
        const item = el('li', `daofu-condition daofu-met-${String(met)}`,
          `${MARKS[String(met)]} ${str(c.text)}${met === null ? '（需确认）' : ''}`);
        if (str(c.evidence)) item.title = `政策原文：${str(c.evidence)}`;
        ul.appendChild(item);
      }
      li.appendChild(ul);
    }
    row(li, '申报截止', m.deadline);
    row(li, '受理地点', m.where_to_apply);
    row(li, '咨询电话', m.contact_phone);
    if (str(m.issuer)) li.appendChild(el('div', 'daofu-policy-meta', `发文机关：${str(m.issuer)}`));
    ol.appendChild(li);
  }
  box.appendChild(ol);
  if (num(p.more)) box.appendChild(el('div', 'daofu-row', `另有 ${num(p.more)} 项可能相关的政策。`));
  box.appendChild(el('div', 'daofu-source',
    `按 ${str(p.as_of)} 的政策执行期判断；结果仅供参考，以发文部门审核为准。`));
  return box;
}

/** One line per card of payload.custom, for the staff console's transcript. */
export function cardSummaries(custom) {
  const lines = [];
  if (!isObject(custom)) return lines;
  const line = (classes, label, text) =>
    el('div', { class: 'msg-extra ' + classes }, [el('span', { class: 'label', text: label }), text]);
  if (isObject(custom.item_card)) {
    const card = custom.item_card;
    const parts = [card.name, card.department].filter(Boolean).map(String);
    lines.push(line('msg-card', '事项', parts.join(' · ') || '（无名称）'));
  }
  if (isObject(custom.policy_passage)) {
    const pol = custom.policy_passage;
    const parts = [pol.title, pol.issuer, pol.doc_number].filter(Boolean).map(String);
    lines.push(line('msg-policy', '政策', parts.join(' · ') || '（无标题）'));
  }
  if (isObject(custom.policy_matches)) {
    const measures = Array.isArray(custom.policy_matches.measures) ? custom.policy_matches.measures : [];
    lines.push(line('msg-policy', '政策匹配',
      `${String(custom.policy_matches.profile_summary || '')} · 列出 ${measures.length} 项`));
  }
  if (isObject(custom.policy_profile)) {
    lines.push(line('msg-policy', '企业信息', '用户同意保存企业信息'));
  }
  if (isObject(custom.bundle)) {
    const steps = Array.isArray(custom.bundle.steps) ? custom.bundle.steps : [];
    lines.push(line('msg-card msg-bundle', '一件事',
      (custom.bundle.name ? String(custom.bundle.name) : '（无名称）') + ' · ' + steps.length + ' 个事项'));
  }
  return lines;
}
