/* Built by esbuild from desk/frontend/src/console/console.js: edit the sources, then run `make frontend`. */
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
  function truncate(text, max) {
    const s = str(text);
    return s.length > max ? s.slice(0, max) + "…" : s;
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
  function formatTime(iso, withDate) {
    const d = parseTime(iso);
    if (!d) return iso ? String(iso) : "";
    const hms = pad2(d.getHours()) + ":" + pad2(d.getMinutes()) + ":" + pad2(d.getSeconds());
    const now = /* @__PURE__ */ new Date();
    const sameDay = d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate();
    if (withDate) {
      return d.getFullYear() + "-" + pad2(d.getMonth() + 1) + "-" + pad2(d.getDate()) + " " + pad2(d.getHours()) + ":" + pad2(d.getMinutes());
    }
    return sameDay ? hms : pad2(d.getMonth() + 1) + "-" + pad2(d.getDate()) + " " + hms;
  }
  function onReady(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  }

  // src/shared/cards.js
  var isObject = (v) => Boolean(v) && typeof v === "object";
  function cardSummaries(custom) {
    const lines = [];
    if (!isObject(custom)) return lines;
    const line = (classes, label, text) => el("div", { class: "msg-extra " + classes }, [el("span", { class: "label", text: label }), text]);
    if (isObject(custom.item_card)) {
      const card = custom.item_card;
      const parts = [card.name, card.department].filter(Boolean).map(String);
      lines.push(line("msg-card", "事项", parts.join(" · ") || "（无名称）"));
    }
    if (isObject(custom.policy_passage)) {
      const pol = custom.policy_passage;
      const parts = [pol.title, pol.issuer, pol.doc_number].filter(Boolean).map(String);
      lines.push(line("msg-policy", "政策", parts.join(" · ") || "（无标题）"));
    }
    if (isObject(custom.policy_matches)) {
      const measures = Array.isArray(custom.policy_matches.measures) ? custom.policy_matches.measures : [];
      lines.push(line(
        "msg-policy",
        "政策匹配",
        `${String(custom.policy_matches.profile_summary || "")} · 列出 ${measures.length} 项`
      ));
    }
    if (isObject(custom.policy_profile)) {
      lines.push(line("msg-policy", "企业信息", "用户同意保存企业信息"));
    }
    if (isObject(custom.bundle)) {
      const steps = Array.isArray(custom.bundle.steps) ? custom.bundle.steps : [];
      lines.push(line(
        "msg-card msg-bundle",
        "一件事",
        (custom.bundle.name ? String(custom.bundle.name) : "（无名称）") + " · " + steps.length + " 个事项"
      ));
    }
    return lines;
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
    const socket2 = {
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
    return socket2;
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
    function detailText2(data, status) {
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
        throw new ApiError(0, detailText2(null, 0));
      }
      const data = await readJson(res);
      if (res.status === 401) {
        goLogin();
        throw new ApiError(401, detailText2(data, 401));
      }
      if (!res.ok) throw new ApiError(res.status, detailText2(data, res.status), data && data.problems);
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
    return { detailText: detailText2, request, api: api2 };
  }
  function createToast(errorMs, otherMs) {
    let timer = null;
    return function toast5(message, kind) {
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
  async function busy(button2, fn) {
    if (button2) button2.disabled = true;
    try {
      return await fn();
    } finally {
      if (button2) button2.disabled = false;
    }
  }
  function isEditor(me) {
    return Boolean(me) && (me.role === "editor" || me.role === "admin");
  }
  function showMe(me) {
    $("#me-name").textContent = me.display_name || me.username || "";
    $("#me-role").textContent = ROLE_LABELS[me.role] || me.role || "";
  }
  function wireLogout(client5) {
    $("#logout").addEventListener("click", async () => {
      try {
        await client5.api("POST", "/api/logout");
      } catch (e) {
      }
      location.href = LOGIN_URL;
    });
  }
  function consoleSocket(options) {
    function setConn(up) {
      const c = $("#conn-status");
      c.textContent = up ? "实时连接" : options.downText;
      c.classList.toggle("conn-up", up);
      c.classList.toggle("conn-down", !up);
    }
    const socket2 = createSocket({
      url: () => (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/console",
      onFrame: options.onFrame,
      onOpen() {
        setConn(true);
        if (options.onUp) options.onUp();
      },
      onDown() {
        setConn(false);
        if (options.onDown) options.onDown();
      }
    });
    return {
      get up() {
        return socket2.up;
      },
      setConn,
      connect: () => socket2.connect()
    };
  }

  // src/console/appointments.js
  var client = createClient();
  var toast = createToast(6e3, 3e3);
  var CHANNELS = { widget: "网上预约", staff: "坐席代约" };
  function todayInChina() {
    const now = new Date(Date.now() + 8 * 3600 * 1e3);
    return now.getUTCFullYear() + "-" + pad2(now.getUTCMonth() + 1) + "-" + pad2(now.getUTCDate());
  }
  async function openDialog() {
    let me = null;
    let locations = [];
    try {
      me = await client.api("GET", "/api/me");
      locations = await client.api("GET", "/api/appointments/locations");
    } catch (err) {
      toast(err.detail || "读取预约地点失败", "error");
      return;
    }
    const admin = me && me.role === "admin";
    const location2 = el("select", { "aria-label": "办理地点", dataset: { testid: "appointments-location" } });
    location2.style.maxWidth = "100%";
    for (const row of locations) location2.appendChild(el("option", { value: String(row.id), text: row.name + (row.active ? "" : "（暂停预约）") }));
    const date = el("input", { type: "date", value: todayInChina(), "aria-label": "日期", dataset: { testid: "appointments-date" } });
    const list = el("div", { dataset: { testid: "appointments-list" } });
    const error = el("div", { class: "field-error", dataset: { testid: "appointments-error" } });
    const hours = el("input", { type: "text", maxlength: "200", placeholder: "09:00-12:00,13:30-17:00", dataset: { testid: "appointments-hours" } });
    const capacity = el("input", { type: "number", min: "1", max: "200", dataset: { testid: "appointments-capacity" } });
    const active = el("input", { type: "checkbox", dataset: { testid: "appointments-active" } });
    const save = el("button", { class: "btn btn-primary btn-small", type: "button", text: "保存设置", dataset: { testid: "appointments-save" } });
    const close = el("button", { class: "btn", type: "button", text: "关闭" });
    const settings = admin ? el("fieldset", null, [
      el("legend", { text: "地点设置（管理员）" }),
      el("label", null, [el("span", { text: "服务时间 " }), hours]),
      " ",
      el("label", null, [el("span", { text: "每半小时可约人数 " }), capacity]),
      " ",
      el("label", null, [active, el("span", { text: " 接受预约" })]),
      " ",
      save
    ]) : null;
    const box = el("div", { dataset: { testid: "appointments-dialog" } }, [
      el("h3", { text: "大厅预约" }),
      el("div", null, [location2, " ", date]),
      settings,
      error,
      list,
      el("div", null, close)
    ]);
    box.style.cssText = "display:flex;flex-direction:column;gap:8px;min-width:640px;max-width:90vw";
    const dialog = el("dialog", null, box);
    document.body.appendChild(dialog);
    close.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => dialog.remove());
    function current() {
      return locations.find((row) => String(row.id) === location2.value) || null;
    }
    function fillSettings() {
      const row = current();
      if (!row || !admin) return;
      hours.value = row.hours;
      capacity.value = String(row.capacity);
      active.checked = Boolean(row.active);
    }
    async function refresh() {
      const row = current();
      error.textContent = "";
      list.replaceChildren();
      if (!row) {
        list.appendChild(el("p", { class: "muted", text: "还没有预约地点（目录中支持网上预约且写明办理地点的事项会自动加入）。" }));
        return;
      }
      try {
        const day = await client.api("GET", "/api/appointments/locations/" + row.id + "/day?date=" + encodeURIComponent(date.value));
        list.appendChild(el("p", { class: "muted", text: day.day + " 共 " + day.booked + " 个有效预约；服务时间 " + day.location.hours + "，每半小时 " + day.location.capacity + " 人" }));
        const table = el("table", { class: "report-table" });
        table.appendChild(el("tr", null, ["时间", "事项", "姓名", "电话", "确认码", "方式", "状态"].map((h) => el("th", { text: h }))));
        for (const a of day.appointments) {
          table.appendChild(el("tr", { dataset: { testid: "appointments-row" } }, [
            a.start,
            a.item_name,
            a.name,
            a.phone,
            a.confirmation,
            CHANNELS[a.channel] || a.channel,
            a.status_text
          ].map((v) => el("td", { text: v }))));
        }
        list.appendChild(day.appointments.length ? table : el("p", { class: "muted", text: "这一天没有预约。" }));
      } catch (err) {
        error.textContent = err.detail || "读取失败";
      }
    }
    save.addEventListener("click", async () => {
      const row = current();
      if (!row) return;
      error.textContent = "";
      try {
        const changed = await client.api(
          "PATCH",
          "/api/appointments/locations/" + row.id,
          { hours: hours.value.trim(), capacity: Number(capacity.value), active: active.checked }
        );
        Object.assign(row, changed);
        toast("已保存 " + changed.name + " 的预约设置", "ok");
        refresh();
      } catch (err) {
        error.textContent = (err.problems && err.problems.length ? err.problems.map((p) => p.label + p.reason).join("；") : err.detail) || "保存失败";
      }
    });
    location2.addEventListener("change", () => {
      fillSettings();
      refresh();
    });
    date.addEventListener("change", refresh);
    dialog.showModal();
    fillSettings();
    refresh();
  }
  function install() {
    if (!document.body || document.body.dataset.page !== "console") return;
    const tabs = $(".topbar .tabs");
    if (!tabs) return;
    const open = el("button", {
      class: "tab",
      type: "button",
      text: "大厅预约",
      title: "每天各办理地点的预约名单",
      dataset: { testid: "appointments-open" }
    });
    open.addEventListener("click", openDialog);
    tabs.appendChild(open);
  }
  onReady(install);

  // src/console/canned_replies.js
  var client2 = createClient();
  var toast2 = createToast(6e3, 3e3);
  function openChatId() {
    const chat = $("#chat");
    const id = $("#chat-id");
    return chat && !chat.hidden && id && id.title ? id.title : null;
  }
  async function load(conversationId) {
    const query = conversationId ? "?conversation_id=" + encodeURIComponent(conversationId) : "";
    return client2.api("GET", "/api/canned-replies" + query);
  }
  var picker = null;
  function closePicker() {
    if (!picker) return;
    picker.box.remove();
    const target = picker.target;
    picker = null;
    target.focus();
  }
  function renderOptions() {
    const words = picker.filter.value.trim().toLowerCase();
    const shown = picker.items.filter((r) => !words || (r.title + " " + r.filled).toLowerCase().includes(words));
    picker.shown = shown;
    picker.index = Math.min(picker.index, Math.max(0, shown.length - 1));
    picker.list.replaceChildren();
    if (!shown.length) {
      picker.list.appendChild(el("li", { class: "muted", text: picker.items.length ? "没有匹配的快捷回复" : "还没有快捷回复：点“快捷回复”添加" }));
      return;
    }
    shown.forEach((reply, i) => {
      const option = el(
        "li",
        { role: "option", "aria-selected": String(i === picker.index), dataset: { testid: "canned-option", id: String(reply.id) } },
        [el("strong", { text: reply.title }), " ", el("span", { class: "muted", text: reply.filled.slice(0, 60) })]
      );
      option.style.cursor = "pointer";
      option.style.padding = "4px 6px";
      if (i === picker.index) option.style.background = "#e8f0fe";
      option.addEventListener("mousedown", (event) => {
        event.preventDefault();
        choose(reply);
      });
      picker.list.appendChild(option);
    });
  }
  function choose(reply) {
    const box = picker.target;
    let start2 = box.selectionStart;
    let end = box.selectionEnd;
    if (picker.slash && box.value.slice(start2 - 1, start2) === "/") start2 -= 1;
    box.value = box.value.slice(0, start2) + reply.filled + box.value.slice(end);
    end = start2 + reply.filled.length;
    box.setSelectionRange(end, end);
    if (reply.missing && reply.missing.length) toast2("请补全：" + reply.missing.map((m) => "{" + m + "}").join("、"), "error");
    closePicker();
  }
  async function openPicker(target, slash) {
    if (picker) return;
    const filter = el("input", { type: "search", placeholder: "输入关键词筛选，Enter 插入，Esc 关闭", "aria-label": "筛选快捷回复", dataset: { testid: "canned-filter" } });
    const list = el("ul", { role: "listbox" });
    list.style.cssText = "list-style:none;margin:4px 0 0;padding:0;max-height:220px;overflow:auto";
    const box = el(
      "div",
      { class: "panel", role: "dialog", "aria-label": "快捷回复", dataset: { testid: "canned-picker" } },
      [el("div", { class: "muted", text: "快捷回复" }), filter, list]
    );
    box.style.cssText = "position:absolute;z-index:50;width:420px;max-width:90vw;padding:8px;background:#fff;border:1px solid #c9d3e0;border-radius:6px;box-shadow:0 4px 16px rgba(0,0,0,.15)";
    const rect = target.getBoundingClientRect();
    box.style.left = window.scrollX + rect.left + "px";
    box.style.top = window.scrollY + Math.max(0, rect.top - 280) + "px";
    document.body.appendChild(box);
    picker = { box, filter, list, items: [], shown: [], index: 0, slash, target };
    filter.addEventListener("input", () => {
      if (picker) {
        picker.index = 0;
        renderOptions();
      }
    });
    filter.addEventListener("keydown", onPickerKey);
    filter.addEventListener("blur", () => setTimeout(() => {
      if (picker && document.activeElement !== picker.filter) closePicker();
    }, 150));
    filter.focus();
    try {
      const data = await load(openChatId());
      if (!picker) return;
      picker.items = data && Array.isArray(data.replies) ? data.replies : [];
      renderOptions();
    } catch (err) {
      if (picker) picker.list.replaceChildren(el("li", { class: "field-error", text: err.detail || "读取快捷回复失败" }));
    }
  }
  function onPickerKey(event) {
    if (!picker) return;
    if (event.key === "Escape") {
      event.preventDefault();
      closePicker();
      return;
    }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const n = picker.shown.length;
      if (n) picker.index = (picker.index + (event.key === "ArrowDown" ? 1 : n - 1)) % n;
      renderOptions();
      return;
    }
    if (event.key === "Enter" && !event.isComposing) {
      event.preventDefault();
      const reply = picker.shown[picker.index];
      if (reply) choose(reply);
    }
  }
  function onReplyKey(event) {
    const target = event.target;
    if (!target || target.id !== "reply-text" || target.disabled || event.isComposing) return;
    const ctrlK = (event.ctrlKey || event.metaKey) && (event.key === "k" || event.key === "K");
    const slash = event.key === "/" && !event.ctrlKey && !event.metaKey && target.value.trim() === "";
    if (!ctrlK && !slash) return;
    if (ctrlK) event.preventDefault();
    setTimeout(() => openPicker(target, slash), 0);
  }
  async function openManager() {
    let me = null;
    try {
      me = await client2.api("GET", "/api/me");
    } catch (err) {
      return;
    }
    const list = el("div");
    const title = el("input", { type: "text", maxlength: "100", placeholder: "标题，例如：材料说明", dataset: { testid: "canned-title" } });
    const text = el("textarea", { rows: "4", maxlength: "2000", placeholder: "回复内容，可用 {事项名称} {部门} {电话}", dataset: { testid: "canned-text" } });
    const shared = el("input", { type: "checkbox", dataset: { testid: "canned-shared" } });
    const error = el("div", { class: "field-error", dataset: { testid: "canned-error" } });
    const save = el("button", { class: "btn btn-primary", type: "submit", text: "添加", dataset: { testid: "canned-save" } });
    const close = el("button", { class: "btn", type: "button", text: "关闭" });
    let editing = null;
    const form = el("form", { dataset: { testid: "canned-dialog" } }, [
      el("h3", { text: "快捷回复" }),
      el("p", { class: "muted", text: "在回复框输入 “/” 或按 Ctrl+K 选用；占位符按会话当前事项填写。" }),
      list,
      el("label", null, [el("span", { text: "标题 " }), title]),
      el("label", null, [el("span", { text: "内容 " }), text]),
      me && me.role === "admin" ? el("label", null, [shared, el("span", { text: " 全部部门共用" })]) : null,
      error,
      el("div", null, [close, " ", save])
    ]);
    form.style.cssText = "display:flex;flex-direction:column;gap:6px;min-width:480px";
    const dialog = el("dialog", null, form);
    document.body.appendChild(dialog);
    close.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => dialog.remove());
    async function refresh() {
      list.replaceChildren();
      try {
        const data = await load(null);
        for (const reply of data.replies) {
          const edit = el("button", { class: "btn btn-small", type: "button", text: "修改", dataset: { testid: "canned-edit" } });
          const remove = el("button", { class: "btn btn-small", type: "button", text: "删除", dataset: { testid: "canned-delete" } });
          edit.disabled = remove.disabled = !reply.editable;
          edit.addEventListener("click", () => {
            editing = reply.id;
            title.value = reply.title;
            text.value = reply.text;
            save.textContent = "保存修改";
          });
          remove.addEventListener("click", async () => {
            if (!window.confirm("删除快捷回复“" + reply.title + "”？")) return;
            try {
              await client2.api("DELETE", "/api/canned-replies/" + reply.id);
              refresh();
            } catch (err) {
              error.textContent = err.detail;
            }
          });
          list.appendChild(el("div", { class: "ticket", dataset: { testid: "canned-row" } }, [
            el("strong", { text: reply.title }),
            " ",
            el("span", { class: "muted", text: "（" + reply.department + "）" }),
            el("div", { text: reply.text }),
            edit,
            " ",
            remove
          ]));
        }
        if (!data.replies.length) list.appendChild(el("p", { class: "muted", text: "还没有快捷回复。" }));
      } catch (err) {
        error.textContent = err.detail || "读取失败";
      }
    }
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.textContent = "";
      const body = { title: title.value, text: text.value };
      if (!editing) body.shared = Boolean(shared.checked);
      try {
        if (editing) await client2.api("PUT", "/api/canned-replies/" + editing, body);
        else await client2.api("POST", "/api/canned-replies", body);
        editing = null;
        title.value = "";
        text.value = "";
        save.textContent = "添加";
        refresh();
      } catch (err) {
        error.textContent = err.detail || "保存失败";
      }
    });
    dialog.showModal();
    refresh();
  }
  function install2() {
    if (!document.body || document.body.dataset.page !== "console") return;
    document.addEventListener("keydown", onReplyKey, true);
    const actions = $(".chat-actions");
    if (actions) {
      const manage = el("button", {
        class: "btn btn-small",
        type: "button",
        text: "快捷回复",
        title: "管理快捷回复（回复框中输入 / 或按 Ctrl+K 选用）",
        dataset: { testid: "canned-manage" }
      });
      manage.addEventListener("click", openManager);
      actions.appendChild(manage);
    }
  }
  onReady(install2);

  // src/console/demand_intake.js
  var CATEGORIES = ["咨询", "求助", "投诉", "建议", "举报"];
  var CHANNEL_LABELS = { chat: "在线对话", phone: "电话" };
  var MAX_DRAFT = 4e3;
  var client3 = createClient();
  var toast3 = createToast(6e3, 6e3);
  function openChatId2() {
    const chat = $("#chat");
    const id = $("#chat-id");
    return chat && !chat.hidden && id && id.title ? id.title : null;
  }
  async function draftFrom(conversationId) {
    try {
      const data = await client3.api("GET", "/api/conversations/" + encodeURIComponent(conversationId));
      const texts = (data && Array.isArray(data.messages) ? data.messages : []).filter((m) => m && m.sender === "user" && typeof m.text === "string" && !m.text.startsWith("/")).map((m) => m.text.trim()).filter(Boolean);
      return texts.join("\n").slice(0, MAX_DRAFT);
    } catch (err) {
      return "";
    }
  }
  function fieldRow(label, control, name, testid, errors) {
    control.name = name;
    control.dataset.testid = "demand-intake-" + testid;
    control.setAttribute("aria-label", label);
    const error = el("div", { class: "field-error", dataset: { testid: "demand-intake-error-" + name } });
    errors[name] = error;
    return el("label", { class: "intake-field" }, [el("span", { text: label }), control, error]);
  }
  async function openDialog2(channel, conversationId) {
    const errors = {};
    const category = el("select");
    for (const name of CATEGORIES) category.appendChild(el("option", { value: name, text: name }));
    const content = el("textarea", { rows: "5", maxlength: String(MAX_DRAFT), placeholder: "发生了什么：事项、时间、经过和企业的诉求" });
    const enterprise = el("input", { type: "text", maxlength: "200" });
    const contactName = el("input", { type: "text", maxlength: "64" });
    const phone = el("input", { type: "tel", maxlength: "32", placeholder: "手机号码或带区号的固定电话" });
    const hint = el("div", { class: "field-error" });
    const submit = el("button", { class: "btn btn-primary", type: "submit", text: "登记", dataset: { testid: "demand-intake-submit" } });
    const cancel = el("button", { class: "btn", type: "button", text: "取消" });
    const form = el("form", { class: "intake-form", dataset: { testid: "demand-intake-form" } }, [
      el("h3", { text: "登记诉求（" + CHANNEL_LABELS[channel] + "）" }),
      conversationId ? el("p", { class: "muted", text: "关联会话 " + conversationId + "：登记后用户会在对话中收到诉求编号。" }) : el("p", { class: "muted", text: "电话来电：请向来电企业读出诉求编号，并提示凭编号和电话后四位查询。" }),
      fieldRow("诉求类别", category, "category", "category", errors),
      fieldRow("发生了什么", content, "content", "content", errors),
      fieldRow("企业名称", enterprise, "enterprise_name", "enterprise", errors),
      fieldRow("联系人", contactName, "contact_name", "contact-name", errors),
      fieldRow("联系电话", phone, "contact_phone", "phone", errors),
      hint,
      el("div", { class: "intake-actions" }, [cancel, submit])
    ]);
    const dialog = el("dialog", { class: "intake-dialog" }, form);
    document.body.appendChild(dialog);
    cancel.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => dialog.remove());
    dialog.showModal();
    if (conversationId) content.value = await draftFrom(conversationId);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      hint.textContent = "";
      for (const e of Object.values(errors)) e.textContent = "";
      const body = {
        category: category.value,
        content: content.value.trim(),
        enterprise_name: enterprise.value.trim(),
        contact_name: contactName.value.trim(),
        contact_phone: phone.value.trim(),
        channel
      };
      if (conversationId) body.conversation_id = conversationId;
      submit.disabled = true;
      try {
        const demand = await client3.api("POST", "/api/demands/intake", body);
        toast3("已登记诉求 " + demand.tracking_number + "，办理时限 " + demand.due_date, "ok");
        dialog.close();
      } catch (err) {
        let placed = false;
        for (const p of err && err.problems || []) {
          const target = errors[p.field];
          if (target) {
            target.textContent = p.reason;
            placed = true;
          }
        }
        if (!placed) hint.textContent = err && err.detail || "登记失败，请稍后再试";
      } finally {
        submit.disabled = false;
      }
    });
  }
  function install3() {
    if (!document.body || document.body.dataset.page !== "console") return;
    const actions = $(".chat-actions");
    const resolve = $("#resolve");
    if (actions && resolve) {
      const fromChat = el("button", {
        class: "btn btn-small",
        type: "button",
        text: "登记诉求",
        title: "为当前会话的企业登记诉求（派单办理）",
        dataset: { testid: "demand-intake-chat" }
      });
      fromChat.addEventListener("click", () => {
        const id = openChatId2();
        if (!id) {
          toast3("请先打开一个会话", "error");
          return;
        }
        openDialog2("chat", id);
      });
      actions.insertBefore(fromChat, resolve);
    }
    const queueHead = $("#queue .panel-head");
    if (queueHead) {
      const fromPhone = el("button", {
        class: "btn btn-small",
        type: "button",
        text: "电话登记",
        title: "为来电企业登记诉求",
        dataset: { testid: "demand-intake-phone" }
      });
      fromPhone.addEventListener("click", () => openDialog2("phone", null));
      queueHead.appendChild(fromPhone);
    }
  }
  onReady(install3);

  // src/console/remote_help.js
  var MARK_BUTTONS = [["accepted", "合格"], ["needs_fix", "需补正"], ["missing", "缺失"]];
  function createRemoteHelpPanel(options) {
    const { api: api2, toast: toast5, errorToast: errorToast2 } = options;
    let conversationId = null;
    let help = null;
    const editing = /* @__PURE__ */ new Map();
    const notes = /* @__PURE__ */ new Map();
    let redrawing = false;
    const stylesheet = document.createElement("link");
    stylesheet.rel = "stylesheet";
    stylesheet.href = "/console/static/remote_help.css";
    document.head.appendChild(stylesheet);
    const box = el("section", { class: "box help-box", id: "remote-help", "data-testid": "console-remote-help" });
    box.hidden = true;
    async function open(id) {
      if (!box.isConnected) {
        const anchor = $("#bot-findings");
        const findingsBox = anchor ? anchor.closest("section") : null;
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
        const data = await api2("GET", `/api/conversations/${encodeURIComponent(id)}/remote-help`);
        if (id !== conversationId) return;
        help = data;
        draw();
      } catch (err) {
        if (err.status === 403) {
          box.hidden = true;
          return;
        }
        errorToast2(err);
      }
    }
    function onFrame(frame) {
      if (frame && conversationId && String(frame.conversation_id) === conversationId) refresh();
    }
    function draw() {
      const focused = document.activeElement && box.contains(document.activeElement) ? document.activeElement.dataset.testid : null;
      const nodes = [el("h3", null, "远程帮办")];
      if (!help || help.status !== "active") nodes.push(startForm());
      if (help) nodes.push(helpView());
      redrawing = true;
      box.replaceChildren(...nodes);
      redrawing = false;
      if (focused) {
        const again = box.querySelector(`[data-testid="${focused}"]`);
        if (again) again.focus();
      }
    }
    function startForm() {
      const form = el("div", "help-start");
      const current = el(
        "button",
        { class: "btn btn-small btn-primary", type: "button", "data-testid": "help-start-current" },
        "为当前事项发起帮办"
      );
      current.addEventListener("click", () => start2(null, current));
      const query = el("input", { type: "search", placeholder: "搜索其他事项…", "aria-label": "搜索事项", "data-testid": "help-item-query" });
      const results = el("div", "help-results");
      const search = el("button", { class: "btn btn-small", type: "button" }, "搜索");
      const run = async () => {
        const q = query.value.trim();
        if (!q) return;
        try {
          const hits = await api2("GET", `/api/knowledge/search?kind=item&q=${encodeURIComponent(q)}`);
          results.replaceChildren(...(hits || []).map((hit) => {
            const pick = el("button", { class: "btn btn-small", type: "button", "data-testid": "help-item-start" }, "发起");
            pick.addEventListener("click", () => start2(hit.id, pick));
            return el("div", "help-result", [el("span", null, `${hit.title}（${hit.department || ""}）`), pick]);
          }));
          if (!hits || !hits.length) results.replaceChildren(el("p", "muted", "没有找到事项"));
        } catch (err) {
          errorToast2(err);
        }
      };
      search.addEventListener("click", run);
      query.addEventListener("keydown", (e) => {
        if (e.key === "Enter" && !e.isComposing) {
          e.preventDefault();
          run();
        }
      });
      form.append(current, el("div", "help-search", [query, search]), results);
      return form;
    }
    async function start2(itemId, button2) {
      button2.disabled = true;
      try {
        help = await api2(
          "POST",
          `/api/conversations/${encodeURIComponent(conversationId)}/remote-help`,
          itemId ? { item_id: itemId } : {}
        );
        toast5("已发起远程帮办", "ok");
        draw();
      } catch (err) {
        errorToast2(err);
      } finally {
        button2.disabled = false;
      }
    }
    function helpView() {
      const view = el("div", { class: "help-view", "data-status": help.status });
      view.append(el("p", "help-title", [el("strong", null, help.item.name), ` · ${help.status_label}`]));
      if (help.summary) {
        view.append(el(
          "p",
          { class: "help-summary", "data-testid": "console-help-summary" },
          `预审结论：${help.summary.result}（${help.summary.completed_at}）`
        ));
      }
      const list = el("ol", "help-entries");
      for (const entry of help.entries) list.append(entryNode(entry));
      view.append(list, el("h4", null, "申请表（与企业共同填写）"), draftForm(), actions());
      return view;
    }
    function entryNode(entry) {
      const node = el("li", { class: "help-entry", "data-testid": "console-help-entry", "data-entry": String(entry.id) });
      node.append(el("div", "help-entry-head", [
        el("span", null, entry.name),
        el("span", { class: "help-mark", "data-status": entry.status, "data-testid": "console-help-mark" }, entry.status_label)
      ]));
      if (entry.reason) node.append(el("div", "help-reason", `原因：${entry.reason}`));
      if (entry.files.length) {
        const files = el("div", "help-files");
        for (const f of entry.files) {
          files.append(el("a", {
            href: `/api/remote-help/${help.id}/files/${f.id}`,
            target: "_blank",
            rel: "noopener",
            "data-testid": "console-help-file"
          }, `${f.name}（${Math.max(1, Math.round(f.size / 1024))} KB）`));
        }
        node.append(files);
      }
      if (help.status === "active") {
        const reason = el("input", {
          type: "text",
          placeholder: "需补正或缺失的原因",
          maxlength: "500",
          "data-testid": "console-help-reason",
          "aria-label": "原因"
        });
        const buttons = el("div", "help-marks");
        for (const [mark, label] of MARK_BUTTONS) {
          const b = el("button", { class: "btn btn-small", type: "button", "data-testid": `console-mark-${mark}` }, label);
          b.addEventListener("click", () => markEntry(entry, mark, reason.value, b));
          buttons.append(b);
        }
        node.append(reason, buttons);
      }
      return node;
    }
    async function markEntry(entry, mark, reason, button2) {
      if (mark === "needs_fix" && !reason.trim()) {
        toast5("标为“需补正”时请写明原因", "error");
        return;
      }
      button2.disabled = true;
      try {
        help = await api2("POST", `/api/remote-help/${help.id}/entries/${entry.id}/mark`, { mark, reason });
        if (help.status === "completed") toast5("全部材料合格，预审已完成", "ok");
        draw();
      } catch (err) {
        errorToast2(err);
        refresh();
      } finally {
        button2.disabled = false;
      }
    }
    function draftForm() {
      const form = el("div", "help-draft");
      for (const field of help.draft) {
        const typed = editing.get(field.name);
        const input = el("input", {
          type: "text",
          maxlength: "500",
          placeholder: field.hint || "",
          "data-testid": `console-draft-${field.name}`
        });
        input.value = typed ? typed.value : field.value;
        input.dataset.version = String(typed ? typed.version : field.version);
        input.disabled = help.status === "cancelled";
        input.addEventListener("input", () => editing.set(field.name, { value: input.value, version: Number(input.dataset.version) }));
        input.addEventListener("blur", () => commit(field.name));
        input.addEventListener("keydown", (e) => {
          if (e.key === "Enter" && !e.isComposing) {
            e.preventDefault();
            input.blur();
          }
        });
        const label = el("label", null, [el("span", null, field.label), input]);
        if (field.updated_by) label.append(el("span", "muted", `最近由${field.updated_by}填写`));
        if (notes.has(field.name)) label.append(el("span", { class: "help-note", "data-testid": "console-draft-note" }, notes.get(field.name)));
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
        help = await api2("PUT", `/api/remote-help/${help.id}/draft/${encodeURIComponent(name)}`, { value, version });
        notes.delete(name);
        draw();
      } catch (err) {
        if (err.status === 409) {
          notes.set(name, `${err.detail}`);
          refresh();
        } else {
          notes.set(name, err.detail);
          draw();
        }
      }
    }
    function actions() {
      const row = el("div", "help-actions");
      row.append(el(
        "a",
        { class: "btn btn-small", href: `/api/remote-help/${help.id}/draft.pdf`, "data-testid": "console-draft-pdf" },
        "申请表 PDF"
      ));
      if (help.status === "completed") {
        row.append(el("a", {
          class: "btn btn-small",
          href: `/api/remote-help/${help.id}/summary.pdf`,
          "data-testid": "console-summary-pdf"
        }, "预审结果 PDF"));
      }
      if (help.item.online_booking && help.status !== "cancelled") row.append(bookingButton());
      if (help.status === "active") {
        const cancel = el("button", { class: "btn btn-small", type: "button", "data-testid": "console-help-cancel" }, "结束帮办");
        cancel.addEventListener("click", async () => {
          if (!window.confirm("结束这次远程帮办？材料清单和申请表会保留在记录中。")) return;
          try {
            help = await api2("POST", `/api/remote-help/${help.id}/cancel`);
            draw();
          } catch (err) {
            errorToast2(err);
          }
        });
        row.append(cancel);
      }
      return row;
    }
    function bookingButton() {
      const wrap = el("div", "help-booking");
      const book = el("button", { class: "btn btn-small", type: "button", "data-testid": "help-book" }, "预约到大厅办理");
      book.addEventListener("click", () => showSlots(wrap, book));
      wrap.append(book);
      return wrap;
    }
    async function showSlots(wrap, book) {
      const value = (name2) => (help.draft.find((f) => f.name === name2) || {}).value || "";
      const name = value("contact_name") || value("legal_representative");
      const phone = value("contact_phone");
      if (!name || !phone) {
        toast5("请先在申请表中填写联系人和联系电话", "error");
        return;
      }
      book.disabled = true;
      try {
        const today = /* @__PURE__ */ new Date();
        const from = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, "0")}-${String(today.getDate()).padStart(2, "0")}`;
        const slots = await api2("GET", `/api/appointments/slots?item_id=${encodeURIComponent(help.item.id)}&from=${from}&days=7`);
        const free = (slots || []).filter((s) => s.remaining > 0).slice(0, 8);
        const list = el("div", "help-slots");
        if (!free.length) list.append(el("p", "muted", "近 7 天没有可预约的时段"));
        for (const slot of free) {
          const pick = el(
            "button",
            { class: "btn btn-small", type: "button", "data-testid": "help-slot" },
            `${slot.slot.slice(5, 16).replace("T", " ")}（余 ${slot.remaining}）`
          );
          pick.addEventListener("click", () => bookSlot(wrap, slot, name, phone));
          list.append(pick);
        }
        wrap.replaceChildren(book, list);
      } catch (err) {
        errorToast2(err);
      } finally {
        book.disabled = false;
      }
    }
    async function bookSlot(wrap, slot, name, phone) {
      try {
        const booked = await api2("POST", "/api/appointments/staff", {
          item_id: help.item.id,
          slot: slot.slot,
          name,
          phone,
          conversation_id: conversationId
        });
        const when = String(booked.slot).slice(0, 16).replace("T", " ");
        wrap.replaceChildren(el(
          "p",
          { class: "help-summary", "data-testid": "help-booking" },
          `已预约 ${when} · ${booked.location} · 确认码 ${booked.confirmation}`
        ));
        await api2("POST", `/api/conversations/${encodeURIComponent(conversationId)}/reply`, {
          text: `已为您预约 ${when} 到 ${booked.location} 办理“${help.item.name}”，确认码 ${booked.confirmation}。可凭确认码和联系电话后四位查询或取消预约。`
        });
      } catch (err) {
        errorToast2(err);
      }
    }
    return { open, close, refresh, onFrame };
  }

  // src/console/console.js
  var CONSOLE_URL = "/console";
  var POLL_MS = 5e3;
  var BACKGROUND_MS = 3e4;
  var KIND_LABELS = { item: "事项", policy: "政策" };
  var SENDER_LABELS = { user: "用户", bot: "机器人", staff: "坐席", system: "系统" };
  var client4 = createClient();
  var api = client4.api;
  var detailText = client4.detailText;
  var toast4 = createToast(5e3, 3e3);
  var remoteHelp = createRemoteHelpPanel({ api, toast: toast4, errorToast: (err) => errorToast(err) });
  function mmss(seconds) {
    const s = Math.max(0, Math.floor(Number(seconds) || 0));
    return pad2(Math.floor(s / 60)) + ":" + pad2(s % 60);
  }
  function errorToast(err) {
    if (err && err.status === 401) return;
    toast4(err && err.detail ? err.detail : String(err && err.message ? err.message : err), "error");
  }
  function initLogin() {
    const form = $("#login-form");
    const user = $("#login-username");
    const pass = $("#login-password");
    const submit = $("#login-submit");
    const error = $("#login-error");
    function showError(text) {
      error.textContent = text;
      error.hidden = false;
    }
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.hidden = true;
      const username = user.value.trim();
      const password = pass.value;
      if (!username || !password) {
        showError("请输入用户名和密码");
        return;
      }
      submit.disabled = true;
      submit.textContent = "登录中…";
      try {
        const res = await fetch("/api/login", {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "Accept": "application/json" },
          body: JSON.stringify({ username, password })
        });
        const data = await readJson(res);
        if (res.ok) {
          location.href = CONSOLE_URL;
          return;
        }
        showError(res.status === 401 ? detailText(data, 401) : detailText(data, res.status));
        pass.value = "";
        pass.focus();
      } catch (e) {
        showError(detailText(null, 0));
      } finally {
        submit.disabled = false;
        submit.textContent = "登录";
      }
    });
  }
  var state = {
    me: null,
    queue: [],
    queueAt: 0,
    // Date.now() when state.queue arrived (waited time ticks from it)
    openId: null,
    // conversation id shown in #chat
    openStatus: null,
    seen: /* @__PURE__ */ new Set(),
    // message ids shown in #chat
    unread: /* @__PURE__ */ new Set(),
    // conversation ids (held by me, not open) with new user messages
    pollTimer: null,
    tab: "chats"
  };
  function idEq(a, b) {
    return a !== null && a !== void 0 && b !== null && b !== void 0 && String(a) === String(b);
  }
  function isMine(item) {
    return state.me && idEq(item.claimed_by, state.me.id);
  }
  var PRIORITY_CLASSES = { 0: "prio-complaint", 1: "prio-repeat" };
  function priorityInfo(item) {
    return { text: item.priority_label || "", cls: PRIORITY_CLASSES[Number(item.priority)] || "prio-other" };
  }
  function renderMe() {
    showMe(state.me);
    const editor = isEditor(state.me);
    document.querySelectorAll(".editor-only").forEach((el2) => {
      el2.hidden = !editor;
    });
  }
  function showTab(tab) {
    state.tab = tab;
    const chats = tab === "chats";
    $("#tab-chats").classList.toggle("active", chats);
    $("#tab-tickets").classList.toggle("active", !chats);
    $("#tab-chats").setAttribute("aria-selected", String(chats));
    $("#tab-tickets").setAttribute("aria-selected", String(!chats));
    $("#view-chats").hidden = !chats;
    $("#tickets").hidden = chats;
    if (!chats) loadTickets();
  }
  function setQueue(items) {
    state.queue = Array.isArray(items) ? items : [];
    state.queueAt = Date.now();
    renderQueue();
  }
  async function refreshQueue() {
    try {
      setQueue(await api("GET", "/api/queue"));
    } catch (err) {
      if (err.status !== 401 && err.status !== 0) errorToast(err);
    }
  }
  function lastMessageText(last) {
    if (!last) return "";
    if (typeof last === "string") return last;
    if (typeof last === "object" && typeof last.text === "string") {
      const who = SENDER_LABELS[last.sender] || "";
      return (who ? who + "：" : "") + last.text;
    }
    return "";
  }
  function queueRow(item) {
    const waiting = item.status === "waiting";
    const mine = isMine(item);
    const prio = priorityInfo(item);
    const classes = ["queue-item", "status-" + String(item.status || "unknown").replace(/[^a-z_-]/gi, "")];
    if (item.overdue) classes.push("overdue");
    if (mine) classes.push("mine");
    if (idEq(item.conversation_id, state.openId)) classes.push("active");
    const li = el("li", { class: classes.join(" ") });
    li.dataset.handoffId = String(item.handoff_id);
    li.dataset.conversationId = String(item.conversation_id);
    const waited = el("span", { class: "waited", title: waiting ? "已等待" : "等待时长", text: mmss(item.waited_seconds) });
    waited.dataset.base = String(Number(item.waited_seconds) || 0);
    waited.dataset.tick = waiting ? "1" : "0";
    li.appendChild(el("div", { class: "qi-top" }, [
      el("span", { class: "badge " + prio.cls, text: prio.text }),
      el("span", { class: "qi-reason", title: item.reason_label || "", text: item.reason_label || item.reason || "转人工" }),
      item.overdue ? el("span", { class: "overdue-mark", title: "等待超时", text: "超时" }) : null,
      waited
    ]));
    if (item.summary) {
      li.appendChild(el("div", { class: "qi-summary", title: item.summary, text: truncate(item.summary, 90) }));
    }
    const last = lastMessageText(item.last_message);
    if (last) li.appendChild(el("div", { class: "qi-last", title: last, text: "最新：" + truncate(last, 60) }));
    const foot = el("div", { class: "qi-foot" });
    if (waiting) {
      foot.appendChild(el("span", { class: "qi-waiting", text: "等待接入" }));
      foot.appendChild(el("button", { class: "btn btn-small btn-primary claim", type: "button", text: "接入" }));
    } else {
      const holder = mine ? "我正在接待" : item.claimed_by_name ? item.claimed_by_name + " 接待中" : "接待中";
      foot.appendChild(el("span", { class: "qi-holder", text: holder }));
      if (mine && state.unread.has(String(item.conversation_id))) {
        foot.appendChild(el("span", { class: "unread-dot", title: "有新消息" }));
      }
      if (mine) foot.appendChild(el("button", { class: "btn btn-small open", type: "button", text: "打开" }));
    }
    li.appendChild(foot);
    return li;
  }
  function renderQueue() {
    const list = $("#queue-list");
    const waitingCount = state.queue.filter((i) => i.status === "waiting").length;
    const rows = state.queue.map(queueRow);
    if (!rows.length) rows.push(el("li", { class: "queue-empty", text: "暂无排队或进行中的会话" }));
    list.replaceChildren.apply(list, rows);
    $("#queue-count").textContent = "等待 " + waitingCount + " · 共 " + state.queue.length;
    document.title = (waitingCount ? "(" + waitingCount + ") " : "") + "导服 · 人工坐席台";
  }
  function tickWaited() {
    const elapsed = (Date.now() - state.queueAt) / 1e3;
    document.querySelectorAll("#queue-list .waited").forEach((span) => {
      const base = Number(span.dataset.base) || 0;
      span.textContent = mmss(span.dataset.tick === "1" ? base + elapsed : base);
    });
  }
  async function claim(row, button2) {
    const handoffId = row.dataset.handoffId;
    await busy(button2, async () => {
      try {
        const res = await api("POST", "/api/handoffs/" + encodeURIComponent(handoffId) + "/claim");
        const convId = res && res.conversation_id || row.dataset.conversationId;
        await refreshQueue();
        await openConversation(convId);
      } catch (err) {
        errorToast(err);
        if (err.status === 409 || err.status === 404) refreshQueue();
      }
    });
  }
  function pollOnce() {
    refreshQueue();
    if (state.openId) refreshOpenMessages();
  }
  function startPolling() {
    if (state.pollTimer) return;
    state.pollTimer = setInterval(pollOnce, POLL_MS);
  }
  function stopPolling() {
    if (!state.pollTimer) return;
    clearInterval(state.pollTimer);
    state.pollTimer = null;
  }
  var socket = consoleSocket({
    downText: "重连中…（每5秒刷新）",
    onFrame: handleFrame,
    onUp: () => {
      stopPolling();
      refreshQueue();
      if (state.openId) refreshOpenMessages();
      remoteHelp.refresh();
    },
    onDown: startPolling
  });
  function handleFrame(frame) {
    if (frame.type === "queue") {
      setQueue(frame.items);
    } else if (frame.type === "message") {
      if (!frame.message) return;
      if (idEq(frame.conversation_id, state.openId)) {
        addMessage(frame.message);
      } else if (frame.message.sender === "user") {
        const held = state.queue.some((i) => idEq(i.conversation_id, frame.conversation_id) && isMine(i));
        if (held) {
          state.unread.add(String(frame.conversation_id));
          renderQueue();
        }
      }
    } else if (frame.type === "conversation") {
      if (idEq(frame.conversation_id, state.openId)) setChatStatus(frame.status, frame.status_label);
    } else if (frame.type === "remote_help") {
      remoteHelp.onFrame(frame);
    } else if (frame.type === "live") {
      if (frame.ok) {
        stopPolling();
        pollOnce();
      } else {
        startPolling();
      }
    }
  }
  function setChatStatus(status, label) {
    state.openStatus = status || null;
    const tag = $("#chat-status");
    tag.textContent = label || status || "";
    tag.className = "status-tag" + (status ? " st-" + String(status).replace(/[^a-z_-]/gi, "") : "");
    const closed = status === "closed";
    $("#reply-text").disabled = closed;
    $("#reply-send").disabled = closed;
    $("#reply-text").placeholder = closed ? "会话已结束，不能再回复" : "输入回复内容（Enter 发送，Shift+Enter 换行）";
  }
  function messageExtras(msg) {
    const extras = [];
    const payload = msg.payload && typeof msg.payload === "object" ? msg.payload : null;
    if (!payload) return extras;
    const custom = payload.custom && typeof payload.custom === "object" ? payload.custom : null;
    extras.push(...cardSummaries(custom));
    if (custom && custom.handoff && typeof custom.handoff === "object" && custom.handoff.reason_text) {
      extras.push(el("div", { class: "msg-extra msg-handoff" }, [
        el("span", { class: "label", text: "转人工" }),
        String(custom.handoff.reason_text)
      ]));
    }
    if (Array.isArray(payload.buttons) && payload.buttons.length) {
      const list = el("ul", { class: "msg-buttons" });
      for (const b of payload.buttons) {
        const title = b && typeof b === "object" ? b.title : b;
        if (title !== void 0 && title !== null && title !== "") list.appendChild(el("li", { text: String(title) }));
      }
      extras.push(el("div", { class: "msg-extra msg-options" }, [el("span", { class: "label", text: "机器人提供的选项" }), list]));
    }
    return extras;
  }
  function messageNode(msg) {
    const sender = ["user", "bot", "staff", "system"].indexOf(msg.sender) >= 0 ? msg.sender : "system";
    let who = SENDER_LABELS[sender];
    if (sender === "staff" && msg.staff_name) who = String(msg.staff_name);
    const node = el("div", { class: "msg msg-" + sender }, [
      el("div", { class: "msg-head" }, [
        el("span", { class: "msg-sender", text: who }),
        el("time", { class: "msg-time", datetime: msg.created_at || "", text: formatTime(msg.created_at) })
      ]),
      el("div", { class: "msg-body", text: msg.text == null ? "" : String(msg.text) })
    ]);
    appendAll(node, messageExtras(msg));
    node.dataset.messageId = String(msg.id);
    return node;
  }
  function addMessage(msg, forceScroll) {
    if (!msg || msg.id === void 0 || msg.id === null) return;
    const key = String(msg.id);
    if (state.seen.has(key)) return;
    state.seen.add(key);
    const box = $("#messages");
    const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    const node = messageNode(msg);
    const id = Number(msg.id);
    let before = null;
    if (!isNaN(id)) {
      for (let child = box.lastElementChild; child; child = child.previousElementSibling) {
        const cid = Number(child.dataset.messageId);
        if (isNaN(cid) || cid < id) break;
        before = child;
      }
    }
    box.insertBefore(node, before);
    if (forceScroll || nearBottom) box.scrollTop = box.scrollHeight;
  }
  function renderFindings(handoff) {
    const box = $("#bot-findings");
    if (!handoff) {
      box.replaceChildren(el("p", { class: "muted", text: "该会话没有转人工记录。" }));
      return;
    }
    const nodes = [
      el("p", null, [
        el("span", { class: "f-label", text: "转人工原因：" }),
        el("span", { class: "f-reason", text: handoff.reason_label || handoff.reason || "" })
      ])
    ];
    if (handoff.claimed_by_name) {
      nodes.push(el("p", null, [el("span", { class: "f-label", text: "接待人：" }), String(handoff.claimed_by_name)]));
    }
    nodes.push(el("p", { class: "f-label", text: "对话摘要" }));
    nodes.push(el("div", { class: "f-summary", text: handoff.summary || "（无摘要）" }));
    nodes.push(el("p", { class: "f-label", text: "机器人找到的候选" }));
    const cands = Array.isArray(handoff.candidates) ? handoff.candidates : [];
    if (!cands.length) {
      nodes.push(el("p", { class: "muted", text: "机器人没有找到候选答案。" }));
    } else {
      const list = el("ul", { class: "candidates" });
      for (const c of cands) {
        if (!c || typeof c !== "object") continue;
        const score = Number(c.score);
        list.appendChild(el("li", { class: "candidate" }, [
          el("span", { class: "kind-tag kind-" + (c.kind === "policy" ? "policy" : "item"), text: KIND_LABELS[c.kind] || c.kind || "—" }),
          el("span", { class: "c-title", text: c.title || c.id || "" }),
          el("span", { class: "c-score", title: "相关度", text: c.score === void 0 || c.score === null || isNaN(score) ? "" : score.toFixed(2) })
        ]));
      }
      nodes.push(list);
    }
    box.replaceChildren.apply(box, nodes);
  }
  async function openConversation(convId) {
    if (!convId) return;
    const id = String(convId);
    const switching = !idEq(id, state.openId);
    let data;
    try {
      data = await api("GET", "/api/conversations/" + encodeURIComponent(id));
    } catch (err) {
      errorToast(err);
      return;
    }
    if (switching) {
      state.openId = id;
      state.seen = /* @__PURE__ */ new Set();
      $("#messages").replaceChildren();
      $("#reply-text").value = "";
    }
    state.unread.delete(id);
    const conv = data && data.conversation || { id };
    $("#chat-id").textContent = truncate(conv.id || id, 12);
    $("#chat-id").title = String(conv.id || id);
    $("#chat-meta").textContent = conv.created_at ? "开始于 " + formatTime(conv.created_at) : "";
    setChatStatus(conv.status, conv.status_label);
    for (const msg of data && Array.isArray(data.messages) ? data.messages : []) addMessage(msg, true);
    renderFindings(data ? data.handoff : null);
    remoteHelp.open(id);
    $("#chat-empty").hidden = true;
    $("#chat").hidden = false;
    $("#messages").scrollTop = $("#messages").scrollHeight;
    renderQueue();
    loadStaff();
    if (!$("#reply-text").disabled) $("#reply-text").focus();
  }
  async function refreshOpenMessages() {
    const id = state.openId;
    if (!id) return;
    try {
      const data = await api("GET", "/api/conversations/" + encodeURIComponent(id));
      if (!idEq(id, state.openId)) return;
      for (const msg of data && Array.isArray(data.messages) ? data.messages : []) addMessage(msg);
      if (data && data.conversation) setChatStatus(data.conversation.status, data.conversation.status_label);
    } catch (err) {
    }
  }
  function closeChat() {
    remoteHelp.close();
    state.openId = null;
    state.openStatus = null;
    state.seen = /* @__PURE__ */ new Set();
    $("#chat").hidden = true;
    $("#chat-empty").hidden = false;
    $("#messages").replaceChildren();
    $("#reply-text").value = "";
    $("#bot-findings").replaceChildren(el("p", { class: "muted", text: "打开会话后显示转人工原因、摘要和机器人找到的候选。" }));
    renderQueue();
  }
  async function sendReply() {
    const id = state.openId;
    const box = $("#reply-text");
    const text = box.value.trim();
    if (!id || box.disabled) return;
    if (!text) {
      toast4("请输入回复内容", "error");
      return;
    }
    await busy($("#reply-send"), async () => {
      try {
        const msg = await api("POST", "/api/conversations/" + encodeURIComponent(id) + "/reply", { text });
        if (box.value.trim() === text) box.value = "";
        if (idEq(id, state.openId) && msg) addMessage(msg, true);
      } catch (err) {
        errorToast(err);
      }
    });
    box.focus();
  }
  async function loadStaff() {
    const select = $("#transfer-select");
    let staff;
    try {
      staff = await api("GET", "/api/staff");
    } catch (err) {
      return;
    }
    const keep = select.value;
    const options = [el("option", { value: "", text: "选择同事…" })];
    for (const s of Array.isArray(staff) ? staff : []) {
      if (!s || state.me && idEq(s.id, state.me.id)) continue;
      const label = (s.display_name || "") + (ROLE_LABELS[s.role] ? "（" + ROLE_LABELS[s.role] + "）" : "") + (s.online ? "" : " · 离线");
      options.push(el("option", { value: String(s.id), text: label }));
    }
    select.replaceChildren.apply(select, options);
    if (keep && Array.from(select.options).some((o) => o.value === keep)) select.value = keep;
  }
  async function chatAction(button2, action, body, okText) {
    const id = state.openId;
    if (!id) return;
    await busy(button2, async () => {
      try {
        await api("POST", "/api/conversations/" + encodeURIComponent(id) + "/" + action, body);
        toast4(okText, "ok");
        if (idEq(id, state.openId)) closeChat();
        refreshQueue();
      } catch (err) {
        errorToast(err);
      }
    });
  }
  async function searchKnowledge() {
    const q = $("#kb-query").value.trim();
    const kind = $("#kb-kind").value;
    const results = $("#kb-results");
    if (!q) {
      toast4("请输入检索关键词", "error");
      return;
    }
    const params = new URLSearchParams({ q });
    if (kind) params.set("kind", kind);
    await busy($("#kb-search"), async () => {
      let hits;
      try {
        hits = await api("GET", "/api/knowledge/search?" + params.toString());
      } catch (err) {
        errorToast(err);
        return;
      }
      hits = Array.isArray(hits) ? hits : [];
      if (!hits.length) {
        results.replaceChildren(el("p", { class: "kb-empty", text: "没有找到相关内容。" }));
        return;
      }
      results.replaceChildren.apply(results, hits.map(kbResult));
    });
  }
  function kbResult(hit) {
    const meta = hit.kind === "policy" ? [hit.issuer, hit.doc_number].filter(Boolean).map(String).join(" · ") : [hit.department, hit.issuer, hit.doc_number].filter(Boolean).map(String).join(" · ");
    const node = el("div", { class: "kb-result" }, [
      el("div", { class: "kb-head" }, [
        el("span", { class: "kind-tag kind-" + (hit.kind === "policy" ? "policy" : "item"), text: KIND_LABELS[hit.kind] || hit.kind || "—" }),
        el("span", { class: "kb-title", text: hit.title || "" })
      ]),
      meta ? el("div", { class: "kb-meta", text: meta }) : null,
      hit.insert_text ? el("div", { class: "kb-preview", title: String(hit.insert_text), text: truncate(hit.insert_text, 140) }) : null,
      el("div", { class: "kb-foot" }, [el("button", { class: "btn btn-small kb-insert", type: "button", text: "插入" })])
    ]);
    if (hit.id !== void 0 && hit.id !== null) node.dataset.id = String(hit.id);
    node.querySelector(".kb-insert").addEventListener("click", () => insertReply(hit.insert_text || ""));
    return node;
  }
  function insertReply(text) {
    const box = $("#reply-text");
    const addition = String(text);
    if (!addition) return;
    const current = box.value;
    box.value = current && !/\n$/.test(current) ? current + "\n" + addition : current + addition;
    if (!$("#chat").hidden && !box.disabled) {
      box.focus();
      box.selectionStart = box.selectionEnd = box.value.length;
      box.scrollTop = box.scrollHeight;
    } else {
      toast4("已插入回复框，打开会话后可发送");
    }
  }
  async function loadTickets() {
    const status = $("#ticket-status").value || "open";
    const list = $("#ticket-list");
    let tickets;
    try {
      tickets = await api("GET", "/api/tickets?" + new URLSearchParams({ status }).toString());
    } catch (err) {
      errorToast(err);
      return;
    }
    if (($("#ticket-status").value || "open") !== status) return;
    tickets = Array.isArray(tickets) ? tickets : [];
    if (!tickets.length) {
      const filter = $("#ticket-status").selectedOptions[0];
      list.replaceChildren(el("p", { class: "ticket-empty", text: "没有" + (filter ? filter.textContent : "") + "的留言。" }));
      return;
    }
    list.replaceChildren.apply(list, tickets.map(ticketNode));
  }
  function ticketNode(t) {
    const node = el("div", { class: "ticket status-" + String(t.status || "").replace(/[^a-z_-]/gi, "") });
    node.dataset.ticketId = String(t.id);
    node.appendChild(el("div", { class: "ticket-head" }, [
      el("span", { class: "ticket-no", text: t.tracking_number || "" }),
      el("span", { class: "status-tag", text: t.status_label || t.status || "" }),
      el("time", { class: "ticket-time", datetime: t.created_at || "", text: formatTime(t.created_at, true) })
    ]));
    node.appendChild(el("div", { class: "ticket-question", text: t.question || "" }));
    node.appendChild(el("div", { class: "ticket-contact" }, [el("span", { class: "f-label", text: "联系方式：" }), t.contact ? String(t.contact) : "（未留）"]));
    if (t.answer) node.appendChild(el("div", { class: "ticket-prev" }, [el("span", { class: "f-label", text: "已回复：" }), String(t.answer)]));
    if (t.status !== "closed") {
      const area = el("textarea", { class: "ticket-answer", rows: "3", placeholder: t.answer ? "修改回复内容…" : "填写回复内容，用户可凭查询号查看", "aria-label": "回复内容" });
      node.appendChild(area);
      node.appendChild(el("div", { class: "ticket-actions" }, [
        el("button", { class: "btn btn-small ticket-close", type: "button", text: "关闭" }),
        el("button", { class: "btn btn-small btn-primary ticket-send", type: "button", text: t.answer ? "更新回复" : "回复" })
      ]));
    }
    return node;
  }
  async function ticketAction(node, button2, action) {
    const id = node.dataset.ticketId;
    let body;
    if (action === "answer") {
      const answer = node.querySelector(".ticket-answer").value.trim();
      if (!answer) {
        toast4("请填写回复内容", "error");
        return;
      }
      body = { answer };
    }
    await busy(button2, async () => {
      try {
        await api("POST", "/api/tickets/" + encodeURIComponent(id) + "/" + action, body);
        toast4(action === "answer" ? "已回复，用户可凭查询号查看" : "留言已关闭", "ok");
        loadTickets();
      } catch (err) {
        errorToast(err);
      }
    });
  }
  function wireConsole() {
    wireLogout(client4);
    $("#tab-chats").addEventListener("click", () => showTab("chats"));
    $("#tab-tickets").addEventListener("click", () => showTab("tickets"));
    $("#queue-refresh").addEventListener("click", (e) => busy(e.currentTarget, refreshQueue));
    $("#queue-list").addEventListener("click", (event) => {
      const button2 = event.target.closest("button");
      if (!button2) return;
      const row = button2.closest(".queue-item");
      if (!row) return;
      if (button2.classList.contains("claim")) claim(row, button2);
      else if (button2.classList.contains("open")) openConversation(row.dataset.conversationId);
    });
    $("#chat-close").addEventListener("click", closeChat);
    $("#reply-send").addEventListener("click", sendReply);
    $("#reply-text").addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || event.shiftKey) return;
      if (event.isComposing || event.keyCode === 229) return;
      event.preventDefault();
      sendReply();
    });
    $("#transfer").addEventListener("click", (e) => {
      const staffId = $("#transfer-select").value;
      if (!staffId) {
        toast4("请先选择要转给的同事", "error");
        return;
      }
      const option = $("#transfer-select").selectedOptions[0];
      const name = option ? option.textContent.replace(/（.*$|\s·.*$/, "") : "同事";
      const numeric = Number(staffId);
      chatAction(e.currentTarget, "transfer", { staff_id: isNaN(numeric) ? staffId : numeric }, "已转给 " + name);
    });
    $("#resolve").addEventListener("click", (e) => chatAction(e.currentTarget, "resolve", void 0, "会话已结束，已请用户评价"));
    $("#handback").addEventListener("click", (e) => chatAction(e.currentTarget, "handback", void 0, "已交还机器人"));
    $("#kb-form").addEventListener("submit", (event) => {
      event.preventDefault();
      searchKnowledge();
    });
    $("#ticket-status").addEventListener("change", loadTickets);
    $("#ticket-refresh").addEventListener("click", (e) => busy(e.currentTarget, loadTickets));
    $("#ticket-list").addEventListener("click", (event) => {
      const button2 = event.target.closest("button");
      const node = button2 && button2.closest(".ticket");
      if (!node) return;
      if (button2.classList.contains("ticket-send")) ticketAction(node, button2, "answer");
      else if (button2.classList.contains("ticket-close")) ticketAction(node, button2, "close");
    });
  }
  async function initConsole() {
    try {
      state.me = await api("GET", "/api/me");
    } catch (err) {
      if (err.status !== 401) toast4("无法获取登录信息：" + err.detail, "error");
      return;
    }
    if (!state.me) {
      goLogin();
      return;
    }
    renderMe();
    wireConsole();
    socket.setConn(false);
    renderQueue();
    await refreshQueue();
    socket.connect();
    setInterval(tickWaited, 1e3);
    setInterval(() => {
      if (socket.up) refreshQueue();
    }, BACKGROUND_MS);
  }
  function start() {
    const page = document.body && document.body.dataset.page;
    if (page === "login") initLogin();
    else if (page === "console") initConsole();
  }
  onReady(start);
})();
