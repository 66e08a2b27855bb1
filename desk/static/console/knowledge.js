/* Built by esbuild from desk/frontend/src/console/knowledge.js: edit the sources, then run `make frontend`. */
(() => {
  // src/shared/dom.js
  function str(value) {
    return value === void 0 || value === null ? "" : String(value);
  }
  var charCount = (s) => Array.from(str(s)).length;
  var isWebUrl = (u) => /^https?:\/\//i.test(str(u).trim());
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
  function button(className, text, onClick) {
    const b = el("button", className, text);
    b.type = "button";
    if (onClick) b.addEventListener("click", onClick);
    return b;
  }
  function externalLink(href, text, className) {
    const a = el("a", className, text);
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }
  function appendRichText(parent, text) {
    const re = /https?:\/\/[^\s<>"'，。；、！？）】》「」]+/g;
    let last = 0;
    let m;
    while (m = re.exec(text)) {
      const url = m[0].replace(/[.,;:!?)\]]+$/, "");
      if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      parent.appendChild(externalLink(url, url));
      last = m.index + url.length;
      re.lastIndex = last;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
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

  // src/shared/cards.js
  var LONG_BASIS = 120;
  var isObject = (v) => Boolean(v) && typeof v === "object";
  function payloadCard(custom, options) {
    const catalog = options && options.catalog || "";
    if (!isObject(custom)) return { card: null, showText: true };
    if (isObject(custom.item_card)) {
      const collapsed = Boolean(custom.field);
      return { card: itemCard(custom.item_card, collapsed, catalog), showText: collapsed };
    }
    if (isObject(custom.policy_passage)) {
      return { card: policyCard(custom.policy_passage), showText: false };
    }
    if (isObject(custom.bundle)) {
      return { card: bundleCard(custom.bundle, catalog), showText: false };
    }
    if (isObject(custom.referral)) {
      return { card: referralCard(custom.referral), showText: false };
    }
    if (isObject(custom.policy_matches)) {
      return { card: policyMatchesCard(custom.policy_matches), showText: false };
    }
    return { card: null, showText: true };
  }
  function row(parent, label, value) {
    const v = str(value).trim();
    if (!v) return;
    const r = el("div", "daofu-row");
    r.append(el("span", "daofu-label", `${label}：`));
    appendRichText(r, v);
    parent.appendChild(r);
  }
  function itemCard(card, collapsed, catalog) {
    const box = el("div", "daofu-card daofu-item-card");
    const head = el("div", "daofu-card-head");
    head.appendChild(el("div", "daofu-card-title", str(card.name) || "政务服务事项"));
    box.appendChild(head);
    const content = el("div", "daofu-card-body");
    box.appendChild(content);
    if (collapsed) {
      box.classList.add("daofu-collapsed");
      content.hidden = true;
      const toggle = button("daofu-card-toggle", "展开详情", () => {
        content.hidden = !content.hidden;
        box.classList.toggle("daofu-collapsed", content.hidden);
        toggle.textContent = content.hidden ? "展开详情" : "收起";
        toggle.setAttribute("aria-expanded", String(!content.hidden));
      });
      toggle.setAttribute("aria-expanded", "false");
      head.appendChild(toggle);
    }
    row(content, "实施部门", card.department);
    row(content, "事项类型", card.item_type);
    row(content, "承诺时限", card.promised_time_limit);
    row(content, "法定时限", card.statutory_time_limit);
    if (Array.isArray(card.service_objects) && card.service_objects.length) {
      row(content, "服务对象", card.service_objects.map(str).join("、"));
    }
    const mat = el("div", "daofu-row daofu-materials");
    mat.appendChild(el("span", "daofu-label", "所需材料："));
    const materials = Array.isArray(card.materials) ? card.materials.map(str).filter(Boolean) : [];
    if (materials.length) {
      const ol = el("ol");
      for (const item of materials) ol.appendChild(el("li", null, item));
      mat.appendChild(ol);
    } else {
      mat.appendChild(document.createTextNode("目录未列出，请咨询办理部门"));
    }
    content.appendChild(mat);
    row(content, "办理地点", card.location);
    row(content, "咨询电话", card.consult_phone);
    row(content, "监督投诉电话", card.complaint_phone);
    basisRow(content, str(card.basis).trim());
    const tags = el("div", "daofu-tags");
    if (card.online_booking) tags.appendChild(el("span", "daofu-tag", "支持网上预约"));
    if (card.courier) tags.appendChild(el("span", "daofu-tag", "支持快递送达"));
    if (tags.childNodes.length) content.appendChild(tags);
    const url = str(card.url).trim();
    if (isWebUrl(url)) content.appendChild(externalLink(url, "网上办理", "daofu-online"));
    const source = isObject(card.source) ? card.source : {};
    const dept = str(source.department) || str(card.department);
    box.appendChild(el(
      "div",
      "daofu-source",
      `来源：${str(source.catalog) || str(catalog)}${dept ? `（${dept}）` : ""}`
    ));
    return box;
  }
  function basisRow(parent, basis) {
    if (!basis) return;
    const r = el("div", "daofu-row daofu-basis");
    r.appendChild(el("span", "daofu-label", "办理依据："));
    const textEl = el("span", null, basis);
    r.appendChild(textEl);
    if (charCount(basis) > LONG_BASIS) {
      const short = Array.from(basis).slice(0, LONG_BASIS - 20).join("") + "…";
      textEl.textContent = short;
      const more = button("daofu-more", "展开", () => {
        const expand = more.textContent === "展开";
        textEl.textContent = expand ? basis : short;
        more.textContent = expand ? "收起" : "展开";
      });
      r.append(document.createTextNode(" "), more);
    }
    parent.appendChild(r);
  }
  function policyCard(p) {
    const src = isObject(p.source) ? p.source : {};
    const title = str(p.title) || str(src.title);
    const issuer = str(p.issuer) || str(src.issuer);
    const docNumber = str(p.doc_number) || str(src.doc_number);
    const date = str(p.date) || str(src.date);
    const box = el("div", "daofu-card daofu-policy");
    box.appendChild(el("div", "daofu-card-title", title ? `《${title}》` : "政策文件"));
    const meta = [issuer, docNumber, date].filter(Boolean);
    if (meta.length) box.appendChild(el("div", "daofu-policy-meta", meta.join(" · ")));
    const passage = str(p.passage);
    if (passage) {
      const q = el("div", "daofu-policy-passage");
      appendRichText(q, passage);
      box.appendChild(q);
    }
    box.appendChild(el(
      "div",
      "daofu-source",
      `来源：${title ? `《${title}》` : "政策文件"}${meta.length ? `（${meta.join("，")}）` : ""}`
    ));
    return box;
  }
  function bundleCard(b, catalog) {
    const box = el("div", "daofu-card daofu-bundle");
    box.appendChild(el("div", "daofu-card-title", `一件事：${str(b.name)}`));
    if (str(b.intro)) box.appendChild(el("div", "daofu-row", str(b.intro)));
    const steps = Array.isArray(b.steps) ? b.steps.filter(isObject) : [];
    const ol = el("ol", "daofu-bundle-steps");
    for (const step of steps) {
      const li = el("li");
      li.appendChild(el("span", "daofu-step-title", str(step.title)));
      if (str(step.department)) li.appendChild(el("span", "daofu-step-dept", `（${str(step.department)}）`));
      if (str(step.note)) li.appendChild(el("div", "daofu-step-note", str(step.note)));
      ol.appendChild(li);
    }
    box.appendChild(ol);
    const outside = Array.isArray(b.outside_catalog) ? b.outside_catalog.map(str).filter(Boolean) : [];
    if (outside.length) {
      const more = el("div", "daofu-row daofu-outside");
      more.appendChild(el("span", "daofu-label", "不在本目录中的环节（请向相应部门咨询）："));
      const ul = el("ul");
      for (const line of outside) ul.appendChild(el("li", null, line));
      more.appendChild(ul);
      box.appendChild(more);
    }
    const source = isObject(b.source) ? b.source : {};
    box.appendChild(el("div", "daofu-source", `来源：${str(source.catalog) || str(catalog)}；“一件事”由知识库编辑整理`));
    return box;
  }
  function referralCard(r) {
    const box = el("div", "daofu-card daofu-referral");
    const title = str(r.title) || str(r.matter);
    box.appendChild(el("div", "daofu-card-title", title ? `目录暂未收录：${title}` : "目录暂未收录该事项"));
    row(box, "一般办理部门", r.department);
    row(box, "办理地点", r.where);
    row(box, "省级对口部门", r.catalog_department);
    row(box, "咨询热线", str(r.hotline) ? `${str(r.hotline)} 政务服务便民热线` : "");
    box.appendChild(el("div", "daofu-source", "各地要求可能不同，请以当地部门答复为准；也可以点“转人工”咨询工作人员。"));
    return box;
  }
  var RESULT_LABELS = { eligible: "符合", possible: "可能符合", unknown: "待确认", ineligible: "不符合" };
  var MARKS = { true: "✓", false: "✗", null: "?" };
  function policyMatchesCard(p) {
    const box = el("div", "daofu-card daofu-policy-matches");
    box.appendChild(el("div", "daofu-card-title", "政策匹配结果"));
    if (str(p.profile_summary)) box.appendChild(el("div", "daofu-policy-meta", `企业信息：${str(p.profile_summary)}`));
    const num = (v) => Number.isInteger(v) ? v : 0;
    box.appendChild(el(
      "div",
      "daofu-row daofu-match-counts",
      `符合 ${num(p.eligible)} 项 · 可能符合 ${num(p.possible)} 项 · 待确认 ${num(p.unknown)} 项 · 不符合 ${num(p.ineligible)} 项${num(p.expired) ? `（其中已过执行期 ${num(p.expired)} 项）` : ""}`
    ));
    const measures = Array.isArray(p.measures) ? p.measures.filter(isObject) : [];
    if (!measures.length) box.appendChild(el("div", "daofu-row", "暂未找到可能符合的政策。"));
    const ol = el("ol", "daofu-measures");
    for (const m of measures) {
      const li = el("li", "daofu-measure");
      const result = str(m.result);
      const head = el("div", "daofu-measure-head");
      head.append(
        el("span", `daofu-tag daofu-result-${result}`, RESULT_LABELS[result] || result),
        el("span", "daofu-measure-title", ` ${str(m.title)}`)
      );
      li.appendChild(head);
      row(li, "补贴标准", m.benefit);
      row(li, "获取方式", m.how);
      const conditions = Array.isArray(m.conditions) ? m.conditions.filter(isObject) : [];
      if (conditions.length) {
        const ul = el("ul", "daofu-conditions");
        for (const c of conditions) {
          const met = c.met === true || c.met === false ? c.met : null;
          const item = el(
            "li",
            `daofu-condition daofu-met-${String(met)}`,
            `${MARKS[String(met)]} ${str(c.text)}${met === null ? "（需确认）" : ""}`
          );
          if (str(c.evidence)) item.title = `政策原文：${str(c.evidence)}`;
          ul.appendChild(item);
        }
        li.appendChild(ul);
      }
      row(li, "申报截止", m.deadline);
      row(li, "受理地点", m.where_to_apply);
      row(li, "咨询电话", m.contact_phone);
      if (str(m.issuer)) li.appendChild(el("div", "daofu-policy-meta", `发文机关：${str(m.issuer)}`));
      ol.appendChild(li);
    }
    box.appendChild(ol);
    if (num(p.more)) box.appendChild(el("div", "daofu-row", `另有 ${num(p.more)} 项可能相关的政策。`));
    box.appendChild(el(
      "div",
      "daofu-source",
      `按 ${str(p.as_of)} 的政策执行期判断；结果仅供参考，以发文部门审核为准。`
    ));
    return box;
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
    constructor(status2, detail, problems) {
      super(detail);
      this.status = status2;
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
    function detailText(data, status2) {
      const detail = data && data.detail;
      if (typeof detail === "string" && detail) return detail;
      if (Array.isArray(detail)) {
        const parts = detail.map((d) => d && typeof d.msg === "string" ? d.msg : "").filter(Boolean);
        if (parts.length) return "请求有误：" + parts.join("；");
      }
      if (status2 === 0) return "网络连接失败，请稍后重试";
      if (statusTexts[status2]) return statusTexts[status2];
      return failedText + "（" + status2 + "）";
    }
    async function request2(path, opts) {
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
      return request2(path, opts);
    }
    return { detailText, request: request2, api: api2 };
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
  function wireLogout(client3) {
    $("#logout").addEventListener("click", async () => {
      try {
        await client3.api("POST", "/api/logout");
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

  // src/console/measures.js
  var client = createClient({ statusTexts: { 403: "需要知识编辑或管理员权限" } });
  var CONDITION_TYPES = [
    ["size_in", '{"sizes": ["中型", "小型", "微型"]}'],
    ["industry_in", '{"industries": ["62"]}（GB/T 4754 代码）'],
    ["region", '{"region": "北京市海淀区"}'],
    ["employees", '{"min": 10, "max": 300}'],
    ["established", '{"before": "2020-01-01"}'],
    ["taxpayer_type", '{"value": "小规模纳税人"}'],
    ["tax_credit_level", '{"levels": ["A", "B"]}'],
    ["qualification", '{"any_of": ["高新技术企业"]}'],
    ["no_serious_dishonesty", "{}"],
    ["revenue / assets", '{"min": 0, "max": 2000}（万元）'],
    ["manual", "{}（需人工确认）"]
  ];
  var AUTOMATIC = "免申即享";
  var view = null;
  var editingId = null;
  function status(text, isError) {
    const line = $("#measures-status");
    line.textContent = text;
    line.classList.toggle("error", Boolean(isError));
  }
  async function call(method, path, body) {
    try {
      return await client.api(method, path, body);
    } catch (err) {
      status(err.detail || "操作失败", true);
      throw err;
    }
  }
  function show() {
    for (const tab of document.querySelectorAll(".tabs .tab")) {
      tab.classList.toggle("active", tab.id === "tab-measures");
      tab.setAttribute("aria-selected", String(tab.id === "tab-measures"));
    }
    for (const main of document.querySelectorAll("main.kb-view")) main.hidden = main !== view;
    load();
  }
  async function load() {
    const [listed, versions] = await Promise.all([
      call("GET", "/api/policy/editor/measures"),
      call("GET", "/api/policy/editor/versions")
    ]);
    const published = versions.published === null ? "未发布（使用随附的措施）" : `第 ${versions.published} 版`;
    $("#measures-version").textContent = `当前第 ${listed.version} 版 · 对话使用：${published}`;
    const rows = listed.measures.map((m) => {
      const push = m.how === AUTOMATIC ? button("small", "推送名单", (event) => {
        event.stopPropagation();
        pushList(m);
      }) : "";
      const row2 = el("tr", { class: "record-row", tabindex: "0", dataset: { id: m.id } }, [
        el("td", null, str(m.title)),
        el("td", null, str(m.how)),
        el("td", null, str(m.region)),
        el("td", null, String((m.conditions || []).length)),
        el("td", null, str(m.policy_id).slice(0, 8)),
        el("td", null, push)
      ]);
      row2.addEventListener("click", () => edit(m));
      return row2;
    });
    $("#measures-list").tBodies[0].replaceChildren(...rows);
    const items = versions.versions.map((v) => el("li", null, [
      el("span", null, `第 ${v.number} 版 · ${formatDateTime(v.created_at)} · ${str(v.author)} · ${str(v.summary)}`),
      button("small", "发布", () => publish(v.number)),
      button("small", "恢复", () => restore(v.number))
    ]));
    $("#measures-versions").replaceChildren(...items);
  }
  async function pushList(measure) {
    const found = await call("GET", `/api/policy/measures/${encodeURIComponent(measure.id)}/push-list`);
    const rows = found.profiles.map((p) => el("tr", null, [
      el("td", null, str(p.status)),
      el("td", null, str(p.name)),
      el("td", null, str(p.credit_code)),
      el("td", null, str(p.region)),
      el("td", null, str(p.industry)),
      el("td", null, str(p.size)),
      el("td", null, (p.to_confirm || []).map(str).join("；")),
      el("td", null, formatDateTime(p.saved_at))
    ]));
    $("#push-list-title").textContent = `推送名单：${str(found.measure.title || measure.title)}（按 ${str(found.as_of)} 判断，${found.profiles.length} 家企业）`;
    $("#push-list").tBodies[0].replaceChildren(...rows);
    $("#push-list-csv").href = `/api/policy/measures/${encodeURIComponent(measure.id)}/push-list.csv`;
    $("#push-list-panel").hidden = false;
    status(found.profiles.length ? "" : "还没有已保存的企业信息符合这条措施");
  }
  function edit(measure, proposal) {
    editingId = measure.id || "";
    $("#measure-id").value = editingId;
    $("#measure-json").value = JSON.stringify(measure, null, 2);
    $("#measure-editor").hidden = false;
    $("#measure-delete").hidden = Boolean(proposal);
    status(proposal ? "这是规则提取的草稿：请核对原文，填写编号（小写字母、数字和连字符）后保存。" : "");
  }
  async function save() {
    let data;
    try {
      data = JSON.parse($("#measure-json").value);
    } catch (e) {
      status("JSON 格式有误：" + e.message, true);
      return;
    }
    const id = $("#measure-id").value.trim();
    data.id = id;
    const saved = await call("PUT", `/api/policy/editor/measures/${encodeURIComponent(id)}`, data);
    status(`已保存为第 ${saved.version.number} 版（发布后对话才使用）`);
    load();
  }
  async function remove() {
    if (!editingId || !window.confirm("删除这条政策措施？（会生成新版本，可恢复）")) return;
    const done = await call("DELETE", `/api/policy/editor/measures/${encodeURIComponent(editingId)}`);
    $("#measure-editor").hidden = true;
    status(`已删除，第 ${done.version.number} 版`);
    load();
  }
  async function publish(number) {
    await call("POST", `/api/policy/editor/versions/${number}/publish`);
    status(`已发布第 ${number} 版：对话和推送名单从下一轮起使用这一版`);
    load();
  }
  async function restore(number) {
    const done = await call("POST", `/api/policy/editor/versions/${number}/restore`);
    status(`已把第 ${number} 版恢复为第 ${done.version.number} 版（需发布）`);
    load();
  }
  async function propose(event) {
    event.preventDefault();
    const doc = $("#proposal-doc").value.trim();
    if (!doc) return;
    status("正在提取（首次需加载分词模型，约几秒）…");
    const found = await call("GET", `/api/policy/editor/documents/${encodeURIComponent(doc)}/proposals`);
    const items = found.proposals.map((p, i) => el("li", null, [
      el("span", null, `${str(p.title)}（${(p.conditions || []).length} 个条件，${str(p.how)}）`),
      button("small", "采用为草稿", () => edit({ id: `${doc.slice(0, 8)}-new${i + 1}`, ...p }, true))
    ]));
    $("#proposal-list").replaceChildren(...items);
    status(`规则提出 ${found.proposals.length} 条草稿，请逐条核对后保存`);
  }
  function build() {
    const tabs = $(".tabs");
    if (!tabs || $("#tab-measures")) return;
    const tab = button("tab", "政策措施", show);
    tab.id = "tab-measures";
    tab.setAttribute("role", "tab");
    tab.setAttribute("aria-selected", "false");
    tabs.appendChild(tab);
    for (const other of tabs.querySelectorAll(".tab")) {
      if (other !== tab) other.addEventListener("click", () => {
        view.hidden = true;
        tab.classList.remove("active");
      });
    }
    const help = el("ul", "measure-help", CONDITION_TYPES.map(([type, example]) => el("li", null, `${type}：${example}`)));
    view = el("main", { id: "view-measures", class: "kb-view", role: "tabpanel", hidden: true }, [
      el("section", "panel", [
        el("h2", null, "政策措施（申兑指南）"),
        el("div", { id: "measures-version", class: "muted" }),
        el("div", { id: "measures-status", class: "muted", "aria-live": "polite" }),
        el("form", { id: "proposal-form" }, [
          el("label", { for: "proposal-doc" }, "政策文件编号（docid）："),
          el("input", { id: "proposal-doc", size: "36" }),
          el("button", { type: "submit" }, "规则提取草稿")
        ]),
        el("ol", { id: "proposal-list" }),
        el("table", { id: "measures-list", class: "kb-table" }, [
          el("thead", null, el("tr", null, ["措施", "获取方式", "地区", "条件数", "文件", ""].map((h) => el("th", null, h)))),
          el("tbody")
        ]),
        el("div", { id: "push-list-panel", hidden: true }, [
          el("h3", { id: "push-list-title" }),
          el("a", { id: "push-list-csv", href: "#", download: "" }, "导出 CSV"),
          el("table", { id: "push-list", class: "kb-table" }, [
            el("thead", null, el("tr", null, ["结果", "企业", "信用代码", "地区", "行业", "规模", "待核实", "保存时间"].map((h) => el("th", null, h)))),
            el("tbody")
          ])
        ]),
        el("div", { id: "measure-editor", hidden: true }, [
          el("label", { for: "measure-id" }, "编号："),
          el("input", { id: "measure-id", size: "30" }),
          el("textarea", { id: "measure-json", rows: "24", cols: "100", spellcheck: "false" }),
          el("div", "muted", "条件类型（type 及其字段）："),
          help,
          el("div", null, [button("primary", "保存", save), button("danger", "删除", remove)])
        ]),
        el("h3", null, "版本与审计"),
        el("ol", { id: "measures-versions" })
      ])
    ]);
    $("#measure-editor", view).querySelector(".danger").id = "measure-delete";
    const last = document.querySelectorAll("main.kb-view");
    last[last.length - 1].after(view);
    $("#proposal-form").addEventListener("submit", propose);
  }
  onReady(build);

  // src/console/knowledge.js
  var formatTime = formatDateTime;
  var POLL_MS = 2e3;
  var IDLE_POLL_EVERY = 5;
  var PAGE_SIZE = 50;
  var KIND_LABELS = { item: "事项", policy: "政策", faq: "问答", bundle: "一件事" };
  var JOB_LABELS = { queued: "排队中", running: "重建中", ready: "已完成，待发布", published: "已发布", failed: "失败" };
  var JOB_RANK = { queued: 0, running: 1, ready: 2, published: 3, failed: 3 };
  var ACTIVE = { queued: true, running: true };
  var ACTION_LABELS = { add: "新增", replace: "修改", delete: "删除", restore: "恢复" };
  var LEVEL_LABELS = { high: "高置信 · 直接回答", medium: "中置信 · 请用户选择", low: "低置信 · 未找到" };
  var FIELD_LABELS = {
    id: "编号",
    kind: "类型",
    name: "事项名称",
    department: "实施部门",
    item_type: "事项类型",
    materials: "申请材料",
    statutory_time_limit: "法定时限",
    promised_time_limit: "承诺时限",
    location: "办理地点",
    consult_phone: "咨询电话",
    complaint_phone: "投诉电话",
    conditions: "受理条件与依据",
    service_objects: "服务对象",
    themes: "主题",
    level: "层级",
    url: "办事指南链接",
    online_booking: "网上预约",
    courier: "快递送达",
    region: "地区",
    catalog_name: "所属目录",
    basis: "设定依据",
    source: "来源文件",
    title: "标题",
    issuer: "发文机关",
    doc_number: "发文字号",
    date: "发布日期",
    effective_date: "生效日期",
    expiry_date: "失效日期",
    body: "正文",
    question: "问题",
    variants: "相似问法",
    answer: "答案",
    item_id: "关联事项",
    author: "作者",
    steps: "步骤（按顺序）",
    intro: "开头说明",
    outside_catalog: "目录外环节",
    note: "备注"
  };
  var BUNDLE_LABELS = { name: "名称", variants: "常见问法" };
  var POLICY_FIELDS = ["title", "issuer", "doc_number", "date", "effective_date", "expiry_date", "body"];
  var DATE_FIELDS = { date: true, effective_date: true, expiry_date: true };
  var LONG_FIELDS = { conditions: true, body: true, answer: true, basis: true };
  var UPLOAD_ACCEPT = {
    policy: ".pdf,.docx,.html,.htm,.txt,.md",
    catalog: ".xlsx,.csv,.jsonl",
    bundle: ".jsonl"
  };
  function safeClass(value) {
    return str(value).replace(/[^a-z0-9_-]/gi, "");
  }
  function kindTag(kind) {
    return el("span", { class: "kind-tag kind-" + safeClass(kind || "item"), text: KIND_LABELS[kind] || kind || "—" });
  }
  var client2 = createClient({ statusTexts: { 403: "需要知识编辑或管理员权限", 413: "文件太大" } });
  var api = client2.api;
  var request = client2.request;
  var toast = createToast(6e3, 3500);
  function showError(err) {
    if (err && err.status === 401) return;
    const detail = err && err.detail ? err.detail : str(err && err.message ? err.message : err);
    $("#kb-error-detail").textContent = detail || "操作失败";
    const table = $("#kb-error-problems");
    const problems = err && Array.isArray(err.problems) ? err.problems : [];
    const rows = problems.map((p) => {
      const item = p && typeof p === "object" ? p : { reason: p };
      return el("tr", null, [
        el("td", { text: str(item.file) }),
        el("td", { text: item.line === void 0 || item.line === null ? "—" : str(item.line) }),
        el("td", { text: str(item.reason) })
      ]);
    });
    table.tBodies[0].replaceChildren.apply(table.tBodies[0], rows);
    table.hidden = rows.length === 0;
    $("#kb-error").hidden = false;
    $("#kb-error").scrollIntoView({ block: "nearest" });
  }
  function clearError() {
    $("#kb-error").hidden = true;
  }
  var state = {
    me: null,
    view: "records",
    offset: 0,
    total: 0,
    detail: null,
    // {record, kind, expired, chunks} of the open drawer
    job: null,
    jobEpoch: 0,
    // bumped when an action sets the job: older poll answers are dropped
    wantReindexFor: 0,
    // a KB version that still needs a re-index once the running job ends
    versions: [],
    tick: 0
  };
  var VIEWS = ["records", "upload", "versions", "publish", "gaps", "faqs", "bundles"];
  function showView(view2) {
    state.view = view2;
    for (const name of VIEWS) {
      const on = name === view2;
      const tab = $("#tab-" + name);
      tab.classList.toggle("active", on);
      tab.setAttribute("aria-selected", String(on));
      $("#view-" + name).hidden = !on;
    }
    if (view2 === "records") loadRecords();
    else if (view2 === "versions") loadVersions();
    else if (view2 === "publish") refreshJob();
    else if (view2 === "gaps") loadGaps();
    else if (view2 === "faqs") loadFaqs();
    else if (view2 === "bundles") loadBundles();
  }
  function recordsQuery(kind, q, department, validity, offset) {
    const params = new URLSearchParams();
    if (kind) params.set("kind", kind);
    if (q) params.set("q", q);
    if (department) params.set("department", department);
    params.set("validity", validity || "all");
    params.set("offset", String(offset || 0));
    params.set("limit", String(PAGE_SIZE));
    return "/api/kb/records?" + params.toString();
  }
  async function loadRecords() {
    const path = recordsQuery(
      $("#filter-kind").value,
      $("#filter-q").value.trim(),
      $("#filter-department").value.trim(),
      $("#filter-validity").value,
      state.offset
    );
    let data;
    try {
      data = await api("GET", path);
    } catch (err) {
      showError(err);
      return;
    }
    const records = data && Array.isArray(data.records) ? data.records : [];
    state.total = Number(data && data.total) || 0;
    const list = $("#records-list");
    const rows = records.map(recordRow);
    if (!rows.length) rows.push(el("tr", { class: "empty-row" }, el("td", { colspan: "8", text: "没有符合条件的条目。" })));
    list.replaceChildren.apply(list, rows);
    $("#records-count").textContent = "共 " + state.total + " 条" + (data && data.version ? " · 知识库 v" + data.version : "");
    const page = Math.floor(state.offset / PAGE_SIZE) + 1;
    const pages = Math.max(1, Math.ceil(state.total / PAGE_SIZE));
    $("#records-page").textContent = "第 " + page + " / " + pages + " 页";
    $("#records-prev").disabled = state.offset <= 0;
    $("#records-next").disabled = state.offset + PAGE_SIZE >= state.total;
  }
  function recordRow(r) {
    const row2 = el("tr", { class: "record-row" + (r.expired ? " expired" : ""), tabindex: "0" }, [
      el("td", null, kindTag(r.kind)),
      el("td", { class: "record-title", text: r.title || r.id || "" }),
      el("td", { text: str(r.department) }),
      el("td", { text: str(r.doc_number) }),
      el("td", { text: str(r.date) }),
      el("td", { text: str(r.effective_date) }),
      el("td", { text: str(r.expiry_date) }),
      el("td", null, r.expired ? el("span", { class: "expired-tag", title: "已失效的文件不用于回答", text: "已失效" }) : el("span", { class: "valid-tag", text: "有效" }))
    ]);
    row2.dataset.id = str(r.id);
    row2.dataset.kind = str(r.kind);
    return row2;
  }
  async function openDetail(id) {
    let data;
    try {
      data = await api("GET", "/api/kb/records/" + encodeURIComponent(id));
    } catch (err) {
      showError(err);
      return;
    }
    if (!data || !data.record) return;
    state.detail = data;
    renderDetail();
  }
  function recordTitle(record, kind) {
    if (kind === "item") return record.name || record.id;
    if (kind === "faq") return record.question || record.id;
    if (kind === "bundle") return record.name || record.id;
    return record.title || record.id;
  }
  function valueNode(value) {
    if (Array.isArray(value)) {
      if (!value.length) return el("span", { class: "muted", text: "（空）" });
      return el("ol", { class: "field-list" }, value.map((v) => el("li", null, valueNode(v))));
    }
    if (value && typeof value === "object") {
      return el("dl", { class: "field-object" }, Object.entries(value).flatMap(([k, v]) => [el("dt", { text: FIELD_LABELS[k] || k }), el("dd", null, valueNode(v))]));
    }
    if (typeof value === "boolean") return document.createTextNode(value ? "是" : "否");
    if (value === null || value === void 0 || value === "") return el("span", { class: "muted", text: "（空）" });
    return el("span", { class: "field-text", text: String(value) });
  }
  function renderDetail() {
    const data = state.detail;
    const record = data.record;
    const kind = data.kind || record.kind || "item";
    const drawer = $("#record-detail");
    drawer.dataset.id = str(record.id);
    drawer.dataset.kind = kind;
    const tag = $("#detail-kind");
    tag.className = "kind-tag kind-" + safeClass(kind);
    tag.textContent = KIND_LABELS[kind] || kind;
    $("#detail-title").textContent = recordTitle(record, kind);
    $("#detail-expired").hidden = !data.expired;
    const fields = [];
    const first = kind === "policy" ? ["id"].concat(POLICY_FIELDS.filter((k) => k !== "body")) : kind === "faq" ? ["id", "question", "variants", "answer", "item_id"] : kind === "bundle" ? ["id", "name", "variants", "intro", "steps", "outside_catalog"] : ["id", "name", "department"];
    const keys = first.filter((k) => kind === "policy" || k in record).concat(Object.keys(record).filter((k) => first.indexOf(k) < 0 && k !== "body"));
    if ("body" in record || kind === "policy") keys.push("body");
    for (const key of keys) {
      if (key === "kind") continue;
      const dd = el("dd", { dataset: { field: key } }, key === "steps" && kind === "bundle" ? stepsNode(record.steps) : valueNode(record[key]));
      if (key === "body") dd.classList.add("field-body");
      const label = kind === "bundle" && BUNDLE_LABELS[key] || FIELD_LABELS[key] || key;
      fields.push(el("dt", { text: label }), dd);
    }
    const dl = $("#detail-fields");
    dl.replaceChildren.apply(dl, fields);
    const chunks = Array.isArray(data.chunks) ? data.chunks : [];
    $("#detail-chunk-count").textContent = "共 " + chunks.length + " 段";
    const ol = $("#detail-chunks");
    const items = chunks.map((c) => el("li", { class: "chunk" }, [
      el("span", { class: "chunk-pos", text: "#" + str(c.position) }),
      el("span", { class: "chunk-text", text: str(c.text) })
    ]));
    if (!items.length) items.push(el("li", { class: "muted", text: "没有检索切分。" }));
    ol.replaceChildren.apply(ol, items);
    $("#detail-form").hidden = true;
    $("#detail-fields-box").hidden = false;
    $("#detail-edit").disabled = false;
    drawer.hidden = false;
  }
  function stepsNode(steps) {
    const list = Array.isArray(steps) ? steps : [];
    if (!list.length) return el("span", { class: "muted", text: "（空）" });
    return el("ol", { class: "field-list bundle-steps" }, list.map((step) => {
      const s = step && typeof step === "object" ? step : { item_id: step };
      const open = el("button", { class: "btn btn-small link-btn mono", type: "button", text: str(s.item_id) });
      open.addEventListener("click", () => openDetail(str(s.item_id)));
      return el("li", null, [
        el("span", { class: "field-text", text: str(s.title) + (s.department ? "（" + str(s.department) + "）" : "") }),
        s.note ? el("span", { class: "muted", text: " — " + str(s.note) }) : null,
        el("div", null, open)
      ]);
    }));
  }
  function closeDetail() {
    state.detail = null;
    $("#record-detail").hidden = true;
  }
  function formField(key, value, kind) {
    const id = "edit-" + key;
    const label = el("label", { for: id, text: FIELD_LABELS[key] || key });
    let input;
    if (Array.isArray(value) || kind === "faq" && key === "variants") {
      input = el("textarea", { id, rows: "4" });
      input.value = (Array.isArray(value) ? value : []).map(str).join("\n");
      input.dataset.type = "list";
      label.appendChild(el("span", { class: "muted hint-line", text: "每行一项" }));
    } else if (typeof value === "boolean") {
      input = el("input", { id, type: "checkbox" });
      input.checked = value;
      input.dataset.type = "bool";
    } else if (typeof value === "number") {
      input = el("input", { id, type: "number", step: "any" });
      input.value = String(value);
      input.dataset.type = "number";
    } else if (DATE_FIELDS[key]) {
      const v = str(value);
      const iso = !v || /^\d{4}-\d{2}-\d{2}$/.test(v);
      input = el("input", { id, type: iso ? "date" : "text", placeholder: "YYYY-MM-DD" });
      input.value = v;
      input.dataset.type = "date";
    } else if (LONG_FIELDS[key] || str(value).length > 60) {
      input = el("textarea", { id, rows: key === "body" ? "14" : "4" });
      input.value = str(value);
      input.dataset.type = "text";
    } else {
      input = el("input", { id, type: "text" });
      input.value = str(value);
      input.dataset.type = "text";
    }
    input.dataset.field = key;
    return [label, input];
  }
  function openEdit() {
    const data = state.detail;
    if (!data) return;
    const record = data.record;
    const kind = data.kind || record.kind || "item";
    if (kind === "bundle") {
      openBundleDialog(record);
      return;
    }
    const nodes = [];
    if (kind === "policy") {
      for (const key of POLICY_FIELDS) nodes.push.apply(nodes, formField(key, record[key] === void 0 ? "" : record[key], kind));
    } else if (kind === "faq") {
      for (const key of ["question", "variants", "answer", "item_id"]) {
        nodes.push.apply(nodes, formField(key, record[key] === void 0 ? key === "variants" ? [] : "" : record[key], kind));
      }
    } else {
      for (const [key, value] of Object.entries(record)) {
        if (key === "id" || key === "kind" || key === "source") continue;
        if (value && typeof value === "object" && !Array.isArray(value)) continue;
        nodes.push.apply(nodes, formField(key, value, kind));
      }
    }
    const box = $("#detail-form-fields");
    box.replaceChildren.apply(box, nodes);
    $("#detail-form-title").textContent = "编辑" + (KIND_LABELS[kind] || "") + "（保存后生成新的知识库版本）";
    $("#detail-form").hidden = false;
    $("#detail-fields-box").hidden = true;
    $("#detail-edit").disabled = true;
    const first = box.querySelector("input, textarea");
    if (first) first.focus();
  }
  function readForm() {
    const out = {};
    for (const input of $("#detail-form-fields").querySelectorAll("[data-field]")) {
      const key = input.dataset.field;
      const type = input.dataset.type;
      if (type === "list") out[key] = input.value.split("\n").map((s) => s.trim()).filter(Boolean);
      else if (type === "bool") out[key] = input.checked;
      else if (type === "number") out[key] = input.value === "" ? null : Number(input.value);
      else out[key] = type === "date" ? input.value.trim() : input.value;
    }
    return out;
  }
  async function saveEdit() {
    const data = state.detail;
    if (!data) return;
    const record = data.record;
    const kind = data.kind || record.kind || "item";
    const values = readForm();
    for (const key of Object.keys(values)) {
      if (DATE_FIELDS[key] && values[key] && !/^\d{4}-\d{2}-\d{2}$/.test(values[key])) {
        showError({ detail: (FIELD_LABELS[key] || key) + "格式应为 YYYY-MM-DD（或留空）：" + values[key] });
        return;
      }
    }
    let path;
    let body;
    const id = encodeURIComponent(record.id);
    if (kind === "policy") {
      path = "/api/kb/policies/" + id;
      body = values;
    } else if (kind === "faq") {
      path = "/api/kb/faqs/" + id;
      body = { question: values.question, variants: values.variants, answer: values.answer };
      if (values.item_id) body.item_id = values.item_id;
    } else {
      path = "/api/kb/items/" + id;
      body = Object.assign({}, record, values);
      delete body.kind;
    }
    await busy($("#detail-save"), async () => {
      let res;
      try {
        res = await api("PUT", path, body);
      } catch (err) {
        showError(err);
        return;
      }
      clearError();
      await afterChange(res && res.version, res && res.job);
      await openDetail(record.id);
      reloadVisibleList();
    });
  }
  async function deleteRecord() {
    const data = state.detail;
    if (!data) return;
    const record = data.record;
    const title = recordTitle(record, data.kind);
    if (!window.confirm("确定删除“" + title + "”吗？\n删除会生成新的知识库版本，可在“版本与审计”中恢复。")) return;
    await busy($("#detail-delete"), async () => {
      let res;
      try {
        res = await api("DELETE", "/api/kb/records/" + encodeURIComponent(record.id));
      } catch (err) {
        showError(err);
        return;
      }
      clearError();
      closeDetail();
      await afterChange(res && res.version, res && res.job);
      reloadVisibleList();
    });
  }
  function reloadVisibleList() {
    if (state.view === "records") loadRecords();
    else if (state.view === "faqs") loadFaqs();
    else if (state.view === "bundles") loadBundles();
  }
  async function upload() {
    const input = $("#upload-file");
    const kind = $("#upload-kind").value;
    const file = input.files && input.files[0];
    clearError();
    if (!file) {
      showError({ detail: "请选择要上传的文件" });
      return;
    }
    const form = new FormData();
    form.append("kind", kind);
    form.append("file", file, file.name);
    const result = $("#upload-result");
    result.replaceChildren(el("p", { class: "muted", text: "正在上传并校验 " + file.name + " …" }));
    await busy($("#upload-submit"), async () => {
      let res;
      try {
        res = await request("/api/kb/upload", { method: "POST", headers: { "Accept": "application/json" }, body: form });
      } catch (err) {
        result.replaceChildren(el("p", { class: "upload-failed", text: "上传失败，知识库未做任何修改。原因见页面上方的错误提示。" }));
        showError(err);
        return;
      }
      const version = res && res.version;
      const added = res && Array.isArray(res.added) ? res.added : [];
      const replaced = res && Array.isArray(res.replaced) ? res.replaced : [];
      const nodes = [el("p", { class: "upload-ok" }, [
        "已上传 " + file.name + "，生成知识库版本 ",
        el("strong", { text: version ? "v" + version.number : "—" }),
        "：新增 " + added.length + " 条，替换 " + replaced.length + " 条。"
      ])];
      const ids = added.map((id) => ["新增", id]).concat(replaced.map((id) => ["替换", id]));
      if (ids.length) {
        const list = el("ul", { class: "upload-ids" });
        for (const [label, id] of ids.slice(0, 100)) {
          const open = el("button", { class: "btn btn-small link-btn", type: "button", text: str(id) });
          open.addEventListener("click", () => openDetail(id));
          list.appendChild(el("li", null, [el("span", { class: "muted", text: label + " " }), open]));
        }
        if (ids.length > 100) list.appendChild(el("li", { class: "muted", text: "…共 " + ids.length + " 条" }));
        nodes.push(list);
      }
      nodes.push(el("p", { class: "muted", text: "新版本正在后台重建索引，完成后请到“重建与发布”试一试并发布。" }));
      result.replaceChildren.apply(result, nodes);
      input.value = "";
      await afterChange(version, res && res.job);
    });
  }
  async function loadVersions() {
    let versions;
    try {
      versions = await api("GET", "/api/kb/versions");
    } catch (err) {
      showError(err);
      return;
    }
    state.versions = Array.isArray(versions) ? versions : [];
    renderStatusLine();
    const list = $("#versions-list");
    const rows = state.versions.map(versionRow);
    if (!rows.length) rows.push(el("li", { class: "muted empty-row", text: "还没有知识库版本。" }));
    list.replaceChildren.apply(list, rows);
  }
  function countsText(counts) {
    if (!counts || typeof counts !== "object") return "";
    return "事项 " + (Number(counts.items) || 0) + " · 政策 " + (Number(counts.policies) || 0) + " · 问答 " + (Number(counts.faqs) || 0) + " · 一件事 " + (Number(counts.bundles) || 0);
  }
  function versionRow(v) {
    const changes = Array.isArray(v.changes) ? v.changes : [];
    const restore2 = el("button", {
      class: "btn btn-small restore",
      type: "button",
      text: v.latest ? "当前版本" : "恢复到此版本",
      title: v.latest ? "这已是最新版本" : "生成一个与 v" + v.number + " 相同的新版本，并自动重建、发布"
    });
    restore2.disabled = Boolean(v.latest);
    restore2.dataset.number = str(v.number);
    const li = el("li", { class: "version-row" + (v.latest ? " latest" : "") + (v.published ? " published" : "") }, [
      el("div", { class: "version-head" }, [
        el("span", { class: "version-no", text: "v" + str(v.number) }),
        v.latest ? el("span", { class: "badge badge-latest", text: "最新" }) : null,
        v.published ? el("span", { class: "badge badge-published", text: "线上" }) : null,
        el("span", { class: "version-author", text: str(v.author) || "系统" }),
        el("time", { class: "muted", datetime: str(v.created_at), text: formatTime(v.created_at) }),
        el("span", { class: "muted", text: countsText(v.counts) }),
        el("div", { class: "spacer" }),
        restore2
      ]),
      el("div", { class: "version-summary", text: str(v.summary) || "（无摘要）" })
    ]);
    li.dataset.number = str(v.number);
    if (changes.length) {
      const ul = el("ul", { class: "version-changes" });
      for (const c of changes.slice(0, 50)) {
        if (!c || typeof c !== "object") continue;
        ul.appendChild(el("li", null, [
          el("span", { class: "change-action change-" + safeClass(c.action), text: ACTION_LABELS[c.action] || str(c.action) }),
          kindTag(c.kind),
          el("span", { class: "change-title", text: str(c.title) || str(c.id) }),
          el("span", { class: "mono muted", text: str(c.id) })
        ]));
      }
      if (changes.length > 50) ul.appendChild(el("li", { class: "muted", text: "…共 " + changes.length + " 项改动" }));
      li.appendChild(el("details", { class: "version-details" }, [el("summary", { text: "改动明细（" + changes.length + "）" }), ul]));
    }
    return li;
  }
  async function restoreVersion(button2) {
    const number = button2.dataset.number;
    if (!window.confirm("恢复到版本 v" + number + "？\n将生成一个与 v" + number + " 内容相同的新版本，并在后台重建索引后自动发布。")) return;
    await busy(button2, async () => {
      let res;
      try {
        res = await api("POST", "/api/kb/versions/" + encodeURIComponent(number) + "/restore");
      } catch (err) {
        showError(err);
        return;
      }
      clearError();
      toast("已恢复到 v" + number + (res && res.version ? "（新版本 v" + res.version.number + "），正在重建并自动发布" : ""), "ok");
      if (res && res.job) takeJob(res.job);
      loadVersions();
    });
  }
  function renderStatusLine() {
    const latest = state.versions.find((v) => v.latest) || state.versions[0];
    const served = state.versions.find((v) => v.published);
    $("#kb-latest-version").textContent = latest ? "v" + latest.number : "—";
    $("#kb-served-version").textContent = served ? "v" + served.number : "—";
    let note = "";
    const job = state.job;
    if (job && ACTIVE[job.status]) note = "正在重建 v" + job.kb_version + " 的索引…";
    else if (job && job.status === "ready") note = "v" + job.kb_version + " 的新索引已完成，可在“重建与发布”中试一试并发布";
    else if (latest && served && latest.number !== served.number && (!job || job.kb_version !== latest.number)) note = "最新版本尚未重建索引";
    $("#kb-status-note").textContent = note;
  }
  async function refreshVersionsQuietly() {
    try {
      const versions = await api("GET", "/api/kb/versions");
      state.versions = Array.isArray(versions) ? versions : [];
      renderStatusLine();
      if (state.view === "versions") loadVersions();
    } catch (err) {
    }
  }
  async function afterChange(version, job) {
    if (version && version.number !== void 0) toast("已生成知识库版本 v" + version.number + "，正在后台重建索引", "ok");
    refreshVersionsQuietly();
    if (!version || version.number === void 0) return;
    if (job && typeof job === "object" && Number(job.kb_version) >= Number(version.number)) {
      takeJob(job);
      return;
    }
    await ensureReindex(Number(version.number));
  }
  async function ensureReindex(number) {
    let job = null;
    try {
      job = await api("GET", "/api/kb/jobs/latest");
    } catch (err) {
    }
    if (job && Number(job.kb_version) >= number) {
      takeJob(job);
      return;
    }
    if (job && ACTIVE[job.status]) {
      state.wantReindexFor = Math.max(state.wantReindexFor, number);
      takeJob(job);
      return;
    }
    await startReindex();
  }
  async function startReindex(button2) {
    await busy(button2, async () => {
      try {
        const job = await api("POST", "/api/kb/reindex");
        if (job) takeJob(job);
      } catch (err) {
        showError(err);
      }
    });
  }
  function takeJob(job) {
    state.jobEpoch += 1;
    state.job = null;
    setJob(job);
  }
  function setJob(job) {
    const current = state.job;
    if (job && current && str(job.id) !== str(current.id) && isOlder(job, current)) return;
    if (job && current && str(job.id) === str(current.id)) {
      const a = JOB_RANK[job.status] === void 0 ? 0 : JOB_RANK[job.status];
      const b = JOB_RANK[current.status] === void 0 ? 0 : JOB_RANK[current.status];
      if (a < b || a === b && (Number(job.done) || 0) < (Number(current.done) || 0)) return;
    }
    const before = current ? current.status : null;
    state.job = job || null;
    renderJob();
    renderStatusLine();
    if (!job) return;
    const changed = !current || str(current.id) !== str(job.id) || before !== job.status;
    if (changed && job.status === "published") {
      if (current && str(current.id) === str(job.id)) toast("v" + job.kb_version + " 已发布，机器人已使用新索引", "ok");
      refreshVersionsQuietly();
    }
    if (changed && job.status === "ready" && current && str(current.id) === str(job.id)) {
      toast("v" + job.kb_version + " 的新索引已完成，可以试一试并发布", "ok");
    }
    if (changed && job.status === "failed" && current && str(current.id) === str(job.id)) {
      showError({ detail: "索引重建失败：" + (job.error || "未知原因") });
    }
    if (!ACTIVE[job.status] && state.wantReindexFor > (Number(job.kb_version) || 0)) {
      state.wantReindexFor = 0;
      startReindex();
    }
  }
  function isOlder(job, than) {
    const a = Number(job.id);
    const b = Number(than.id);
    return !isNaN(a) && !isNaN(b) && a < b;
  }
  function renderJob() {
    const job = state.job;
    const status2 = $("#job-status");
    const progress = $("#job-progress");
    const dot = $("#tab-job-dot");
    if (!job) {
      status2.textContent = "暂无重建任务";
      status2.dataset.status = "none";
      status2.dataset.jobId = "";
      status2.className = "job-status";
      progress.max = 1;
      progress.value = 0;
      $("#job-meta").textContent = "";
      $("#job-stage").textContent = "";
      $("#job-error").hidden = true;
      $("#publish").disabled = true;
      dot.hidden = true;
      return;
    }
    const st = str(job.status);
    status2.dataset.status = st;
    status2.dataset.jobId = str(job.id);
    status2.className = "job-status job-" + safeClass(st);
    status2.textContent = (JOB_LABELS[st] || st) + (job.publish_when_ready && ACTIVE[st] ? "（完成后自动发布）" : "");
    const total = Number(job.total) || 0;
    const done = Number(job.done) || 0;
    if (st === "ready" || st === "published") {
      progress.max = 1;
      progress.value = 1;
    } else if (total > 0) {
      progress.max = total;
      progress.value = Math.min(done, total);
    } else if (ACTIVE[st]) {
      progress.removeAttribute("value");
    } else {
      progress.max = 1;
      progress.value = 0;
    }
    progress.dataset.status = st;
    const meta = ["知识库 v" + str(job.kb_version)];
    if (job.index_version) meta.push("索引 " + job.index_version);
    if (job.started_at) meta.push("开始 " + formatTime(job.started_at));
    if (job.finished_at) meta.push("结束 " + formatTime(job.finished_at));
    $("#job-meta").textContent = meta.join(" · ");
    const stage = str(job.stage);
    $("#job-stage").textContent = (stage ? "阶段：" + stage : "") + (total > 0 ? "　" + done + " / " + total : "");
    const error = $("#job-error");
    error.textContent = job.error ? "错误：" + job.error : "";
    error.hidden = !job.error;
    $("#publish").disabled = st !== "ready";
    dot.hidden = !(ACTIVE[st] || st === "ready");
    dot.className = "job-dot" + (st === "ready" ? " job-dot-ready" : "");
  }
  async function refreshJob() {
    const epoch = state.jobEpoch;
    let job;
    try {
      job = await api("GET", "/api/kb/jobs/latest");
    } catch (err) {
      return;
    }
    if (epoch !== state.jobEpoch) return;
    if (!job && state.job) return;
    setJob(job);
  }
  function pollTick() {
    state.tick += 1;
    const active = state.job && ACTIVE[state.job.status];
    if (!socket.up || active || state.tick % IDLE_POLL_EVERY === 0) refreshJob();
  }
  async function publish2(button2) {
    const job = state.job;
    if (!job || job.status !== "ready") return;
    await busy(button2, async () => {
      let res;
      try {
        res = await api("POST", "/api/kb/publish", { job_id: job.id });
      } catch (err) {
        showError(err);
        refreshJob();
        return;
      }
      clearError();
      toast("已发布：索引 " + str(res && res.published) + "（知识库 v" + str(res && res.kb_version) + "）", "ok");
      await refreshJob();
      refreshVersionsQuietly();
    });
    renderJob();
  }
  async function tryIt() {
    const question = $("#try-question").value.trim();
    if (!question) {
      showError({ detail: "请输入要试的问题" });
      return;
    }
    const served = $("#try-served");
    const candidate = $("#try-candidate");
    served.replaceChildren(el("p", { class: "muted", text: "正在查询…" }));
    candidate.replaceChildren(el("p", { class: "muted", text: "正在查询…" }));
    served.dataset.state = candidate.dataset.state = "loading";
    await busy($("#try-submit"), async () => {
      let res;
      try {
        res = await api("POST", "/api/kb/try", { question });
      } catch (err) {
        showError(err);
        served.replaceChildren(el("p", { class: "muted", text: "查询失败。" }));
        candidate.replaceChildren(el("p", { class: "muted", text: "查询失败。" }));
        served.dataset.state = candidate.dataset.state = "error";
        return;
      }
      renderAnswer(served, $("#try-served-version"), res && res.served, "线上索引没有回答。");
      renderAnswer(candidate, $("#try-candidate-version"), res && res.candidate, "没有待发布的新索引：先修改知识库或点击“重建索引”。");
    });
  }
  function renderAnswer(box, versionLabel, answer, emptyText) {
    box.dataset.state = answer ? "answered" : "empty";
    if (!answer || typeof answer !== "object") {
      versionLabel.textContent = "";
      box.replaceChildren(el("p", { class: "muted", text: emptyText }));
      return;
    }
    versionLabel.textContent = [answer.index_version ? "索引 " + answer.index_version : "", answer.kb_version ? "知识库 v" + answer.kb_version : ""].filter(Boolean).join(" · ");
    const nodes = [];
    const confidence = Number(answer.confidence);
    nodes.push(el("div", { class: "try-level level-" + safeClass(answer.level) }, [
      el("span", { class: "badge", text: LEVEL_LABELS[answer.level] || str(answer.level) || "—" }),
      answer.confidence === void 0 || answer.confidence === null || isNaN(confidence) ? null : el("span", { class: "muted", text: "置信度 " + confidence.toFixed(2) })
    ]));
    const messages = Array.isArray(answer.messages) ? answer.messages : [];
    if (!messages.length) nodes.push(el("p", { class: "muted", text: "（机器人没有回复）" }));
    for (const m of messages) nodes.push(answerMessage(m || {}));
    const hits = Array.isArray(answer.hits) ? answer.hits : [];
    if (hits.length) {
      const list = el("ol", { class: "try-hits" });
      for (const h of hits) {
        if (!h || typeof h !== "object") continue;
        const score = Number(h.score);
        const li = el("li", null, [
          kindTag(h.kind),
          el("span", { class: "hit-title", text: str(h.title) || str(h.id) }),
          el("span", { class: "mono muted", text: isNaN(score) ? "" : score.toFixed(3) })
        ]);
        li.dataset.id = str(h.id);
        list.appendChild(li);
      }
      nodes.push(el("details", { class: "try-hits-box" }, [el("summary", { text: "检索命中（" + hits.length + "）" }), list]));
    }
    box.replaceChildren.apply(box, nodes);
  }
  function answerMessage(m) {
    const node = el("div", { class: "try-msg" });
    const custom = m.custom && typeof m.custom === "object" ? m.custom : null;
    const { card, showText } = payloadCard(custom);
    if (m.text && showText) node.appendChild(el("div", { class: "try-text", text: str(m.text) }));
    if (card) node.appendChild(card);
    if (custom && custom.handoff && typeof custom.handoff === "object") {
      node.appendChild(el("div", { class: "try-note", text: "转人工：" + (str(custom.handoff.reason_text) || str(custom.handoff.reason)) }));
    }
    if (card && !showText && m.text) {
      node.appendChild(el("details", { class: "try-plain" }, [el("summary", { text: "纯文本版本" }), el("div", { class: "try-text", text: str(m.text) })]));
    }
    if (Array.isArray(m.buttons) && m.buttons.length) {
      const chips = el("div", { class: "chips" });
      for (const b of m.buttons) {
        const title = b && typeof b === "object" ? b.title : b;
        if (title !== void 0 && title !== null && title !== "") {
          chips.appendChild(el("span", { class: "chip", title: b && b.payload ? str(b.payload) : "", text: str(title) }));
        }
      }
      node.appendChild(chips);
    }
    return node;
  }
  async function loadGaps() {
    const days = $("#gaps-days").value || "30";
    const list = $("#gaps-list");
    let gaps;
    try {
      gaps = await api("GET", "/api/kb/gaps?" + new URLSearchParams({ days }).toString());
    } catch (err) {
      showError(err);
      return;
    }
    gaps = Array.isArray(gaps) ? gaps : [];
    if (!gaps.length) {
      list.replaceChildren(el("p", { class: "muted empty-row", text: "这段时间没有机器人答不上的问题。" }));
      return;
    }
    list.replaceChildren.apply(list, gaps.map(gapCard));
  }
  function gapCard(g) {
    const examples = Array.isArray(g.examples) ? g.examples.map(str).filter(Boolean) : [];
    const sources = g.sources && typeof g.sources === "object" ? g.sources : {};
    const button2 = el("button", { class: "btn btn-small btn-primary gap-faq", type: "button", text: "写成常见问题" });
    button2.addEventListener("click", () => {
      const label = str(g.label) || examples[0] || "";
      openFaqDialog({ question: label, variants: examples.filter((e) => e !== label) });
    });
    const convs = Array.isArray(g.conversation_ids) ? g.conversation_ids : [];
    return el("div", { class: "gap-card" }, [
      el("div", { class: "gap-head" }, [
        el("span", { class: "gap-label", text: str(g.label) || "（未命名）" }),
        el("span", { class: "gap-count", title: "出现次数", text: str(g.count) + " 次" }),
        el("div", { class: "spacer" }),
        button2
      ]),
      el("div", { class: "gap-sources muted", text: "未答出 " + (Number(sources.unanswered) || 0) + " · 转人工 " + (Number(sources.escalated) || 0) + " · 差评 " + (Number(sources.bad_rating) || 0) + (convs.length ? " · 涉及会话 " + convs.length + " 个" : "") }),
      examples.length ? el("ul", { class: "gap-examples" }, examples.map((e) => el("li", { text: e }))) : null
    ]);
  }
  function openFaqDialog(prefill) {
    const p = prefill || {};
    $("#faq-question").value = str(p.question);
    $("#faq-variants").value = (Array.isArray(p.variants) ? p.variants : []).map(str).join("\n");
    $("#faq-answer").value = str(p.answer);
    $("#faq-item").value = str(p.item_id);
    $("#faq-dialog").hidden = false;
    $("#faq-answer").focus();
  }
  function closeFaqDialog() {
    $("#faq-dialog").hidden = true;
  }
  async function submitFaq() {
    const question = $("#faq-question").value.trim();
    const answer = $("#faq-answer").value.trim();
    if (!question || !answer) {
      showError({ detail: "常见问题需要填写问题和答案" });
      return;
    }
    const body = {
      question,
      variants: $("#faq-variants").value.split("\n").map((s) => s.trim()).filter(Boolean),
      answer
    };
    const itemId = $("#faq-item").value.trim();
    if (itemId) body.item_id = itemId;
    await busy($("#faq-submit"), async () => {
      let res;
      try {
        res = await api("POST", "/api/kb/faqs", body);
      } catch (err) {
        showError(err);
        return;
      }
      clearError();
      closeFaqDialog();
      await afterChange(res && res.version, res && res.job);
      if (state.view === "faqs") loadFaqs();
    });
  }
  async function loadKindList(kind, prefix, unit, emptyText) {
    const q = $("#" + prefix + "-q").value.trim();
    const params = new URLSearchParams({ kind, validity: "all", offset: "0", limit: "200" });
    if (q) params.set("q", q);
    let data;
    try {
      data = await api("GET", "/api/kb/records?" + params.toString());
    } catch (err) {
      showError(err);
      return;
    }
    const records = data && Array.isArray(data.records) ? data.records : [];
    $("#" + prefix + "-count").textContent = "共 " + (Number(data && data.total) || records.length) + " " + unit;
    const list = $("#" + prefix + "-list");
    const rows = records.map((r) => {
      const row2 = el("tr", { class: "record-row", tabindex: "0" }, [
        el("td", null, kindTag(r.kind || kind)),
        el("td", { class: "record-title", text: str(r.title) || str(r.id) }),
        el("td", { text: str(r.department) }),
        el("td", { class: "mono", text: str(r.id) })
      ]);
      row2.dataset.id = str(r.id);
      return row2;
    });
    if (!rows.length) rows.push(el("tr", { class: "empty-row" }, el("td", { colspan: "4", text: emptyText })));
    list.replaceChildren.apply(list, rows);
  }
  function loadFaqs() {
    return loadKindList("faq", "faqs", "条", "还没有常见问题。可在“知识缺口”中把答不上的问题写成常见问题。");
  }
  var bundleEditing = null;
  function openBundleDialog(record) {
    const r = record || {};
    bundleEditing = r.id ? str(r.id) : null;
    $("#bundle-form-title").textContent = bundleEditing ? "编辑一件事（保存后生成新的知识库版本）" : "新建一件事";
    $("#bundle-name").value = str(r.name);
    $("#bundle-variants").value = (Array.isArray(r.variants) ? r.variants : []).map(str).join("\n");
    $("#bundle-intro").value = str(r.intro);
    $("#bundle-steps").value = (Array.isArray(r.steps) ? r.steps : []).map((s) => s && typeof s === "object" ? str(s.item_id) + (s.note ? " " + str(s.note) : "") : str(s)).join("\n");
    $("#bundle-outside").value = (Array.isArray(r.outside_catalog) ? r.outside_catalog : []).map(str).join("\n");
    $("#bundle-error").hidden = true;
    $("#bundle-dialog").hidden = false;
    $("#bundle-name").focus();
  }
  function closeBundleDialog() {
    $("#bundle-dialog").hidden = true;
  }
  function lines(id) {
    return $(id).value.split("\n").map((s) => s.trim()).filter(Boolean);
  }
  async function submitBundle() {
    const name = $("#bundle-name").value.trim();
    const steps = lines("#bundle-steps").map((line) => {
      const match = /^(\S+)[\s\u3000]*(.*)$/.exec(line);
      return { item_id: match ? match[1] : line, note: match ? match[2].trim() : "" };
    });
    if (!name || !steps.length) {
      showError({ detail: "一件事需要填写名称和至少一个步骤（事项编码）" });
      return;
    }
    const body = {
      name,
      variants: lines("#bundle-variants"),
      intro: $("#bundle-intro").value.trim(),
      steps,
      outside_catalog: lines("#bundle-outside")
    };
    const editing = bundleEditing;
    await busy($("#bundle-submit"), async () => {
      let res;
      try {
        res = editing ? await api("PUT", "/api/kb/bundles/" + encodeURIComponent(editing), body) : await api("POST", "/api/kb/bundles", body);
      } catch (err) {
        showError(err);
        const problems = err && Array.isArray(err.problems) ? err.problems.map((p) => str(p && p.reason)).filter(Boolean) : [];
        const box = $("#bundle-error");
        box.textContent = problems.length > 1 ? problems.join("\n") : str(err && err.detail) || "保存失败";
        box.hidden = false;
        return;
      }
      clearError();
      closeBundleDialog();
      await afterChange(res && res.version, res && res.job);
      if (editing && state.detail && state.detail.record && state.detail.record.id === editing) await openDetail(editing);
      reloadVisibleList();
    });
  }
  function loadBundles() {
    return loadKindList("bundle", "bundles", "个", "还没有一件事。点“新建一件事”，按顺序填入目录中的事项。");
  }
  var socket = consoleSocket({
    downText: "重连中…",
    onUp: refreshJob,
    onFrame: (frame) => {
      if (frame.type === "reindex" && frame.job && typeof frame.job === "object") {
        setJob(frame.job);
      } else if (frame.type === "kb_version") {
        refreshVersionsQuietly();
      }
    }
  });
  function onRowActivate(tbody, handler) {
    tbody.addEventListener("click", (event) => {
      const row2 = event.target.closest("tr.record-row");
      if (row2 && row2.dataset.id) handler(row2.dataset.id);
    });
    tbody.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      const row2 = event.target.closest("tr.record-row");
      if (row2 && row2.dataset.id) handler(row2.dataset.id);
    });
  }
  function wire() {
    wireLogout(client2);
    for (const name of VIEWS) $("#tab-" + name).addEventListener("click", () => showView(name));
    $("#kb-error-close").addEventListener("click", clearError);
    $("#records-filter").addEventListener("submit", (event) => {
      event.preventDefault();
      state.offset = 0;
      loadRecords();
    });
    for (const id of ["#filter-kind", "#filter-validity"]) {
      $(id).addEventListener("change", () => {
        state.offset = 0;
        loadRecords();
      });
    }
    $("#records-prev").addEventListener("click", () => {
      state.offset = Math.max(0, state.offset - PAGE_SIZE);
      loadRecords();
    });
    $("#records-next").addEventListener("click", () => {
      state.offset += PAGE_SIZE;
      loadRecords();
    });
    onRowActivate($("#records-list"), openDetail);
    onRowActivate($("#faqs-list"), openDetail);
    onRowActivate($("#bundles-list"), openDetail);
    $("#detail-close").addEventListener("click", closeDetail);
    $("#detail-edit").addEventListener("click", openEdit);
    $("#detail-cancel").addEventListener("click", renderDetail);
    $("#detail-delete").addEventListener("click", deleteRecord);
    $("#detail-form").addEventListener("submit", (event) => {
      event.preventDefault();
      saveEdit();
    });
    $("#upload-kind").addEventListener("change", () => {
      $("#upload-file").setAttribute("accept", UPLOAD_ACCEPT[$("#upload-kind").value] || "");
    });
    $("#upload-form").addEventListener("submit", (event) => {
      event.preventDefault();
      upload();
    });
    $("#versions-refresh").addEventListener("click", (e) => busy(e.currentTarget, loadVersions));
    $("#versions-list").addEventListener("click", (event) => {
      const button2 = event.target.closest("button.restore");
      if (button2 && !button2.disabled) restoreVersion(button2);
    });
    $("#reindex").addEventListener("click", (e) => startReindex(e.currentTarget));
    $("#publish").addEventListener("click", (e) => publish2(e.currentTarget));
    $("#try-form").addEventListener("submit", (event) => {
      event.preventDefault();
      tryIt();
    });
    $("#gaps-days").addEventListener("change", loadGaps);
    $("#gaps-refresh").addEventListener("click", (e) => busy(e.currentTarget, loadGaps));
    $("#faqs-filter").addEventListener("submit", (event) => {
      event.preventDefault();
      loadFaqs();
    });
    $("#faq-new").addEventListener("click", () => openFaqDialog({}));
    $("#faq-cancel").addEventListener("click", closeFaqDialog);
    $("#faq-form").addEventListener("submit", (event) => {
      event.preventDefault();
      submitFaq();
    });
    $("#bundles-filter").addEventListener("submit", (event) => {
      event.preventDefault();
      loadBundles();
    });
    $("#bundle-new").addEventListener("click", () => openBundleDialog(null));
    $("#bundle-cancel").addEventListener("click", closeBundleDialog);
    $("#bundle-form").addEventListener("submit", (event) => {
      event.preventDefault();
      submitBundle();
    });
    document.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      if (!$("#faq-dialog").hidden) closeFaqDialog();
      else if (!$("#bundle-dialog").hidden) closeBundleDialog();
      else if (!$("#record-detail").hidden) closeDetail();
    });
  }
  async function init() {
    try {
      state.me = await api("GET", "/api/me");
    } catch (err) {
      if (err.status !== 401) showError({ detail: "无法获取登录信息：" + err.detail });
      return;
    }
    if (!state.me) {
      goLogin();
      return;
    }
    showMe(state.me);
    wire();
    if (!isEditor(state.me)) {
      showError({ detail: "知识库管理需要知识编辑或管理员角色，当前账号无权修改知识库。" });
    }
    socket.setConn(false);
    renderJob();
    showView("records");
    refreshVersionsQuietly();
    socket.connect();
    setInterval(pollTick, POLL_MS);
  }
  onReady(init);
})();
