/* 导服 · 数据分析: the demand reports part (诉求统计; GET /api/demand-reports, desk/PROTOCOL.md
 * "Demands"), for 应答, 督办 and admins. Per department: received, closed, on-time rate, median
 * handling time in working days, satisfaction, returns, reopen rate; the most frequent topics; CSV
 * exports (personal data masked by the desk).
 *
 * SECURITY: topic labels and examples are demand texts from the public: textContent only (el()).
 */
import { $, el } from '../shared/dom.js';

export const REPORT_ROLES = ['staff', 'supervisor', 'admin'];
// The demand roles' words for the top bar (common.js names the chat and editor roles).
export const DEMAND_ROLE_LABELS = { handler: '承办', supervisor: '督办' };
const charts = {};
let ticket = 0;

function percent(value) { return value === null || value === undefined ? '—' : (value * 100).toFixed(1) + '%'; }
function number(value) { return value === null || value === undefined ? '—' : String(value); }

function chart(id, config) {
  if (typeof window.Chart !== 'function') return;
  if (charts[id]) charts[id].destroy();  // the department list changes with the period
  charts[id] = new window.Chart(document.getElementById(id), config);
}

function renderTable(report) {
  const body = $('#dr-table tbody');
  body.replaceChildren();
  const rows = report.departments.concat(report.departments.length ? [report.total] : []);
  if (!rows.length) {
    body.appendChild(el('tr', null, el('td', { class: 'an-none', colspan: '9', text: '所选时间内没有受理诉求' })));
    return;
  }
  for (const r of rows) {
    const rated = Object.values(r.ratings).reduce((a, b) => a + b, 0);
    body.appendChild(el('tr', r === report.total ? 'dr-total' : null, [
      el('td', { text: r.department }),
      el('td', { class: 'an-count', text: r.received }),
      el('td', { class: 'an-count', text: r.closed }),
      el('td', { class: 'an-count', text: percent(r.on_time_rate), title: r.on_time + ' / ' + r.judged }),
      el('td', { class: 'an-count', text: number(r.median_working_days) }),
      el('td', { class: 'an-count', text: percent(r.satisfaction_rate), title: rated + ' 个评价' }),
      el('td', { class: 'an-count', text: r.returns }),
      el('td', { class: 'an-count', text: percent(r.reopen_rate), title: r.reopened + ' / ' + r.replied }),
    ]));
  }
}

function renderCharts(report) {
  const rows = report.departments.slice(0, 12);
  chart('chart-demands', {
    type: 'bar',
    data: {
      labels: rows.map((r) => r.department),
      datasets: [
        { type: 'bar', label: '受理', data: rows.map((r) => r.received), backgroundColor: 'rgba(31,95,191,.75)', yAxisID: 'y' },
        { type: 'bar', label: '办结', data: rows.map((r) => r.closed), backgroundColor: '#2e7d32', yAxisID: 'y' },
        { type: 'line', label: '按时率（%）', data: rows.map((r) => (r.on_time_rate === null ? null : r.on_time_rate * 100)),
          borderColor: '#e67e00', backgroundColor: '#e67e00', yAxisID: 'rate' },
      ],
    },
    options: { maintainAspectRatio: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } },
                                                     rate: { position: 'right', min: 0, max: 100, grid: { drawOnChartArea: false } } } },
  });
  const ratings = report.total.ratings;
  const labels = Object.keys(ratings);
  chart('chart-satisfaction', {
    type: 'doughnut',
    data: { labels: labels, datasets: [{ data: labels.map((k) => ratings[k]), backgroundColor: ['#2e7d32', '#7cb342', '#c62828'] }] },
    options: { maintainAspectRatio: false },
  });
}

function renderKpis(total) {
  $('#dr-received').textContent = String(total.received);
  $('#dr-closed').textContent = String(total.closed);
  $('#dr-on-time').textContent = percent(total.on_time_rate);
  $('#dr-median').textContent = total.median_working_days === null ? '—' : total.median_working_days + ' 个工作日';
}

function renderExports(days) {
  document.querySelectorAll('.dr-exports a[data-table]').forEach((link) => {
    link.href = '/api/demand-reports/export.csv?' + new URLSearchParams({ table: link.dataset.table, days: String(days) });
  });
}

async function loadTopics(api, days, mine) {
  const list = $('#dr-topics');
  list.replaceChildren(el('li', { class: 'muted', text: '正在归类诉求主题…' }));
  let data;
  try {
    data = await api('GET', '/api/demand-reports/topics?days=' + days);
  } catch (err) {
    if (mine === ticket) list.replaceChildren(el('li', { class: 'muted', text: '暂时无法归类主题：' + err.detail }));
    return;
  }
  if (mine !== ticket) return;
  list.replaceChildren();
  if (!data.topics.length) list.appendChild(el('li', { class: 'muted', text: '所选时间内没有诉求' }));
  for (const t of data.topics) {
    list.appendChild(el('li', 'dr-topic', [el('span', { class: 'an-count dr-topic-count', text: t.count + ' 件' }),
      el('span', { class: 'dr-topic-label', text: t.label }),
      t.examples.length > 1 ? el('div', { class: 'muted', text: '如：' + t.examples.slice(1, 3).join('；') }) : null]));
  }
}

/** Load and draw the report for the last ``days`` days; errors go to #dr-message in the desk's words. */
export async function loadDemandReport(api, days) {
  const mine = ++ticket;
  const section = $('#dr-section');
  const message = $('#dr-message');
  let report;
  try {
    report = await api('GET', '/api/demand-reports?days=' + days);
  } catch (err) {
    if (mine !== ticket || err.status === 401) return;
    section.hidden = false;
    message.textContent = '诉求统计加载失败：' + err.detail;
    message.hidden = false;
    return;
  }
  if (mine !== ticket) return;
  message.hidden = true;
  section.hidden = false;  // before drawing: Chart.js sizes a canvas from its visible box
  $('#dr-range').textContent = report.window.first + ' 至 ' + report.window.last + ' 受理的诉求';
  renderKpis(report.total);
  renderTable(report);
  renderCharts(report);
  renderExports(days);
  loadTopics(api, days, mine);
}
