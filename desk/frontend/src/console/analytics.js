/* 导服 · 数据分析 (GET /api/analytics, desk/PROTOCOL.md "Analytics"). An ES module bundled by esbuild
 * (desk/frontend/build.mjs); charts by Chart.js (served from npm at /console/vendor/chart.umd.js).
 *
 * SECURITY: questions come from users. Every text from the API is set with textContent /
 * createTextNode (through el()); no HTML string is ever parsed from data.
 */
import { $, el, onReady } from '../shared/dom.js';
import { createClient, createToast, isEditor, showMe, wireLogout } from './common.js';
import { DEMAND_ROLE_LABELS, loadDemandReport, REPORT_ROLES } from './demand_report.js';

const DEFAULT_DAYS = 30;
const NO_PERMISSION = "需要编辑或管理员权限才能查看数据分析。请联系管理员开通“知识编辑”或“管理员”角色。";
const COLORS = { blue: "#1f5fbf", blueFill: "rgba(31,95,191,.75)", green: "#2e7d32", orange: "#e67e00",
                 red: "#c62828", grey: "#9aa3ae" };
const RATING_COLORS = ["#c62828", "#ef6c00", "#f9a825", "#7cb342", "#2e7d32"];

const state = { days: DEFAULT_DAYS, charts: {}, loading: 0, editor: false, reports: false };

// ---------------------------------------------------------------- helpers (the rest: common.js)

const client = createClient({ failedText: "请求失败" });
const api = client.api;
const toast = createToast(4000, 4000);

function showMessage(text, isError) {
  const box = $("#an-message");
  box.textContent = text;
  box.classList.toggle("an-error", Boolean(isError));
  box.hidden = false;
}

function hideMessage() { $("#an-message").hidden = true; }

function formatSeconds(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const s = Math.round(Number(seconds));
  if (s < 60) return s + "秒";
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return minutes + "分" + (s % 60 ? (s % 60) + "秒" : "");
  return Math.floor(minutes / 60) + "小时" + (minutes % 60 ? (minutes % 60) + "分" : "");
}

function formatShare(share) {
  return share === null || share === undefined ? "—" : (share * 100).toFixed(1) + "%";
}

function shortDate(iso) { return String(iso).slice(5); }  // 2026-03-01 -> 03-01

// ---------------------------------------------------------------- rendering

function renderKpis(data) {
  $("#kpi-conversations").textContent = String(data.conversations);
  $("#kpi-share").textContent = formatShare(data.answered_without_human_share);
  $("#kpi-share-sub").textContent = "未转人工、未留言：" + data.answered_by_bot + " 个对话";
  $("#kpi-wait-median").textContent = formatSeconds(data.wait_seconds.median);
  $("#kpi-wait-p90").textContent = formatSeconds(data.wait_seconds.p90);
  $("#an-range").textContent = data.window.first + " 至 " + data.window.last + "（北京时间）";
}

function renderTable(selector, rows) {
  const body = $(selector + " tbody");
  body.replaceChildren();
  if (!rows.length) {
    body.appendChild(el("tr", null, el("td", { class: "an-none", colspan: "3", text: "所选时间内暂无数据" })));
    return;
  }
  rows.forEach((row, i) => {
    body.appendChild(el("tr", null, [
      el("td", { class: "an-rank", text: i + 1 }),
      el("td", { class: "an-question", text: row.text }),
      el("td", { class: "an-count", text: row.count }),
    ]));
  });
}

function renderExports() {
  document.querySelectorAll(".an-exports a[data-table]").forEach((link) => {
    const params = new URLSearchParams({ table: link.dataset.table, days: String(state.days) });
    link.href = "/api/analytics/export.csv?" + params.toString();
  });
}

/** Create the chart on first use, then only swap its data (keeps the canvas and its size). */
function drawChart(id, config) {
  const existing = state.charts[id];
  if (existing) {
    existing.data.labels = config.data.labels;
    config.data.datasets.forEach((dataset, i) => { Object.assign(existing.data.datasets[i], dataset); });
    existing.update();
    return existing;
  }
  const chart = new window.Chart(document.getElementById(id), config);
  state.charts[id] = chart;
  return chart;
}

function integerAxis() { return { beginAtZero: true, ticks: { precision: 0 } }; }

