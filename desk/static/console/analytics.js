/* Built by esbuild from desk/frontend/src/console/analytics.js: edit the sources, then run `make frontend`. */
(() => {
  // src/shared/dom.js
  function $(selector, root) {
    return (root || document).querySelector(selector);
  }
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    if (typeof attrs === "string") {
      node.className = attrs;
    } else if (attrs) {
      for (const [key, value] of Object.entries(attrs)) {
        if (value === void 0 || value === null || value === false) continue;
        if (key === "class") node.className = value;
        else if (key === "text") node.textContent = String(value);
        else if (key === "dataset") Object.assign(node.dataset, value);
        else node.setAttribute(key, value === true ? "" : String(value));
      }
    }
    appendAll(node, children);
    return node;
  }
  function appendAll(node, children) {
    if (children === void 0 || children === null) return;
    if (!Array.isArray(children)) children = [children];
    for (const child of children) {
      if (child === void 0 || child === null || child === false) continue;
      node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  function onReady(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  }

  // src/console/common.js
  var LOGIN_URL = "/console/login";
  var ROLE_LABELS = { staff: "坐席", editor: "知识编辑", admin: "管理员" };
  var ApiError = class extends Error {
    constructor(status, detail, problems) {
      super(detail);
      this.status = status;
      this.detail = detail;
      this.problems = Array.isArray(problems) ? problems : [];
    }
  };
  async function readJson(res) {
    const text = await res.text();
    if (!text) return null;
    try {
      return JSON.parse(text);
    } catch (e) {
      return null;
    }
  }
  function goLogin() {
    if (location.pathname !== LOGIN_URL) location.href = LOGIN_URL;
  }
  function createClient(options) {
    const statusTexts = options && options.statusTexts || {};
    const failedText = options && options.failedText || "操作失败";
    function detailText(data, status) {
      const detail = data && data.detail;
      if (typeof detail === "string" && detail) return detail;
      if (Array.isArray(detail)) {
        const parts = detail.map((d) => d && typeof d.msg === "string" ? d.msg : "").filter(Boolean);
        if (parts.length) return "请求有误：" + parts.join("；");
      }
      if (status === 0) return "网络连接失败，请稍后重试";
      if (statusTexts[status]) return statusTexts[status];
      return failedText + "（" + status + "）";
    }
    async function request(path, opts) {
      let res;
      try {
        res = await fetch(path, Object.assign({ credentials: "same-origin" }, opts));
      } catch (e) {
        throw new ApiError(0, detailText(null, 0));
      }
      const data = await readJson(res);
      if (res.status === 401) {
        goLogin();
        throw new ApiError(401, detailText(data, 401));
      }
      if (!res.ok) throw new ApiError(res.status, detailText(data, res.status), data && data.problems);
      return data;
    }
    function api2(method, path, body) {
      const opts = { method, headers: { "Accept": "application/json" } };
      if (method !== "GET" && method !== "DELETE") {
        opts.headers["Content-Type"] = "application/json";
        opts.body = JSON.stringify(body === void 0 ? {} : body);
      }
      return request(path, opts);
    }
    return { detailText, request, api: api2 };
  }
  function createToast(errorMs, otherMs) {
    let timer = null;
    return function toast2(message, kind) {
      const box = $("#toast");
      if (!box) return;
      box.textContent = String(message);
      box.className = "toast" + (kind ? " toast-" + kind : "");
      box.hidden = false;
      clearTimeout(timer);
      timer = setTimeout(() => {
        box.hidden = true;
      }, kind === "error" ? errorMs : otherMs);
    };
  }
  function isEditor(me) {
    return Boolean(me) && (me.role === "editor" || me.role === "admin");
  }
  function showMe(me) {
    $("#me-name").textContent = me.display_name || me.username || "";
    $("#me-role").textContent = ROLE_LABELS[me.role] || me.role || "";
  }
  function wireLogout(client2) {
    $("#logout").addEventListener("click", async () => {
      try {
        await client2.api("POST", "/api/logout");
      } catch (e) {
      }
      location.href = LOGIN_URL;
    });
  }

  // src/console/demand_report.js
  var REPORT_ROLES = ["staff", "supervisor", "admin"];
  var DEMAND_ROLE_LABELS = { handler: "承办", supervisor: "督办" };
  var charts = {};
  var ticket = 0;
  function percent(value) {
    return value === null || value === void 0 ? "—" : (value * 100).toFixed(1) + "%";
  }
  function number(value) {
    return value === null || value === void 0 ? "—" : String(value);
  }
  function chart(id, config) {
    if (typeof window.Chart !== "function") return;
    if (charts[id]) charts[id].destroy();
    charts[id] = new window.Chart(document.getElementById(id), config);
  }
  function renderTable(report) {
    const body = $("#dr-table tbody");
    body.replaceChildren();
    const rows = report.departments.concat(report.departments.length ? [report.total] : []);
    if (!rows.length) {
      body.appendChild(el("tr", null, el("td", { class: "an-none", colspan: "9", text: "所选时间内没有受理诉求" })));
      return;
    }
    for (const r of rows) {
      const rated = Object.values(r.ratings).reduce((a, b) => a + b, 0);
      body.appendChild(el("tr", r === report.total ? "dr-total" : null, [
        el("td", { text: r.department }),
        el("td", { class: "an-count", text: r.received }),
        el("td", { class: "an-count", text: r.closed }),
        el("td", { class: "an-count", text: percent(r.on_time_rate), title: r.on_time + " / " + r.judged }),
        el("td", { class: "an-count", text: number(r.median_working_days) }),
        el("td", { class: "an-count", text: percent(r.satisfaction_rate), title: rated + " 个评价" }),
        el("td", { class: "an-count", text: r.returns }),
        el("td", { class: "an-count", text: percent(r.reopen_rate), title: r.reopened + " / " + r.replied })
      ]));
    }
  }
  function renderCharts(report) {
    const rows = report.departments.slice(0, 12);
    chart("chart-demands", {
      type: "bar",
      data: {
        labels: rows.map((r) => r.department),
        datasets: [
          { type: "bar", label: "受理", data: rows.map((r) => r.received), backgroundColor: "rgba(31,95,191,.75)", yAxisID: "y" },
          { type: "bar", label: "办结", data: rows.map((r) => r.closed), backgroundColor: "#2e7d32", yAxisID: "y" },
          {
            type: "line",
            label: "按时率（%）",
            data: rows.map((r) => r.on_time_rate === null ? null : r.on_time_rate * 100),
            borderColor: "#e67e00",
            backgroundColor: "#e67e00",
            yAxisID: "rate"
          }
        ]
      },
      options: { maintainAspectRatio: false, scales: {
        y: { beginAtZero: true, ticks: { precision: 0 } },
        rate: { position: "right", min: 0, max: 100, grid: { drawOnChartArea: false } }
      } }
    });
    const ratings = report.total.ratings;
    const labels = Object.keys(ratings);
    chart("chart-satisfaction", {
      type: "doughnut",
      data: { labels, datasets: [{ data: labels.map((k) => ratings[k]), backgroundColor: ["#2e7d32", "#7cb342", "#c62828"] }] },
      options: { maintainAspectRatio: false }
    });
  }
  function renderKpis(total) {
    $("#dr-received").textContent = String(total.received);
    $("#dr-closed").textContent = String(total.closed);
    $("#dr-on-time").textContent = percent(total.on_time_rate);
    $("#dr-median").textContent = total.median_working_days === null ? "—" : total.median_working_days + " 个工作日";
  }
  function renderExports(days) {
    document.querySelectorAll(".dr-exports a[data-table]").forEach((link) => {
      link.href = "/api/demand-reports/export.csv?" + new URLSearchParams({ table: link.dataset.table, days: String(days) });
    });
  }
  async function loadTopics(api2, days, mine) {
    const list = $("#dr-topics");
    list.replaceChildren(el("li", { class: "muted", text: "正在归类诉求主题…" }));
    let data;
    try {
      data = await api2("GET", "/api/demand-reports/topics?days=" + days);
    } catch (err) {
      if (mine === ticket) list.replaceChildren(el("li", { class: "muted", text: "暂时无法归类主题：" + err.detail }));
      return;
    }
    if (mine !== ticket) return;
    list.replaceChildren();
    if (!data.topics.length) list.appendChild(el("li", { class: "muted", text: "所选时间内没有诉求" }));
    for (const t of data.topics) {
      list.appendChild(el("li", "dr-topic", [
        el("span", { class: "an-count dr-topic-count", text: t.count + " 件" }),
        el("span", { class: "dr-topic-label", text: t.label }),
        t.examples.length > 1 ? el("div", { class: "muted", text: "如：" + t.examples.slice(1, 3).join("；") }) : null
      ]));
    }
  }
  async function loadDemandReport(api2, days) {
    const mine = ++ticket;
    const section = $("#dr-section");
    const message = $("#dr-message");
    let report;
    try {
      report = await api2("GET", "/api/demand-reports?days=" + days);
    } catch (err) {
      if (mine !== ticket || err.status === 401) return;
      section.hidden = false;
      message.textContent = "诉求统计加载失败：" + err.detail;
      message.hidden = false;
      return;
    }
    if (mine !== ticket) return;
    message.hidden = true;
    section.hidden = false;
    $("#dr-range").textContent = report.window.first + " 至 " + report.window.last + " 受理的诉求";
    renderKpis(report.total);
    renderTable(report);
    renderCharts(report);
    renderExports(days);
    loadTopics(api2, days, mine);
  }

  // src/console/analytics.js
  var DEFAULT_DAYS = 30;
  var NO_PERMISSION = "需要编辑或管理员权限才能查看数据分析。请联系管理员开通“知识编辑”或“管理员”角色。";
  var COLORS = {
    blue: "#1f5fbf",
    blueFill: "rgba(31,95,191,.75)",
    green: "#2e7d32",
    orange: "#e67e00",
    red: "#c62828",
    grey: "#9aa3ae"
  };
  var RATING_COLORS = ["#c62828", "#ef6c00", "#f9a825", "#7cb342", "#2e7d32"];
  var state = { days: DEFAULT_DAYS, charts: {}, loading: 0, editor: false, reports: false };
  var client = createClient({ failedText: "请求失败" });
  var api = client.api;
  var toast = createToast(4e3, 4e3);
  function showMessage(text, isError) {
    const box = $("#an-message");
    box.textContent = text;
    box.classList.toggle("an-error", Boolean(isError));
    box.hidden = false;
  }
  function hideMessage() {
    $("#an-message").hidden = true;
  }
  function formatSeconds(seconds) {
    if (seconds === null || seconds === void 0) return "—";
    const s = Math.round(Number(seconds));
    if (s < 60) return s + "秒";
    const minutes = Math.floor(s / 60);
    if (minutes < 60) return minutes + "分" + (s % 60 ? s % 60 + "秒" : "");
    return Math.floor(minutes / 60) + "小时" + (minutes % 60 ? minutes % 60 + "分" : "");
  }
  function formatShare(share) {
    return share === null || share === void 0 ? "—" : (share * 100).toFixed(1) + "%";
  }
  function shortDate(iso) {
    return String(iso).slice(5);
  }
  function renderKpis2(data) {
    $("#kpi-conversations").textContent = String(data.conversations);
    $("#kpi-share").textContent = formatShare(data.answered_without_human_share);
    $("#kpi-share-sub").textContent = "未转人工、未留言：" + data.answered_by_bot + " 个对话";
    $("#kpi-wait-median").textContent = formatSeconds(data.wait_seconds.median);
    $("#kpi-wait-p90").textContent = formatSeconds(data.wait_seconds.p90);
    $("#an-range").textContent = data.window.first + " 至 " + data.window.last + "（北京时间）";
  }
  function renderTable2(selector, rows) {
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
        el("td", { class: "an-count", text: row.count })
      ]));
    });
  }
  function renderExports2() {
    document.querySelectorAll(".an-exports a[data-table]").forEach((link) => {
      const params = new URLSearchParams({ table: link.dataset.table, days: String(state.days) });
      link.href = "/api/analytics/export.csv?" + params.toString();
    });
  }
  function drawChart(id, config) {
    const existing = state.charts[id];
    if (existing) {
      existing.data.labels = config.data.labels;
      config.data.datasets.forEach((dataset, i) => {
        Object.assign(existing.data.datasets[i], dataset);
      });
      existing.update();
      return existing;
    }
    const chart2 = new window.Chart(document.getElementById(id), config);
    state.charts[id] = chart2;
    return chart2;
  }
  function integerAxis() {
    return { beginAtZero: true, ticks: { precision: 0 } };
  }
  function renderCharts2(data) {
    if (typeof window.Chart !== "function") return;
    drawChart("chart-daily", {
      type: "bar",
      data: {
        labels: data.days.map((d) => shortDate(d.date)),
        datasets: [
          {
            type: "bar",
            label: "对话数",
            data: data.days.map((d) => d.conversations),
            backgroundColor: COLORS.blueFill,
            borderColor: COLORS.blue,
            order: 2
          },
          {
            type: "line",
            label: "机器人独立解答",
            data: data.days.map((d) => d.answered_by_bot),
            borderColor: COLORS.green,
            backgroundColor: COLORS.green,
            cubicInterpolationMode: "monotone",
            pointRadius: 2,
            order: 1
          }
        ]
      },
      options: {
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: integerAxis() },
        // "order" puts the line over the bars; the legend keeps the datasets' own order.
        plugins: { legend: { position: "top", labels: { sort: (a, b) => a.datasetIndex - b.datasetIndex } } }
      }
    });
    const reasons = Object.keys(data.escalations_by_reason);
    drawChart("chart-reasons", {
      type: "bar",
      data: {
        labels: reasons.map((r) => data.reason_labels && data.reason_labels[r] || r),
        datasets: [{
          label: "转人工次数",
          data: reasons.map((r) => data.escalations_by_reason[r]),
          backgroundColor: COLORS.orange
        }]
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        scales: { x: integerAxis() },
        plugins: { legend: { display: false } }
      }
    });
    const ratingKeys = ["1", "2", "3", "4", "5"];
    drawChart("chart-ratings", {
      type: "bar",
      data: {
        labels: ratingKeys.map((k) => k + "星"),
        datasets: [{ label: "评价数", data: ratingKeys.map((k) => data.ratings[k] || 0), backgroundColor: RATING_COLORS }]
      },
      options: { maintainAspectRatio: false, scales: { y: integerAxis() }, plugins: { legend: { display: false } } }
    });
  }
  function render(data) {
    renderKpis2(data);
    renderCharts2(data);
    const escalations = Object.values(data.escalations_by_reason).reduce((a, b) => a + b, 0);
    $("#reasons-total").textContent = "共 " + escalations + " 次";
    $("#reasons-empty").hidden = escalations > 0;
    const rated = Object.values(data.ratings).reduce((a, b) => a + b, 0);
    $("#ratings-total").textContent = "共 " + rated + " 个评价";
    renderTable2("#top-questions", data.top_questions);
    renderTable2("#top-unanswered", data.top_unanswered);
    renderExports2();
  }
  async function load() {
    const ticket2 = ++state.loading;
    document.querySelectorAll(".an-seg .btn").forEach((b) => {
      b.setAttribute("aria-pressed", String(Number(b.dataset.days) === state.days));
    });
    if (state.reports) loadDemandReport(api, state.days);
    if (!state.editor) return;
    let data;
    try {
      data = await api("GET", "/api/analytics?days=" + state.days);
    } catch (err) {
      if (ticket2 !== state.loading || err.status === 401) return;
      $("#an-content").hidden = true;
      showMessage(err.status === 403 ? NO_PERMISSION : "数据加载失败：" + err.detail, err.status !== 403);
      return;
    }
    if (ticket2 !== state.loading) return;
    hideMessage();
    $("#an-content").hidden = false;
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
      button.addEventListener("click", () => {
        state.days = Number(button.dataset.days);
        load();
      });
    });
    $("#an-refresh").addEventListener("click", () => {
      load().then(() => toast("已刷新", "ok"));
    });
    if (!editor && !state.reports) {
      showMessage(NO_PERMISSION, false);
      return;
    }
    await load();
  }
  onReady(init);
})();
