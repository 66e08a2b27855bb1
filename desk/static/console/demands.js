/* Built by esbuild from desk/frontend/src/console/demands.js: edit the sources, then run `make frontend`. */
(() => {
  // src/shared/dom.js
  function str(value) {
    return value === void 0 || value === null ? "" : String(value);
  }
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
  function pad2(n) {
    return n < 10 ? "0" + n : String(n);
  }
  function parseTime(iso) {
    if (!iso) return null;
    let s = String(iso);
    if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) s = s.replace(" ", "T") + "Z";
    const d = new Date(s);
    return isNaN(d.getTime()) ? null : d;
  }
  function formatDateTime(iso) {
    const d = parseTime(iso);
    if (!d) return str(iso);
    return d.getFullYear() + "-" + pad2(d.getMonth() + 1) + "-" + pad2(d.getDate()) + " " + pad2(d.getHours()) + ":" + pad2(d.getMinutes()) + ":" + pad2(d.getSeconds());
  }
  function onReady(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  }

  // src/shared/socket.js
  var BACKOFF_MS = [1e3, 2e3, 4e3, 8e3, 15e3];
  function createSocket(options) {
    const backoffMs = options.backoffMs || BACKOFF_MS;
    let ws = null;
    let attempt = 0;
    let timer = 0;
    let pingTimer = 0;
    let lastFrameAt = 0;
    const socket = {
      get up() {
        return Boolean(ws) && ws.readyState === WebSocket.OPEN;
      },
      /** A socket exists (open or opening); false between a drop and the next attempt. */
      get present() {
        return ws !== null;
      },
      connect,
      send,
      resetBackoff() {
        attempt = 0;
      },
      /** Connect now, from the first delay again (e.g. the browser came back online). */
      reconnectNow() {
        attempt = 0;
        connect();
      }
    };
    function connect() {
      clearTimeout(timer);
      timer = 0;
      if (options.onConnecting) options.onConnecting();
      let sock;
      try {
        sock = new WebSocket(typeof options.url === "function" ? options.url() : options.url);
      } catch (e) {
        down();
        return;
      }
      ws = sock;
      sock.onopen = () => {
        if (ws !== sock) return;
        lastFrameAt = Date.now();
        if (options.resetBackoffOnOpen !== false) attempt = 0;
        if (options.onOpen) options.onOpen();
        startPing();
      };
      sock.onmessage = (event) => {
        if (ws !== sock) return;
        lastFrameAt = Date.now();
        let frame = null;
        try {
          frame = JSON.parse(event.data);
        } catch (e) {
          return;
        }
        if (frame && typeof frame === "object") options.onFrame(frame);
      };
      sock.onclose = () => {
        if (ws !== sock) return;
        drop();
      };
      sock.onerror = () => {
      };
    }
    function drop() {
      const sock = ws;
      ws = null;
      stopPing();
      if (sock) {
        sock.onopen = sock.onmessage = sock.onclose = sock.onerror = null;
        try {
          sock.close();
        } catch (e) {
        }
      }
      down();
    }
    function down() {
      if (options.onDown) options.onDown();
      if (options.onConnecting) options.onConnecting();
      if (timer) return;
      const delay = backoffMs[Math.min(attempt, backoffMs.length - 1)];
      attempt += 1;
      timer = setTimeout(connect, delay);
    }
    function startPing() {
      stopPing();
      if (!options.ping) return;
      pingTimer = setInterval(() => {
        if (Date.now() - lastFrameAt > options.ping.staleMs) {
          drop();
          return;
        }
        send(options.ping.frame);
      }, options.ping.everyMs);
    }
    function stopPing() {
      clearInterval(pingTimer);
      pingTimer = 0;
    }
    function send(frame) {
      if (!ws || ws.readyState !== WebSocket.OPEN) return false;
      try {
        ws.send(JSON.stringify(frame));
        return true;
      } catch (e) {
        return false;
      }
    }
    return socket;
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
  async function busy(button, fn) {
    if (button) button.disabled = true;
    try {
      return await fn();
    } finally {
      if (button) button.disabled = false;
    }
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
  var DEMAND_ROLE_LABELS = { handler: "承办", supervisor: "督办" };

  // src/console/demands.js
  var STATUS_TEXT = {
    received: "已受理",
    dispatched: "已派单",
    accepted: "办理中",
    extension_requested: "申请延期中",
    replied: "已答复",
    closed: "已办结",
    returned: "已退单待重新派单",
    reopened: "重办中"
  };
  var ACTION_TEXT = {
    file: "受理",
    dispatch: "派单",
    accept: "签收",
    return: "退单",
    request_extension: "申请延期",
    approve_extension: "批准延期",
    reject_extension: "不批准延期",
    reply: "答复办理结果",
    close: "办结",
    rate_satisfied: "回访评价",
    reopen: "回访不满意，重办",
    rate: "回访评价",
    note: "内部备注",
    remind: "临期提醒",
    mark_overdue: "已超期",
    recalculate_deadline: "按公布的放假安排重算时限"
  };
  var DISPATCHERS = ["staff", "supervisor", "admin"];
  var SUPERVISORS = ["supervisor", "admin"];
  var VIEWS = {
    staff: ["dispatch", "replied", "all"],
    handler: ["mine"],
    supervisor: ["overdue", "extensions", "all"],
    admin: ["dispatch", "overdue", "extensions", "replied", "all", "departments"]
  };
  var VIEW_QUERY = {
    dispatch: [{ status: "received" }, { status: "returned" }],
    replied: [{ status: "replied" }],
    overdue: [{ overdue: "true" }],
    extensions: [{ status: "extension_requested" }],
    mine: [{}],
    all: [{}]
  };
  var state = { me: null, view: "all", list: [], selected: null, detail: null, departments: [], reload: 0 };
  var client = createClient({
    failedText: "操作失败",
    statusTexts: {
      403: "您的角色不能执行此操作",
      404: "诉求不存在，或不属于您的部门",
      409: "诉求状态已变化，请刷新后再试"
    }
  });
  var api = client.api;
  var toast = createToast(6e3, 3e3);
  function role() {
    return state.me ? state.me.role : "";
  }
  function can(roles) {
    return roles.indexOf(role()) >= 0;
  }
  function errorText(err) {
    if (err.problems && err.problems.length) {
      return err.detail + "（" + err.problems.map((p) => (p.label || p.field) + "：" + p.reason).join("；") + "）";
    }
    return err.detail;
  }
  function listQueries() {
    const status = $("#dm-status").value;
    const department = $("#dm-department").value;
    return VIEW_QUERY[state.view].map((q) => {
      const params = Object.assign({}, q);
      if (status && !params.status) params.status = status;
      if (department && role() !== "handler") params.department = department;
      return new URLSearchParams(params).toString();
    });
  }
  async function loadList() {
    if (state.view === "departments") return;
    const ticket = ++state.reload;
    let rows = [];
    try {
      for (const query of listQueries()) rows = rows.concat(await api("GET", "/api/demands?" + query));
    } catch (err) {
      if (ticket === state.reload && err.status !== 401) toast(errorText(err), "error");
      return;
    }
    if (ticket !== state.reload) return;
    rows.sort((a, b) => Number(b.overdue) - Number(a.overdue) || a.due_date.localeCompare(b.due_date) || a.id - b.id);
    state.list = rows;
    renderList();
  }
  function renderList() {
    const list = $("#dm-list");
    list.replaceChildren();
    $("#dm-count").textContent = "共 " + state.list.length + " 条";
    if (!state.list.length) {
      list.appendChild(el("li", { class: "dm-none", text: "没有符合条件的诉求" }));
      return;
    }
    for (const d of state.list) {
      const item = el("li", {
        class: "dm-item" + (d.overdue ? " dm-overdue" : "") + (d.id === state.selected ? " dm-active" : ""),
        dataset: { id: d.id, status: d.status }
      });
      const open = el("button", { class: "dm-open", type: "button" }, [
        el("div", "dm-item-top", [
          el("span", { class: "dm-no mono", text: d.tracking_number }),
          el("span", { class: "dm-cat", text: d.category }),
          el("span", { class: "status-tag dm-status-" + d.status, text: d.status_text || STATUS_TEXT[d.status] || d.status }),
          d.overdue ? el("span", { class: "dm-flag", text: "超期" }) : null
        ]),
        el("div", { class: "dm-item-text", text: str(d.content).slice(0, 80) }),
        el("div", "dm-item-foot muted", [
          el("span", { text: d.department || "未派单" }),
          el("span", { text: "时限 " + d.due_date }),
          el("span", { text: d.enterprise_name })
        ])
      ]);
      open.addEventListener("click", () => select(d.id));
      item.appendChild(open);
      list.appendChild(item);
    }
  }
  async function select(id) {
    state.selected = id;
    document.querySelectorAll(".dm-item").forEach((li) => li.classList.toggle("dm-active", Number(li.dataset.id) === id));
    await loadDetail();
  }
  async function loadDetail() {
    if (!state.selected) return;
    const id = state.selected;
    let demand;
    try {
      demand = await api("GET", "/api/demands/" + id);
    } catch (err) {
      if (err.status !== 401) toast(errorText(err), "error");
      if (err.status === 404) {
        state.selected = null;
        showDetail(false);
      }
      return;
    }
    if (state.selected !== id) return;
    state.detail = demand;
    renderDetail(demand);
  }
  function showDetail(on) {
    $("#dm-empty").hidden = on;
    $("#dm-detail").hidden = !on;
    $("#dm-departments").hidden = true;
  }
  function field(label, value, cls) {
    return el("div", "dm-field", [el("span", { class: "dm-label", text: label }), el("span", { class: cls || "dm-value", text: str(value) || "—" })]);
  }
  function typedValues(box) {
    const kept = {};
    box.querySelectorAll("form[id] [name]").forEach((f) => {
      if (f.value) kept[f.form.id + "/" + f.name] = f.value;
    });
    return kept;
  }
  function restoreTyped(box, kept) {
    box.querySelectorAll("form[id] [name]").forEach((f) => {
      const value = kept[f.form.id + "/" + f.name];
      if (value !== void 0) f.value = value;
    });
  }
  function renderDetail(d) {
    showDetail(true);
    const box = $("#dm-detail");
    const kept = Number(box.dataset.id) === d.id ? typedValues(box) : {};
    box.replaceChildren();
    box.dataset.id = d.id;
    box.dataset.status = d.status;
    box.appendChild(el("div", "panel-head dm-head", [
      el("h2", { class: "mono", text: d.tracking_number }),
      el("span", { class: "dm-cat", text: d.category }),
      el("span", { id: "dm-detail-status", class: "status-tag dm-status-" + d.status, text: d.status_text }),
      d.overdue ? el("span", { class: "dm-flag", text: "已超期" }) : null
    ]));
    const contact = d.contact_name + "　" + d.contact_phone + (d.contact_masked ? "（已脱敏：非本环节办理人）" : "");
    box.appendChild(el("div", "dm-fields", [
      field("企业名称", d.enterprise_name),
      field("联系人", contact, "dm-value dm-contact"),
      field("承办部门", d.department || "未派单", "dm-value dm-department"),
      field("办理时限", d.due_date + "（" + d.time_limit_days + "个工作日，" + d.remind_date + " 提醒）"),
      field("受理时间", formatDateTime(d.created_at)),
      field("来源", d.channel),
      d.extension_days ? field("申请延期", d.extension_days + "个工作日（待督办审批）") : null,
      d.return_count ? field("退单次数", d.return_count) : null,
      d.reopen_count ? field("重办次数", d.reopen_count) : null,
      d.rating ? field("回访评价", d.rating + (d.rating_comment ? "：" + d.rating_comment : "")) : null
    ]));
    box.appendChild(el("div", "dm-section", [el("h3", { text: "诉求内容" }), el("p", { class: "dm-content", text: d.content })]));
    if (d.reply) {
      box.appendChild(el("div", "dm-section", [
        el("h3", { text: "办理结果" }),
        el("p", { class: "dm-reply", text: d.reply }),
        el("p", { class: "muted", text: "答复于 " + formatDateTime(d.replied_at) })
      ]));
    }
    const actions = el("div", { class: "dm-actions", id: "dm-actions" });
    box.appendChild(actions);
    renderActions(actions, d);
    restoreTyped(actions, kept);
    box.appendChild(historyTable(d.events || []));
  }
  function historyTable(events) {
    const body = el("tbody");
    for (const e of events) {
      const what = (ACTION_TEXT[e.action] || e.action) + (e.detail && e.detail.department ? "：" + e.detail.department : "") + (e.detail && e.detail.days ? "（" + e.detail.days + "个工作日）" : "") + (e.detail && e.detail.score ? "：" + e.detail.score : "");
      body.appendChild(el("tr", e.public ? null : "dm-internal", [
        el("td", { text: formatDateTime(e.at) }),
        el("td", { text: e.actor_name || e.actor_kind }),
        el("td", { text: what }),
        el("td", { text: (e.from_status ? STATUS_TEXT[e.from_status] || e.from_status : "—") + " → " + (STATUS_TEXT[e.to_status] || e.to_status) }),
        el("td", { class: "dm-note", text: e.note + (e.public ? "" : (e.note ? "　" : "") + "（内部）") })
      ]));
    }
    return el("div", "dm-section", [el("h3", { text: "办理记录" }), el("table", { class: "dm-table", id: "dm-history" }, [
      el("thead", null, el("tr", null, ["时间", "办理人", "操作", "状态变化", "说明"].map((t) => el("th", { text: t })))),
      body
    ])]);
  }
  async function act(button, path, body, done) {
    const message = $("#dm-action-error");
    if (message) message.hidden = true;
    try {
      const demand = await busy(button, () => api("POST", "/api/demands/" + state.detail.id + path, body));
      if (button && button.form) button.form.reset();
      toast(done, "ok");
      state.detail = demand;
      await loadDetail();
      loadList();
    } catch (err) {
      if (err.status === 401) return;
      const box = $("#dm-action-error");
      if (box) {
        box.textContent = errorText(err);
        box.hidden = false;
      }
      toast(errorText(err), "error");
    }
  }
  function form(id, children, onSubmit) {
    const f = el("form", { class: "dm-form", id }, children);
    f.addEventListener("submit", (event) => {
      event.preventDefault();
      onSubmit(f.querySelector("button[type=submit]"));
    });
    return f;
  }
  function submit(text, primary) {
    return el("button", { class: "btn btn-small" + (primary ? " btn-primary" : ""), type: "submit", text });
  }
  function renderActions(box, d) {
    box.appendChild(el("div", { id: "dm-action-error", class: "dm-error", role: "alert", hidden: true }));
    const s = d.status;
    if (can(DISPATCHERS) && (s === "received" || s === "returned")) box.appendChild(dispatchForm(d));
    if (can(DISPATCHERS) && s === "replied") {
      box.appendChild(form(
        "dm-close",
        [el("span", { class: "muted", text: "已答复企业：回访后或确认无需回访时办结" }), submit("办结", true)],
        (b) => act(b, "/close", void 0, "已办结")
      ));
    }
    if (role() === "handler") {
      if (s === "dispatched" || s === "reopened") {
        box.appendChild(form(
          "dm-accept",
          [el("span", { class: "muted", text: s === "reopened" ? "企业回访不满意，请签收重办" : "请签收后办理" }), submit("签收", true)],
          (b) => act(b, "/accept", void 0, "已签收")
        ));
      }
      if (s === "dispatched" || s === "accepted") {
        const reason = el("input", { type: "text", name: "reason", maxlength: "1000", placeholder: "退单理由（如：不属于本部门职责）", "aria-label": "退单理由" });
        box.appendChild(form("dm-return", [reason, submit("退单")], (b) => act(b, "/return", { reason: reason.value }, "已退单")));
      }
      if (s === "accepted") {
        const days = el("input", { type: "number", name: "days", min: "1", max: "30", value: "5", "aria-label": "延期工作日" });
        const reason = el("input", { type: "text", name: "reason", maxlength: "1000", placeholder: "延期理由", "aria-label": "延期理由" });
        box.appendChild(form(
          "dm-extend",
          [el("span", { class: "muted", text: "申请延期" }), days, el("span", { class: "muted", text: "个工作日" }), reason, submit("申请延期")],
          (b) => act(b, "/extend", { days: Number(days.value), reason: reason.value }, "已提交延期申请")
        ));
      }
      if (s === "accepted" || s === "extension_requested") {
        const text = el("textarea", { name: "text", rows: "4", maxlength: "4000", placeholder: "办理结果（将短信通知企业，并在“查询诉求”中展示）", "aria-label": "办理结果" });
        box.appendChild(form("dm-reply", [text, submit("答复办理结果", true)], (b) => act(b, "/reply", { text: text.value }, "已答复")));
      }
    }
    if (can(SUPERVISORS) && s === "extension_requested") {
      const reason = el("input", { type: "text", name: "reason", maxlength: "1000", placeholder: "不批准的理由", "aria-label": "不批准的理由" });
      const approve = el("button", { class: "btn btn-small btn-primary", type: "button", text: "批准延期" });
      approve.addEventListener("click", () => act(approve, "/approve-extension", void 0, "已批准延期"));
      box.appendChild(form(
        "dm-extension",
        [el("span", { class: "muted", text: "申请延期 " + d.extension_days + " 个工作日" }), approve, reason, submit("不批准")],
        (b) => act(b, "/reject-extension", { reason: reason.value }, "已不批准延期")
      ));
    }
    if (s !== "closed") {
      const note = el("input", { type: "text", name: "text", maxlength: "4000", placeholder: "内部备注（企业看不到）", "aria-label": "内部备注" });
      box.appendChild(form("dm-note", [note, submit("添加备注")], (b) => act(b, "/notes", { text: note.value }, "已添加备注")));
    }
  }
  function dispatchForm(d) {
    const select2 = el(
      "select",
      { name: "department", "aria-label": "派往部门" },
      [el("option", { value: "", text: "选择承办部门" })].concat(state.departments.filter((x) => x.active).map((x) => el("option", { value: x.name, text: x.name })))
    );
    const note = el("input", { type: "text", name: "note", maxlength: "1000", placeholder: "派单说明（可选）", "aria-label": "派单说明" });
    const hints = el("div", { class: "dm-suggestions", id: "dm-suggestions" }, el("span", { class: "muted", text: "正在根据诉求内容推荐承办部门…" }));
    const f = form(
      "dm-dispatch",
      [el("div", "dm-form-row", [select2, note, submit("派单", true)]), hints],
      (b) => act(b, "/dispatch", { department: select2.value, note: note.value }, "已派单")
    );
    loadSuggestions(d.id, select2, hints);
    return f;
  }
  async function loadSuggestions(id, select2, hints) {
    let data;
    try {
      data = await api("GET", "/api/demands/" + id + "/suggestions");
    } catch (err) {
      hints.replaceChildren(el("span", { class: "muted", text: "无法推荐部门：" + errorText(err) }));
      return;
    }
    hints.replaceChildren();
    if (data.problem) hints.appendChild(el("span", { class: "muted", text: data.problem }));
    if (!data.suggestions.length) {
      if (!data.problem) hints.appendChild(el("span", { class: "muted", text: "没有推荐的部门，请手动选择" }));
      return;
    }
    hints.appendChild(el("span", { class: "muted", text: "推荐：" }));
    data.suggestions.forEach((s, i) => {
      const chip = el("button", { class: "btn btn-small dm-chip", type: "button", title: s.reason, text: s.department + "（" + s.reason + "）" });
      chip.addEventListener("click", () => {
        select2.value = s.department;
      });
      hints.appendChild(chip);
      if (i === 0 && !select2.value) select2.value = s.department;
    });
  }
  async function loadDepartments() {
    try {
      state.departments = await api("GET", "/api/departments");
    } catch (err) {
      if (err.status !== 401) toast(errorText(err), "error");
      return;
    }
    const filter = $("#dm-department");
    const chosen = filter.value;
    filter.replaceChildren(
      el("option", { value: "", text: "全部部门" }),
      ...state.departments.map((x) => el("option", { value: x.name, text: x.name + (x.active ? "" : "（停用）") }))
    );
    filter.value = chosen;
    if (state.me && state.me.department_id) {
      const own = state.departments.find((x) => x.id === state.me.department_id);
      $("#me-department").textContent = own ? own.name : "";
    }
    if (state.view === "departments") renderDepartments();
  }
  function renderDepartments() {
    $("#dm-empty").hidden = true;
    $("#dm-detail").hidden = true;
    $("#dm-departments").hidden = false;
    const body = $("#dept-table tbody");
    body.replaceChildren();
    for (const d of state.departments) {
      const name = el("input", { type: "text", value: d.name, maxlength: "100", "aria-label": "部门名称" });
      const rename = el("button", { class: "btn btn-small", type: "button", text: "改名" });
      const toggle = el("button", { class: "btn btn-small", type: "button", text: d.active ? "停用" : "启用" });
      rename.addEventListener("click", () => editDepartment(rename, d.id, { name: name.value.trim() }, "已改名"));
      toggle.addEventListener("click", () => editDepartment(toggle, d.id, { active: !d.active }, d.active ? "已停用" : "已启用"));
      body.appendChild(el("tr", d.active ? null : "dm-inactive", [
        el("td", null, name),
        el("td", { text: d.catalog_name || "—" }),
        el("td", { text: d.active ? "在用" : "停用" }),
        el("td", null, [rename, toggle])
      ]));
    }
  }
  async function editDepartment(button, id, body, done) {
    try {
      await busy(button, () => api("PATCH", "/api/departments/" + id, body));
      toast(done, "ok");
    } catch (err) {
      if (err.status !== 401) toast(errorText(err), "error");
    }
    await loadDepartments();
  }
  function showView(view) {
    state.view = view;
    document.querySelectorAll(".dm-views .btn").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.view === view)));
    if (view === "departments") {
      renderDepartments();
      return;
    }
    $("#dm-departments").hidden = true;
    if (state.detail && state.selected) showDetail(true);
    else {
      $("#dm-empty").hidden = false;
      $("#dm-detail").hidden = true;
    }
    loadList();
  }
  var pending = 0;
  function onFrame(frame) {
    if (!frame || frame.type !== "demands") return;
    clearTimeout(pending);
    pending = setTimeout(() => {
      loadList();
      if (state.selected && (frame.id === void 0 || frame.id === state.selected)) loadDetail();
    }, 150);
  }
  function connectLive() {
    function setConn(up) {
      const c = $("#conn-status");
      c.textContent = up ? "实时连接" : "连接断开，正在重连…";
      c.classList.toggle("conn-up", up);
      c.classList.toggle("conn-down", !up);
    }
    createSocket({
      url: () => (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/demands",
      onFrame,
      onOpen() {
        setConn(true);
        loadList();
        if (state.selected) loadDetail();
      },
      // catch up on what was missed
      onDown() {
        setConn(false);
      }
    }).connect();
  }
  async function init() {
    try {
      state.me = await api("GET", "/api/me");
    } catch (err) {
      if (err.status !== 401) toast("无法获取登录信息：" + err.detail, "error");
      return;
    }
    showMe(state.me);
    if (DEMAND_ROLE_LABELS[role()]) $("#me-role").textContent = DEMAND_ROLE_LABELS[role()];
    wireLogout(client);
    $("#link-console").hidden = !(role() === "staff" || role() === "admin");
    $("#link-knowledge").hidden = !isEditor(state.me);
    $("#link-analytics").hidden = !(isEditor(state.me) || role() === "supervisor");
    $("#dm-department").hidden = role() === "handler";
    const select2 = $("#dm-status");
    Object.keys(STATUS_TEXT).forEach((s) => select2.appendChild(el("option", { value: s, text: STATUS_TEXT[s] })));
    const views = VIEWS[role()] || ["all"];
    document.querySelectorAll(".dm-views .btn").forEach((b) => {
      b.hidden = views.indexOf(b.dataset.view) < 0;
      b.addEventListener("click", () => showView(b.dataset.view));
    });
    select2.addEventListener("change", loadList);
    $("#dm-department").addEventListener("change", loadList);
    $("#dm-refresh").addEventListener("click", () => {
      loadList();
      loadDetail();
    });
    $("#dept-add").addEventListener("submit", async (event) => {
      event.preventDefault();
      const input = $("#dept-name");
      try {
        await busy(event.submitter, () => api("POST", "/api/departments", { name: input.value.trim() }));
        input.value = "";
        toast("已添加部门", "ok");
      } catch (err) {
        if (err.status !== 401) toast(errorText(err), "error");
      }
      await loadDepartments();
    });
    await loadDepartments();
    showView(views[0]);
    connectLive();
  }
  onReady(init);
})();