function renderCharts(data) {
  if (typeof window.Chart !== "function") return;
  drawChart("chart-daily", {
    type: "bar",
    data: {
      labels: data.days.map((d) => shortDate(d.date)),
      datasets: [
        { type: "bar", label: "对话数", data: data.days.map((d) => d.conversations),
          backgroundColor: COLORS.blueFill, borderColor: COLORS.blue, order: 2 },
        { type: "line", label: "机器人独立解答", data: data.days.map((d) => d.answered_by_bot),
          borderColor: COLORS.green, backgroundColor: COLORS.green, cubicInterpolationMode: "monotone",
          pointRadius: 2, order: 1 },
      ],
    },
    options: { maintainAspectRatio: false, interaction: { mode: "index", intersect: false },
               scales: { y: integerAxis() },
               // "order" puts the line over the bars; the legend keeps the datasets' own order.
               plugins: { legend: { position: "top", labels: { sort: (a, b) => a.datasetIndex - b.datasetIndex } } } },
  });

  const reasons = Object.keys(data.escalations_by_reason);
  drawChart("chart-reasons", {
    type: "bar",
    data: {
      labels: reasons.map((r) => (data.reason_labels && data.reason_labels[r]) || r),
      datasets: [{ label: "转人工次数", data: reasons.map((r) => data.escalations_by_reason[r]),
                   backgroundColor: COLORS.orange }],
    },
    options: { indexAxis: "y", maintainAspectRatio: false, scales: { x: integerAxis() },
               plugins: { legend: { display: false } } },
  });

  const ratingKeys = ["1", "2", "3", "4", "5"];
  drawChart("chart-ratings", {
    type: "bar",
    data: {
      labels: ratingKeys.map((k) => k + "星"),
      datasets: [{ label: "评价数", data: ratingKeys.map((k) => data.ratings[k] || 0), backgroundColor: RATING_COLORS }],
    },
    options: { maintainAspectRatio: false, scales: { y: integerAxis() }, plugins: { legend: { display: false } } },
  });
}

function render(data) {
  renderKpis(data);
  renderCharts(data);
  const escalations = Object.values(data.escalations_by_reason).reduce((a, b) => a + b, 0);
  $("#reasons-total").textContent = "共 " + escalations + " 次";
  $("#reasons-empty").hidden = escalations > 0;
  const rated = Object.values(data.ratings).reduce((a, b) => a + b, 0);
  $("#ratings-total").textContent = "共 " + rated + " 个评价";
  renderTable("#top-questions", data.top_questions);
  renderTable("#top-unanswered", data.top_unanswered);
  renderExports();
}

// ---------------------------------------------------------------- loading

async function load() {
  const ticket = ++state.loading;  // a slower earlier answer must not overwrite a newer one
  document.querySelectorAll(".an-seg .btn").forEach((b) => {
    b.setAttribute("aria-pressed", String(Number(b.dataset.days) === state.days));
  });
  if (state.reports) loadDemandReport(api, state.days);  // 诉求统计: 应答, 督办, admins
  if (!state.editor) return;
  let data;
  try {
    data = await api("GET", "/api/analytics?days=" + state.days);
  } catch (err) {
    if (ticket !== state.loading || err.status === 401) return;
    $("#an-content").hidden = true;
    showMessage(err.status === 403 ? NO_PERMISSION : "数据加载失败：" + err.detail, err.status !== 403);
    return;
  }
  if (ticket !== state.loading) return;
  hideMessage();
  $("#an-content").hidden = false;  // before drawing: Chart.js sizes a canvas from its visible box
  render(data);
  if (typeof window.Chart !== "function") {
    showMessage("图表库 Chart.js 未加载，仅显示数字和表格。请在服务器项目目录运行 make frontend 后刷新页面。", true);
  }
}

async function init() {
  if (typeof window.Chart === "function") {
    window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    window.Chart.defaults.color = "#1f2933";
  }
  let me;
  try {
    me = await api("GET", "/api/me");
  } catch (err) {
    if (err.status !== 401) showMessage("无法获取登录信息：" + err.detail, true);
    return;
  }
  showMe(me);
  const editor = isEditor(me);
  $("#link-knowledge").hidden = !editor;
  state.editor = editor;
  if (DEMAND_ROLE_LABELS[me.role]) $("#me-role").textContent = DEMAND_ROLE_LABELS[me.role];
  state.reports = REPORT_ROLES.indexOf(me.role) >= 0;
  $("#link-console").hidden = !(me.role === "staff" || me.role === "admin");
  $("#link-demands").hidden = me.role === "editor";

  wireLogout(client);
  document.querySelectorAll(".an-seg .btn").forEach((button) => {
    button.addEventListener("click", () => { state.days = Number(button.dataset.days); load(); });
  });
  $("#an-refresh").addEventListener("click", () => { load().then(() => toast("已刷新", "ok")); });

  if (!editor && !state.reports) {
    showMessage(NO_PERMISSION, false);  // the API answers 403 too; no need to ask it
    return;
  }
  await load();
}

onReady(init);
