/* Built by esbuild from desk/frontend/src/widget/main.js: edit the sources, then run `make frontend`. */
(() => {
  // src/shared/dom.js
  function str(value) {
    return value === void 0 || value === null ? "" : String(value);
  }
  var charCount = (s) => Array.from(str(s)).length;
  var isWebUrl = (u) => /^https?:\/\//i.test(str(u).trim());
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
  function timeLabel(iso) {
    const d = iso ? new Date(iso) : /* @__PURE__ */ new Date();
    if (isNaN(d.getTime())) return "";
    const p = (n) => String(n).padStart(2, "0");
    const hm = `${p(d.getHours())}:${p(d.getMinutes())}`;
    return d.toDateString() === (/* @__PURE__ */ new Date()).toDateString() ? hm : `${p(d.getMonth() + 1)}-${p(d.getDate())} ${hm}`;
  }

  // src/widget/appointment.css
  var appointment_default = "/* The booking card (appointment.js): the offer button, days, half-hour slots, the confirmation. */\n.daofu-booking-offer { display: block; margin: 6px 0 2px; padding: 6px 10px; border: 1px solid #1a73e8; border-radius: 6px;\n  background: #fff; color: #1a73e8; font: inherit; cursor: pointer; }\n.daofu-booking-offer:hover { background: #e8f0fe; }\n.daofu-booking-days, .daofu-booking-slots { display: flex; flex-wrap: wrap; gap: 4px; margin: 6px 0; }\n.daofu-booking-day, .daofu-booking-slot { padding: 3px 7px; border: 1px solid #c9d3e0; border-radius: 4px; background: #fff;\n  font: inherit; font-size: 12px; cursor: pointer; }\n.daofu-booking-day.daofu-chosen, .daofu-booking-slot.daofu-chosen { border-color: #1a73e8; background: #1a73e8; color: #fff; }\n.daofu-booking-slot:disabled { color: #9aa5b1; cursor: not-allowed; background: #f4f6f8; }\n.daofu-link { margin-top: 6px; padding: 0; border: 0; background: none; color: #1a73e8; font: inherit; font-size: 12px;\n  cursor: pointer; text-decoration: underline; }\n.daofu-booking-actions { margin-top: 6px; }\n.daofu-booking-result { margin-top: 6px; }\n";

  // src/widget/appointment.js
  var DAYS = 14;
  var REMEMBERED = "daofu-bookings";
  var WEEKDAYS = ["日", "一", "二", "三", "四", "五", "六"];
  function tid(node, name) {
    node.dataset.testid = name;
    return node;
  }
  function offerOf(custom) {
    const offer = custom && typeof custom === "object" ? custom.booking_offer : null;
    if (!offer || typeof offer !== "object" || !str(offer.item_id)) return null;
    return {
      item_id: str(offer.item_id),
      item_name: str(offer.item_name),
      location: str(offer.location),
      text: str(offer.text) || "可以帮您预约到大厅办理"
    };
  }
  async function call(url, init) {
    let res;
    try {
      res = await fetch(url, { ...init || {}, headers: { Accept: "application/json", ...init && init.headers || {} } });
    } catch (e) {
      return { status: 0, data: null };
    }
    let data = null;
    try {
      data = await res.json();
    } catch (e) {
      data = null;
    }
    return { status: res.status, data };
  }
  function detail(answer, fallback) {
    return answer.data && typeof answer.data.detail === "string" ? answer.data.detail : fallback;
  }
  function remember(code, last4) {
    try {
      const known = JSON.parse(localStorage.getItem(REMEMBERED) || "[]").filter((b) => b && b.c !== code);
      known.push({ c: code, l4: last4 });
      localStorage.setItem(REMEMBERED, JSON.stringify(known.slice(-5)));
    } catch (e) {
    }
  }
  function remembered() {
    try {
      const known = JSON.parse(localStorage.getItem(REMEMBERED) || "[]");
      return Array.isArray(known) ? known.filter((b) => b && typeof b.c === "string") : [];
    } catch (e) {
      return [];
    }
  }
  function dayLabel(iso) {
    const [y, m, d] = iso.split("-").map(Number);
    const weekday = WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()];
    return `${m}月${d}日 周${weekday}`;
  }
  function createBooking(options) {
    const { origin, append } = options;
    addStyles(options.shadow, appointment_default);
    function decorate(node, message) {
      const offer = offerOf(message && message.payload ? message.payload.custom : null);
      if (!offer || !node) return;
      const b = tid(button("daofu-booking-offer", offer.text, () => append(bookingCard(offer))), "booking-offer");
      const meta = node.querySelector(".daofu-msg-meta");
      node.insertBefore(b, meta);
    }
    function bookingCard(offer) {
      const card = tid(el("div", "daofu-card daofu-booking"), "booking-card");
      card.appendChild(el("div", "daofu-card-title", `预约到大厅办理：${offer.item_name || "办事事项"}`));
      const where = el("div", "daofu-row daofu-muted", offer.location ? `办理地点：${offer.location}` : "");
      const days = el("div", "daofu-booking-days");
      const slots = el("div", "daofu-booking-slots");
      const chosen = el("div", "daofu-row daofu-muted", "请选择日期和时段");
      const name = tid(el("input", { type: "text", maxlength: "64", placeholder: "姓名", "aria-label": "姓名" }), "booking-name");
      const phone = tid(el("input", { type: "tel", maxlength: "20", placeholder: "手机号码", "aria-label": "手机号码" }), "booking-phone");
      const error = tid(el("div", "daofu-field-error"), "booking-error");
      const submit = tid(button("daofu-primary", "确认预约", () => send()), "booking-submit");
      submit.disabled = true;
      const lookup = tid(button("daofu-link", "查询或取消已有预约", () => append(lookupCard())), "booking-open-lookup");
      card.append(
        where,
        days,
        slots,
        chosen,
        el("label", "daofu-form-field", [el("span", null, "姓名"), name]),
        el("label", "daofu-form-field", [el("span", null, "手机号码"), phone]),
        error,
        submit,
        lookup
      );
      let slot = null;
      let byDay = /* @__PURE__ */ new Map();
      function pick(value, b) {
        slot = value;
        for (const other of slots.querySelectorAll("button")) other.classList.remove("daofu-chosen");
        b.classList.add("daofu-chosen");
        chosen.textContent = `已选：${dayLabel(value.slice(0, 10))} ${value.slice(11, 16)}`;
        submit.disabled = false;
      }
      function showDay(day) {
        for (const b of days.querySelectorAll("button")) b.classList.toggle("daofu-chosen", b.dataset.day === day);
        slots.replaceChildren();
        for (const s of byDay.get(day) || []) {
          const full = !(Number(s.remaining) > 0);
          const b = tid(button(
            "daofu-booking-slot",
            full ? `${s.slot.slice(11, 16)} 约满` : `${s.slot.slice(11, 16)} 余${s.remaining}`,
            () => pick(s.slot, b)
          ), "booking-slot");
          b.dataset.slot = s.slot;
          b.disabled = full;
          slots.appendChild(b);
        }
      }
      function showSlots(list, prefer) {
        byDay = /* @__PURE__ */ new Map();
        for (const s of list) {
          if (!s || typeof s.slot !== "string") continue;
          const day = s.slot.slice(0, 10);
          if (!byDay.has(day)) byDay.set(day, []);
          byDay.get(day).push(s);
        }
        days.replaceChildren();
        for (const day of byDay.keys()) {
          const b = tid(button("daofu-booking-day", dayLabel(day), () => showDay(day)), "booking-day");
          b.dataset.day = day;
          days.appendChild(b);
        }
        const first = prefer && byDay.has(prefer) ? prefer : [...byDay.keys()].find((d) => byDay.get(d).some((s) => Number(s.remaining) > 0));
        if (first) showDay(first);
        else slots.replaceChildren(el("div", "daofu-muted", "近期没有可预约的时段，请直接前往或电话咨询。"));
      }
      async function load2(prefer) {
        slots.replaceChildren(el("div", "daofu-muted", "正在查询可预约时段…"));
        const answer = await call(`${origin}/api/appointments/slots?item_id=${encodeURIComponent(offer.item_id)}&days=${DAYS}`);
        if (answer.status === 200 && Array.isArray(answer.data)) {
          if (!offer.location && answer.data[0]) where.textContent = `办理地点：${str(answer.data[0].location)}`;
          showSlots(answer.data, prefer);
        } else {
          slots.replaceChildren(el("div", "daofu-field-error", detail(answer, "暂时查不到可预约时段，请稍后再试。")));
        }
      }
      async function send() {
        error.textContent = "";
        if (!slot) {
          error.textContent = "请先选择时段";
          return;
        }
        submit.disabled = true;
        const body = { item_id: offer.item_id, slot, name: name.value.trim(), phone: phone.value.trim() };
        const answer = await call(`${origin}/api/appointments`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body)
        });
        if (answer.status === 201 && answer.data) {
          const last4 = phone.value.replace(/\D/g, "").slice(-4);
          remember(str(answer.data.confirmation), last4);
          card.replaceWith(confirmationCard(answer.data, last4));
          return;
        }
        submit.disabled = false;
        error.textContent = detail(answer, `预约失败（${answer.status}），请稍后再试。`);
        if (answer.status === 409) {
          slot = null;
          submit.disabled = true;
          chosen.textContent = "请重新选择时段";
          await load2(body.slot.slice(0, 10));
        }
      }
      load2();
      return card;
    }
    function confirmationCard(data, last4) {
      const card = tid(el("div", "daofu-card daofu-booking"), "booking-confirmation");
      card.appendChild(el("div", "daofu-card-title", "预约成功"));
      const code = tid(el("div", "daofu-ticket-no", str(data.confirmation)), "booking-code");
      card.append(
        el("div", "daofu-row", "确认码（查询、取消时使用）："),
        code,
        el("div", "daofu-row", `事项：${str(data.item_name)}`),
        el("div", "daofu-row", `时间：${str(data.slot_text) || str(data.slot)}`),
        el("div", "daofu-row", `地点：${str(data.location)}`),
        el("div", "daofu-row daofu-muted", "办理前一天会短信提醒。请携带材料按时到场。")
      );
      card.appendChild(cancelButton(str(data.confirmation), last4, card));
      return card;
    }
    function cancelButton(code, last4, card) {
      const status = tid(el("div", "daofu-hint"), "booking-status");
      const b = tid(button("daofu-link", "取消预约", async () => {
        if (!window.confirm("确定取消这个预约吗？")) return;
        b.disabled = true;
        const answer = await call(
          `${origin}/api/appointments/${encodeURIComponent(code)}?phone_last4=${encodeURIComponent(last4)}`,
          { method: "DELETE" }
        );
        if (answer.status === 200 && answer.data) {
          status.textContent = "已取消预约";
          b.remove();
        } else {
          b.disabled = false;
          status.textContent = detail(answer, "取消失败，请稍后再试。");
        }
      }), "booking-cancel");
      const wrap = el("div", "daofu-booking-actions", [b, status]);
      card.appendChild(wrap);
      return wrap;
    }
    function lookupCard() {
      const card = tid(el("div", "daofu-card daofu-booking"), "booking-lookup");
      card.appendChild(el("div", "daofu-card-title", "查询预约"));
      const known = remembered();
      const last = known[known.length - 1];
      const code = tid(el("input", { type: "text", maxlength: "24", placeholder: "确认码", "aria-label": "确认码" }), "booking-lookup-code");
      const last4 = tid(
        el("input", { type: "text", inputmode: "numeric", maxlength: "4", placeholder: "手机后四位", "aria-label": "手机后四位" }),
        "booking-lookup-last4"
      );
      if (last) {
        code.value = last.c;
        last4.value = last.l4;
      }
      const result = tid(el("div", "daofu-booking-result"), "booking-lookup-result");
      const submit = tid(button("daofu-primary", "查询", async () => {
        result.replaceChildren();
        submit.disabled = true;
        const answer = await call(`${origin}/api/appointments/${encodeURIComponent(code.value.trim())}?phone_last4=${encodeURIComponent(last4.value.trim())}`);
        submit.disabled = false;
        if (answer.status === 200 && answer.data) {
          const d = answer.data;
          result.append(
            el("div", "daofu-row", `${str(d.item_name)}：${str(d.slot_text)}`),
            el("div", "daofu-row", `地点：${str(d.location)}`),
            tid(el("div", "daofu-row", `状态：${str(d.status_text)}`), "booking-lookup-status")
          );
          if (d.status === "booked") cancelButton(str(d.confirmation), last4.value.trim(), result);
        } else {
          result.appendChild(el("div", "daofu-field-error", detail(answer, "查询失败，请稍后再试。")));
        }
      }), "booking-lookup-submit");
      card.append(
        el("label", "daofu-form-field", [el("span", null, "确认码"), code]),
        el("label", "daofu-form-field", [el("span", null, "手机后四位"), last4]),
        submit,
        result
      );
      return card;
    }
    return { decorate, bookingCard, lookupCard };
  }
  function addStyles(shadow, css) {
    if (!shadow) return;
    const style = document.createElement("style");
    style.textContent = css;
    if ("adoptedStyleSheets" in shadow && typeof CSSStyleSheet === "function") {
      try {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(css);
        shadow.adoptedStyleSheets = [...shadow.adoptedStyleSheets, sheet];
        return;
      } catch (e) {
      }
    }
    shadow.appendChild(style);
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

  // src/widget/demand.js
  var RATINGS = ["满意", "基本满意", "不满意"];
  var PHONE_RULE = "请填写11位手机号码，或带区号的固定电话（如 020-12345678）";
  var CONSENT_TEXT = "我同意将以上信息（含电话号码）提供给承办部门，仅用于办理、答复和回访本诉求。";
  var MAX_CONTENT = 4e3;
  function normalizePhone(raw) {
    const half = str(raw).replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 65248));
    const digits = half.replace(/[\s\-()（）\u3000]/g, "");
    const mobile = /^(?:\+?86)?(1[3-9]\d{9})$/.exec(digits);
    if (mobile) return mobile[1];
    return /^0\d{2,3}\d{7,8}$/.test(digits) ? digits : null;
  }
  function field(label, control, testid, errors, name) {
    const wrap = el("label", "daofu-form-field");
    control.dataset.testid = testid;
    control.name = name;
    control.setAttribute("aria-label", label);
    const error = el("div", "daofu-hint daofu-field-error");
    error.dataset.testid = `demand-error-${name}`;
    errors[name] = error;
    wrap.append(el("span", null, label), control, error);
    return wrap;
  }
  function input(type, maxLength, placeholder) {
    const node = el("input");
    node.type = type;
    if (maxLength) node.maxLength = maxLength;
    if (placeholder) node.placeholder = placeholder;
    return node;
  }
  function demandForm(spec, onSubmit) {
    const leave = Boolean(spec.leave);
    const node = el("div", "daofu-card daofu-demand-form");
    node.dataset.testid = "demand-form";
    const errors = {};
    node.appendChild(el("div", "daofu-card-title", leave ? "留言咨询" : "登记诉求"));
    if (leave) {
      node.appendChild(el("div", "daofu-row", spec.reason === "off_hours" ? "当前为非工作时间，人工客服暂时无法接入。请留下您的问题和联系电话，我们将登记为咨询诉求，工作人员上班后尽快答复。" : "当前暂无人工客服在线。请留下您的问题和联系电话，我们将登记为咨询诉求，工作人员将尽快答复。"));
    }
    const category = el("select");
    const categories = Array.isArray(spec.categories) ? spec.categories.map(str).filter(Boolean) : [];
    for (const name of categories) {
      const option = el("option", null, name);
      option.value = name;
      if (name === str(spec.category)) option.selected = true;
      category.appendChild(option);
    }
    const content = el("textarea");
    content.value = str(spec.content);
    content.placeholder = leave ? "请描述您要咨询的问题" : "请说明发生了什么：事项、时间、经过和您的诉求";
    const enterprise = input("text", 200, "营业执照上的企业名称");
    const contactName = input("text", 64, "联系人姓名");
    const phone = input("tel", 32, "手机号码或带区号的固定电话");
    phone.autocomplete = "tel";
    const consent = input("checkbox");
    consent.dataset.testid = "demand-consent";
    consent.name = "consent";
    const consentLabel = el("label", "daofu-consent");
    const consentError = el("div", "daofu-hint daofu-field-error");
    consentError.dataset.testid = "demand-error-consent";
    errors.consent = consentError;
    consentLabel.append(consent, el("span", null, CONSENT_TEXT));
    if (!leave && categories.length) node.appendChild(field("诉求类别", category, "demand-category", errors, "category"));
    node.append(
      field(leave ? "您的问题" : "发生了什么", content, "demand-content", errors, "content"),
      field(leave ? "企业名称（选填）" : "企业名称", enterprise, "demand-enterprise", errors, "enterprise_name"),
      field(leave ? "联系人（选填）" : "联系人", contactName, "demand-contact-name", errors, "contact_name"),
      field("联系电话", phone, "demand-phone", errors, "contact_phone"),
      consentLabel,
      consentError
    );
    const hint = el("div", "daofu-hint");
    const submit = button("daofu-primary daofu-demand-submit", leave ? "提交留言" : "提交诉求", send);
    submit.dataset.testid = "demand-submit";
    node.append(hint, submit);
    const controls = [category, content, enterprise, contactName, phone, consent, submit];
    function clear() {
      hint.textContent = "";
      for (const error of Object.values(errors)) error.textContent = "";
    }
    function check() {
      const values = {
        category: leave ? "咨询" : category.value,
        content: content.value.trim(),
        enterprise_name: enterprise.value.trim(),
        contact_name: contactName.value.trim(),
        contact_phone: normalizePhone(phone.value)
      };
      const problems = [];
      const n = charCount(values.content);
      if (n < 5 || n > MAX_CONTENT) problems.push(["content", n < 5 ? "请至少写5个字，说明发生了什么" : `请控制在 ${MAX_CONTENT} 字以内`]);
      if (!leave && charCount(values.enterprise_name) < 2) problems.push(["enterprise_name", "请填写企业名称（至少2个字）"]);
      if (!leave && !values.contact_name) problems.push(["contact_name", "请填写联系人"]);
      if (!values.contact_phone) problems.push(["contact_phone", PHONE_RULE]);
      if (!consent.checked) problems.push(["consent", "请阅读并勾选同意后提交"]);
      return { values, problems };
    }
    function send() {
      clear();
      const { values, problems } = check();
      if (problems.length) {
        for (const [name, reason] of problems) errors[name].textContent = reason;
        return;
      }
      for (const c of controls) c.disabled = true;
      submit.textContent = "提交中…";
      onSubmit(values, api);
    }
    const api = {
      node,
      /** The desk took it: the form becomes the tracking card. */
      filed(answer, last4) {
        node.replaceWith(filedCard(answer, leave, last4));
      },
      /** The desk refused it: its reasons by field (problems from a 422), the form editable again. */
      failed(detail2, problems) {
        clear();
        for (const c of controls) c.disabled = false;
        submit.textContent = leave ? "提交留言" : "提交诉求";
        let placed = false;
        for (const p of Array.isArray(problems) ? problems : []) {
          const target = p && errors[str(p.field)];
          if (target) {
            target.textContent = str(p.reason);
            placed = true;
          }
        }
        if (!placed || !Array.isArray(problems)) hint.textContent = str(detail2) || "提交失败，请稍后再试。";
      }
    };
    return api;
  }
  var shown = /* @__PURE__ */ new Map();
  function watch(number, update) {
    if (!shown.has(number)) shown.set(number, /* @__PURE__ */ new Set());
    shown.get(number).add(update);
  }
  function filedCard(answer, leave, last4) {
    const number = str(answer.tracking_number);
    const box = el("div", "daofu-card daofu-demand-filed");
    box.dataset.testid = "demand-filed";
    box.dataset.trackingNumber = number;
    if (last4) box.dataset.last4 = last4;
    box.appendChild(el("div", "daofu-card-title", leave ? "留言已登记为咨询诉求" : "诉求已提交"));
    box.appendChild(el("div", "daofu-label", "诉求编号"));
    const no = el("div", "daofu-ticket-no", number);
    no.dataset.testid = "demand-tracking-number";
    box.appendChild(no);
    const due = el("div", "daofu-row");
    due.append(el("span", "daofu-label", "办理时限："), el("span", null, str(answer.due_date)));
    due.lastChild.dataset.testid = "demand-due-date";
    const status = el("div", "daofu-row");
    status.append(el("span", "daofu-label", "当前状态："), el("span", null, str(answer.status_text) || "已受理"));
    status.lastChild.dataset.testid = "demand-live-status";
    box.append(due, status, el(
      "div",
      "daofu-row daofu-muted",
      "请保存诉求编号。可点击上方“查询诉求”，凭编号和联系电话后四位查询进度；有新进展时本窗口会提示您。"
    ));
    watch(number, (d) => {
      status.lastChild.textContent = str(d.status_text);
    });
    return box;
  }
  function trackForm(number, onLookup) {
    const box = el("div", "daofu-card daofu-demand-track");
    box.dataset.testid = "demand-track";
    box.appendChild(el("div", "daofu-card-title", "查询诉求"));
    const errors = {};
    const no = input("text", 40, "XXXX-XXXX-XXXX-XXXX");
    no.value = str(number);
    const last4 = input("text", 4, "后四位");
    last4.inputMode = "numeric";
    const hint = el("div", "daofu-hint");
    const submit = button("daofu-primary", "查询", () => {
      hint.textContent = "";
      if (!no.value.trim()) {
        hint.textContent = "请填写诉求编号";
        return;
      }
      if (!/^\d{4}$/.test(last4.value.trim())) {
        hint.textContent = "请填写联系电话的后四位数字";
        return;
      }
      onLookup(no.value.trim(), last4.value.trim(), box);
    });
    submit.dataset.testid = "demand-track-submit";
    for (const f of [no, last4]) {
      f.addEventListener("keydown", (e) => {
        if (e.key === "Enter" && !e.isComposing) {
          e.preventDefault();
          submit.click();
        }
      });
    }
    box.append(
      field("诉求编号", no, "demand-track-number", errors, "tracking_number"),
      field("联系电话后四位", last4, "demand-track-last4", errors, "phone_last4"),
      hint,
      submit
    );
    return box;
  }
  function resultCard(data, onRate) {
    const number = str(data.tracking_number);
    const box = el("div", "daofu-card daofu-demand-result");
    box.dataset.testid = "demand-result";
    box.dataset.trackingNumber = number;
    box.dataset.status = str(data.status);
    box.appendChild(el("div", "daofu-card-title", `诉求 ${number}`));
    const line = (label, value, testid) => {
      const r = el("div", "daofu-row");
      const v = el("span", null);
      appendRichText(v, str(value));
      v.dataset.testid = testid;
      r.append(el("span", "daofu-label", `${label}：`), v);
      box.appendChild(r);
      return v;
    };
    row(box, "类别", data.category);
    const status = line("状态", str(data.status_text) + (data.overdue ? "（已超期）" : ""), "demand-status");
    line("承办部门", data.department || "待派单", "demand-department");
    line("办理时限", data.due_date, "demand-due");
    row(box, "诉求内容", data.content);
    line("答复", str(data.reply).trim() || "尚未答复", "demand-reply");
    if (data.replied_at) row(box, "答复时间", timeLabel(data.replied_at));
    const history = el("ol", "daofu-demand-history");
    history.dataset.testid = "demand-history";
    for (const h of Array.isArray(data.history) ? data.history : []) {
      if (!h || typeof h !== "object") continue;
      history.appendChild(el("li", null, `${timeLabel(h.at)} ${str(h.status_text)}`.trim()));
    }
    if (history.children.length) box.append(el("div", "daofu-label", "办理过程"), history);
    if (data.rating) row(box, "您的评价", data.rating);
    if (data.can_rate && onRate) box.appendChild(ratingForm((score, comment) => onRate(score, comment, box)));
    watch(number, (d) => {
      status.textContent = str(d.status_text) + (d.overdue ? "（已超期）" : "");
    });
    return box;
  }
  function hasRatingDraft(box) {
    const score = box.querySelector("[data-testid=demand-rating-score]");
    const comment = box.querySelector("[data-testid=demand-rating-comment]");
    return Boolean(score && score.value || comment && comment.value.trim());
  }
  function ratingForm(onSubmit) {
    const form = el("div", "daofu-demand-rating");
    form.dataset.testid = "demand-rating";
    form.appendChild(el("div", "daofu-label", "请对办理结果作出评价（回访）"));
    const score = el("select");
    score.dataset.testid = "demand-rating-score";
    score.name = "score";
    score.appendChild(el("option", null, "请选择"));
    score.firstChild.value = "";
    for (const r of RATINGS) {
      const option = el("option", null, r);
      option.value = r;
      score.appendChild(option);
    }
    const scoreLabel = el("label", "daofu-form-field");
    scoreLabel.append(el("span", null, "满意度"), score);
    const comment = el("textarea");
    comment.dataset.testid = "demand-rating-comment";
    comment.maxLength = 1e3;
    comment.placeholder = "意见（选填；不满意的请说明原因，将退回原部门重新办理一次）";
    const commentLabel = el("label", "daofu-form-field");
    commentLabel.append(el("span", null, "评价意见"), comment);
    const hint = el("div", "daofu-hint");
    const submit = button("daofu-primary", "提交评价", () => {
      if (!score.value) {
        hint.textContent = "请选择满意度";
        return;
      }
      hint.textContent = "";
      score.disabled = comment.disabled = submit.disabled = true;
      onSubmit(score.value, comment.value.trim());
    });
    submit.dataset.testid = "demand-rating-submit";
    form.append(scoreLabel, commentLabel, hint, submit);
    return form;
  }
  function applyFrame(d) {
    const updates = shown.get(str(d && d.tracking_number));
    if (updates) for (const update of updates) update(d);
  }
  async function call2(url, options) {
    let res;
    try {
      res = await fetch(url, Object.assign({ headers: { Accept: "application/json" } }, options));
    } catch (e) {
      return { status: 0, data: null };
    }
    let data = null;
    try {
      data = await res.json();
    } catch (e) {
      data = null;
    }
    return { status: res.status, data: data && typeof data === "object" ? data : null };
  }
  function detailOf(answer, fallback) {
    const d = answer.data && answer.data.detail;
    if (typeof d === "string" && d) return d;
    if (answer.status === 0) return "网络连接失败，请检查网络后重试。";
    return fallback;
  }
  async function fileDemand(origin, values, conversationId) {
    const body = {
      category: values.category,
      content: values.content,
      enterprise_name: values.enterprise_name,
      contact_name: values.contact_name,
      contact_phone: values.contact_phone
    };
    if (conversationId) body.conversation_id = conversationId;
    const answer = await call2(`${origin}/api/demands`, {
      method: "POST",
      headers: { Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify(body)
    });
    if (answer.status === 201 && answer.data) return { ok: true, answer: answer.data };
    return {
      detail: detailOf(answer, `提交失败（${answer.status}），请稍后再试。`),
      problems: answer.data && answer.data.problems
    };
  }
  async function trackDemand(origin, number, last4) {
    const answer = await call2(`${origin}/api/demands/track/${encodeURIComponent(number)}?phone_last4=${encodeURIComponent(last4)}`);
    if (answer.status === 200 && answer.data) return { data: answer.data };
    return { detail: detailOf(answer, "查询失败，请稍后再试。"), missing: answer.status === 404 };
  }
  async function rateDemand(origin, number, last4, score, comment) {
    const answer = await call2(`${origin}/api/demands/track/${encodeURIComponent(number)}/rating`, {
      method: "POST",
      headers: { Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify({ phone_last4: last4, score, comment })
    });
    if (answer.status === 200 && answer.data) return { data: answer.data };
    return { detail: detailOf(answer, "评价提交失败，请稍后再试。") };
  }
  function failureCard(number, text) {
    const box = el("div", "daofu-card daofu-demand-result");
    box.appendChild(el("div", "daofu-card-title", number ? `诉求 ${number}` : "查询诉求"));
    box.appendChild(el("div", "daofu-row", text));
    return box;
  }

  // src/widget/remote_help.css
  var remote_help_default = '/* Remote help (远程帮办) in the widget: the checklist, the marks, the shared draft. */\n.daofu-help { flex: none; max-height: 48%; overflow-y: auto; overscroll-behavior: contain; margin: 6px 8px; background: #fff;\n  border: 1px solid #cfd9e6; border-radius: 6px; font-size: 13px; color: #233; }\n.daofu-help > summary { position: sticky; top: 0; cursor: pointer; padding: 8px 10px; font-weight: 600; background: #eef4fc; border-radius: 6px; }\n.daofu-help-body { padding: 8px 10px 10px; display: flex; flex-direction: column; gap: 8px; }\n.daofu-help-entries { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 6px; }\n.daofu-help-entry { border: 1px solid #e1e7ef; border-radius: 4px; padding: 6px 8px; }\n.daofu-help-entry-head { display: flex; gap: 6px; align-items: baseline; justify-content: space-between; }\n.daofu-help-mark { flex: none; font-size: 12px; padding: 1px 6px; border-radius: 10px; background: #e9edf2; color: #455; }\n.daofu-help-mark[data-status="accepted"] { background: #e3f4e6; color: #1d6b2c; }\n.daofu-help-mark[data-status="needs_fix"] { background: #fdeee0; color: #9a4a00; }\n.daofu-help-mark[data-status="missing"] { background: #fde4e4; color: #a01d1d; }\n.daofu-help-mark[data-status="submitted"] { background: #e6eefb; color: #1f5fbf; }\n.daofu-help-reason { color: #9a4a00; margin-top: 3px; }\n.daofu-help-files { margin-top: 3px; display: flex; flex-wrap: wrap; gap: 4px 10px; }\n.daofu-help-files button, .daofu-help-link { background: none; border: none; padding: 0; color: #1f5fbf; cursor: pointer; text-decoration: underline; font: inherit; }\n.daofu-help-upload { margin-top: 4px; font-size: 12px; }\n.daofu-help-draft { display: grid; grid-template-columns: 1fr; gap: 6px; }\n.daofu-help-draft label { display: flex; flex-direction: column; gap: 2px; font-size: 12px; color: #456; }\n.daofu-help-draft input { font: inherit; padding: 4px 6px; border: 1px solid #c5d0dd; border-radius: 4px; }\n.daofu-help-note { font-size: 12px; color: #9a4a00; }\n.daofu-help-actions { display: flex; flex-wrap: wrap; gap: 6px; }\n.daofu-help-actions button { font: inherit; font-size: 12px; padding: 4px 8px; border: 1px solid #1f5fbf; background: #fff; color: #1f5fbf; border-radius: 4px; cursor: pointer; }\n.daofu-help-summary { background: #e3f4e6; border-radius: 4px; padding: 6px 8px; }\n';

  // src/widget/remote_help.js
  var ACCEPT = "image/jpeg,image/png,image/webp,application/pdf";
  function createRemoteHelp(options) {
    const { origin, store, mount, before, notify } = options;
    addStyles2(options.shadow, remote_help_default);
    let state = null;
    let card = null;
    let open = true;
    let redrawing = false;
    const notes = /* @__PURE__ */ new Map();
    const editing = /* @__PURE__ */ new Map();
    const base = () => `${origin}/api/widget/remote-help/${encodeURIComponent(store.data.conversation_id || "")}`;
    const headers = (extra) => ({ Accept: "application/json", "X-Daofu-Resume-Token": store.data.resume_token || "", ...extra });
    async function call3(method, path, body, extra) {
      const res = await fetch(base() + path, { method, headers: headers(extra), body });
      let data = null;
      try {
        data = await res.json();
      } catch (e) {
        data = null;
      }
      return { res, data };
    }
    async function refresh() {
      if (!store.data.conversation_id || !store.data.resume_token) return;
      try {
        const { res, data } = await call3("GET", "");
        if (res.ok) show(data);
      } catch (e) {
      }
    }
    function show(help) {
      if (!help || typeof help !== "object" || help.conversation_id !== store.data.conversation_id) {
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
      const fresh = el("details", { class: "daofu-help", "data-testid": "widget-remote-help" });
      fresh.open = open;
      fresh.addEventListener("toggle", () => {
        open = fresh.open;
      });
      fresh.append(el("summary", null, `远程帮办：${str(state.item && state.item.name)}（${str(state.status_label)}）`));
      const body = el("div", "daofu-help-body");
      if (state.status === "completed" && state.summary) body.append(summaryBox(state.summary));
      body.append(el("div", null, "材料清单"), entriesList(), el("div", null, "申请表（与工作人员共同填写）"), draftForm(), actions());
      fresh.append(body);
      const focused = options.shadow ? options.shadow.activeElement : null;
      const focusedId = focused && card && card.contains(focused) ? focused.dataset.testid : null;
      redrawing = true;
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
      const box = el(
        "div",
        { class: "daofu-help-summary", "data-testid": "widget-help-summary" },
        `预审结论：${str(summary.result)}`
      );
      if (summary.online_url) {
        const link = el("a", { href: str(summary.online_url), target: "_blank", rel: "noopener noreferrer" }, "在线申请");
        box.append(el("br"), link);
      }
      return box;
    }
    function entriesList() {
      const list = el("ol", "daofu-help-entries");
      const active = state.status === "active";
      for (const entry of state.entries || []) {
        const item = el("li", { class: "daofu-help-entry", "data-testid": "widget-help-entry", "data-entry": String(entry.id) });
        const mark = el(
          "span",
          { class: "daofu-help-mark", "data-status": str(entry.status), "data-testid": "widget-help-mark" },
          str(entry.status_label)
        );
        item.append(el("div", "daofu-help-entry-head", [el("span", null, `${entry.position}. ${str(entry.name)}`), mark]));
        if (entry.reason) item.append(el("div", { class: "daofu-help-reason", "data-testid": "widget-help-reason" }, `原因：${str(entry.reason)}`));
        if ((entry.files || []).length) {
          const files = el("div", "daofu-help-files");
          for (const f of entry.files) files.append(button(null, str(f.name), () => download(`/files/${f.id}`, str(f.name))));
          item.append(files);
        }
        if (active && entry.status !== "accepted") item.append(uploader(entry));
        list.append(item);
      }
      return list;
    }
    function uploader(entry) {
      const input2 = el("input", {
        type: "file",
        accept: ACCEPT,
        class: "daofu-help-upload",
        "data-testid": "widget-help-upload",
        "aria-label": `上传：${str(entry.name)}`
      });
      input2.addEventListener("change", async () => {
        const file = input2.files && input2.files[0];
        if (!file) return;
        input2.disabled = true;
        try {
          const { res, data } = await call3(
            "POST",
            `/entries/${entry.id}/files`,
            file,
            { "Content-Type": "application/octet-stream", "X-File-Name": encodeURIComponent(file.name) }
          );
          if (res.ok) show(data);
          else notify(`“${file.name}”上传失败：${str(data && data.detail) || "请稍后再试"}`);
        } catch (e) {
          notify("上传失败，请检查网络后重试。");
        } finally {
          input2.disabled = false;
          input2.value = "";
        }
      });
      return input2;
    }
    function draftForm() {
      const form = el("div", "daofu-help-draft");
      const editable = state.status !== "cancelled";
      for (const field2 of state.draft || []) {
        const input2 = el("input", {
          type: "text",
          "data-testid": `widget-draft-${field2.name}`,
          placeholder: str(field2.hint),
          maxlength: "500"
        });
        const typed = editing.get(field2.name);
        input2.value = typed ? typed.value : str(field2.value);
        input2.disabled = !editable;
        input2.dataset.version = String(typed ? typed.version : field2.version);
        input2.addEventListener("input", () => {
          editing.set(field2.name, { value: input2.value, version: Number(input2.dataset.version) });
        });
        input2.addEventListener("blur", () => commit(field2.name));
        input2.addEventListener("keydown", (e) => {
          if (e.key === "Enter" && !e.isComposing) {
            e.preventDefault();
            input2.blur();
          }
        });
        const label = el("label", null, [str(field2.label), input2]);
        if (field2.updated_by) label.append(el("span", null, `最近由${str(field2.updated_by)}填写`));
        const note = notes.get(field2.name);
        if (note) label.append(el("span", { class: "daofu-help-note", "data-testid": "widget-draft-note" }, note));
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
        const { res, data } = await call3(
          "PUT",
          `/draft/${encodeURIComponent(name)}`,
          JSON.stringify({ value, version }),
          { "Content-Type": "application/json" }
        );
        if (res.ok) {
          notes.delete(name);
          show(data);
        } else if (res.status === 409 && data && data.current) {
          notes.set(name, `${str(data.current.updated_by) || "对方"}已改为“${str(data.current.value)}”，您的“${str(value)}”未保存`);
          refresh();
        } else {
          notes.set(name, str(data && data.detail) || "保存失败，请稍后再试");
          draw();
        }
      } catch (e) {
        notify("保存失败，请检查网络后重试。");
      }
    }
    function actions() {
      const row2 = el("div", "daofu-help-actions");
      const name = str(state.item && state.item.name);
      const draftBtn = button(null, "下载申请表 PDF", () => download("/draft.pdf", `${name}-申请表草稿.pdf`));
      draftBtn.dataset.testid = "widget-draft-pdf";
      row2.append(draftBtn);
      if (state.status === "completed") {
        const summaryBtn = button(null, "下载预审结果 PDF", () => download("/summary.pdf", `${name}-材料预审结果.pdf`));
        summaryBtn.dataset.testid = "widget-summary-pdf";
        row2.append(summaryBtn);
      }
      return row2;
    }
    async function download(path, name) {
      try {
        const res = await fetch(base() + path, { headers: headers() });
        if (!res.ok) {
          notify(`下载失败（${res.status}），请稍后再试。`);
          return;
        }
        const url = URL.createObjectURL(await res.blob());
        const a = document.createElement("a");
        a.href = url;
        a.download = name;
        a.rel = "noopener";
        (card || mount).appendChild(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 6e4);
      } catch (e) {
        notify("下载失败，请检查网络后重试。");
      }
    }
    return { show, refresh, reset, get state() {
      return state;
    } };
  }
  function addStyles2(shadow, css) {
    if (!shadow) return;
    if ("adoptedStyleSheets" in shadow && typeof CSSStyleSheet === "function" && "replaceSync" in CSSStyleSheet.prototype) {
      try {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(css);
        shadow.adoptedStyleSheets = [...shadow.adoptedStyleSheets, sheet];
        return;
      } catch (e) {
      }
    }
    const style = document.createElement("style");
    style.textContent = css;
    shadow.appendChild(style);
  }

  // src/widget/store.js
  var STORAGE_KEY = "daofu.widget";
  function createStore() {
    return {
      data: load(),
      save() {
        try {
          localStorage.setItem(STORAGE_KEY, JSON.stringify(this.data));
        } catch (e) {
        }
      },
      /** Take out the pending frames `pred` matches; saves only when something was removed. */
      removePending(pred) {
        const before = this.data.pending.length;
        this.data.pending = this.data.pending.filter((p) => !pred(p));
        if (this.data.pending.length !== before) this.save();
      }
    };
  }
  function load() {
    let raw = null;
    try {
      raw = JSON.parse(localStorage.getItem(STORAGE_KEY) || "null");
    } catch (e) {
      raw = null;
    }
    const d = raw && typeof raw === "object" ? raw : {};
    return {
      conversation_id: typeof d.conversation_id === "string" && d.conversation_id ? d.conversation_id : null,
      // The secret that lets this browser, and only it, resume the conversation (PROTOCOL.md).
      resume_token: typeof d.resume_token === "string" && d.resume_token ? d.resume_token : null,
      // The 政策计算器's saved enterprise profile (PROTOCOL.md "惠企政策"): sent in hello, so the bot
      // does not ask again and 免申即享 notices reach this browser.
      profile_token: typeof d.profile_token === "string" && d.profile_token ? d.profile_token : null,
      after: Number.isInteger(d.after) && d.after > 0 ? d.after : 0,
      pending: Array.isArray(d.pending) ? d.pending.filter((p) => p && typeof p.client_id === "string" && typeof p.type === "string") : [],
      // The conversation already rated, so a reload does not ask again.
      rated: typeof d.rated === "string" ? d.rated : null,
      // Demands filed or looked up here ({n: tracking number, l4: the phone's last 4 digits}), so a
      // live `demand` frame can show the reply at once (demand.js).
      demands: Array.isArray(d.demands) ? d.demands.filter((x) => x && typeof x.n === "string" && /^\d{4}$/.test(x.l4)).slice(-10) : []
    };
  }
  function uuid() {
    if (window.crypto && typeof crypto.randomUUID === "function") {
      try {
        return crypto.randomUUID();
      } catch (e) {
      }
    }
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = b[6] & 15 | 64;
    b[8] = b[8] & 63 | 128;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
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

  // src/widget/transport.js
  var PING_MS = 25e3;
  var STALE_MS = 7e4;
  function createTransport(options) {
    const { store } = options;
    const outbox = [];
    let started = false;
    const socket = createSocket({
      url: options.origin.replace(/^http/, "ws") + "/ws/widget",
      // http→ws, https→wss
      // Backoff starts over at the welcome, not at the socket's open (a desk that accepts and then
      // drops at once is not hammered).
      resetBackoffOnOpen: false,
      ping: { everyMs: PING_MS, staleMs: STALE_MS, frame: { type: "ping" } },
      onConnecting: options.onConnecting,
      onDown: options.onDown,
      onFrame: options.onFrame,
      onOpen() {
        socket.send({
          type: "hello",
          conversation_id: store.data.conversation_id,
          resume_token: store.data.resume_token,
          after: options.after(),
          page: location.href,
          ...store.data.profile_token ? { profile_token: store.data.profile_token } : {}
        });
        for (const p of store.data.pending) socket.send(frameFor(p));
        while (outbox.length && socket.up) socket.send(outbox.shift());
      }
    });
    window.addEventListener("online", () => {
      if (started && !socket.present) socket.reconnectNow();
    });
    function ensureStarted() {
      if (started) return;
      started = true;
      socket.connect();
    }
    return {
      get started() {
        return started;
      },
      ensureStarted,
      welcomed() {
        socket.resetBackoff();
      },
      /** rate / end carry no client_id, so they wait in memory for the next socket instead of pending. */
      sendControl(frame) {
        ensureStarted();
        if (!socket.send(frame)) outbox.push(frame);
      },
      /** A frame with a client_id: kept (local storage) until acknowledged, re-sent on reconnection. */
      addPending(entry) {
        store.data.pending.push(entry);
        store.save();
        ensureStarted();
        socket.send(frameFor(entry));
      }
    };
  }
  function frameFor(p) {
    if (p.type === "handoff") return { type: "handoff", client_id: p.client_id };
    if (p.type === "leave_message") {
      return {
        type: "leave_message",
        client_id: p.client_id,
        question: str(p.text),
        contact: str(p.contact),
        contact_name: str(p.contact_name),
        enterprise_name: str(p.enterprise_name)
      };
    }
    const f = { type: "message", client_id: p.client_id, text: str(p.text) };
    if (p.payload) f.payload = p.payload;
    return f;
  }

  // src/shared/cards.css
  var cards_default = "/* Cards of the bot's payloads (cards.js): in the widget's Shadow DOM after widget.css, and on the\n * knowledge console's try-it box (built to desk/static/console/cards.css). */\n.daofu-card {\n  width: 100%; margin-top: 6px; padding: 10px 12px; background: #fff; border: 1px solid #d5dce6;\n  border-top: 3px solid #1f5fbf; border-radius: 6px; font-size: 13px;\n}\n.daofu-card-head { display: flex; align-items: flex-start; gap: 8px; }\n.daofu-card-title { font-weight: 600; font-size: 14px; color: #143f80; flex: 1; }\n.daofu-card-toggle, .daofu-more {\n  border: none; background: none; color: #1f5fbf; padding: 0; font-size: 12px; white-space: nowrap;\n}\n.daofu-row { margin-top: 4px; }\n.daofu-label { color: #66788a; }\n.daofu-card ol { margin: 2px 0 0; padding-left: 22px; }\n.daofu-card li { margin: 1px 0; }\n.daofu-bundle-steps li { margin: 4px 0; }\n.daofu-step-title { font-weight: 600; }\n.daofu-step-dept, .daofu-step-note { color: #66788a; font-size: 12px; }\n.daofu-outside ul { margin: 2px 0 0; padding-left: 18px; }\n.daofu-tags { margin-top: 6px; display: flex; gap: 6px; flex-wrap: wrap; }\n.daofu-tag { font-size: 12px; padding: 0 6px; border: 1px solid #bcd0ee; border-radius: 3px; color: #1f5fbf; }\n.daofu-online {\n  display: inline-block; margin-top: 8px; padding: 4px 12px; border-radius: 4px; background: #1f5fbf;\n  color: #fff !important; text-decoration: none;\n}\n.daofu-source { margin-top: 8px; padding-top: 6px; border-top: 1px dashed #d5dce6; font-size: 12px; color: #66788a; }\n.daofu-policy-meta { color: #66788a; font-size: 12px; }\n.daofu-policy-passage { margin: 6px 0 0; padding: 6px 10px; border-left: 3px solid #bcd0ee; background: #f7f9fc; white-space: pre-wrap; }\n.daofu-card a { color: #1f5fbf; word-break: break-all; }\n\n/* 政策计算器 result (policyMatchesCard) */\n.daofu-measures { margin: 6px 0 0; padding-left: 20px; }\n.daofu-measure { margin-bottom: 8px; }\n.daofu-measure-title { font-weight: 600; }\n.daofu-conditions { margin: 4px 0; padding-left: 16px; list-style: none; font-size: 13px; }\n.daofu-met-true { color: #1d7a3a; }\n.daofu-met-false { color: #b3261e; }\n.daofu-met-null { color: #8a6d00; }\n.daofu-result-eligible { border-color: #1d7a3a; color: #1d7a3a; }\n.daofu-result-possible { border-color: #1f5fbf; }\n.daofu-result-unknown { border-color: #8a6d00; color: #8a6d00; }\n";

  // src/widget/widget.css
  var widget_default = `/* The widget's own styles, adopted into its Shadow DOM (with ../shared/cards.css after them) as a
 * constructable stylesheet: page CSS and widget CSS cannot touch each other, and a page whose CSP
 * forbids inline styles still styles the widget. */
:host { all: initial; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
.daofu-root {
  font-family: "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif;
  font-size: 14px; line-height: 1.6; color: #1f2933;
}
button { font: inherit; cursor: pointer; }
button:disabled { cursor: default; }
a { color: #1f5fbf; word-break: break-all; }
.daofu-launcher {
  position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;
  display: flex; align-items: center; gap: 6px; padding: 0 20px; height: 48px;
  border: none; border-radius: 24px; background: #1f5fbf; color: #fff; font-size: 15px; font-weight: 600;
  box-shadow: 0 4px 14px rgba(31, 95, 191, .35);
}
.daofu-launcher:hover { background: #184d9c; }
.daofu-launcher:focus-visible { outline: 3px solid #9cc0f5; outline-offset: 2px; }
.daofu-launcher-icon { width: 18px; height: 14px; border: 2px solid #fff; border-radius: 4px; position: relative; }
.daofu-launcher-icon::after {
  content: ""; position: absolute; left: 3px; bottom: -6px; border: 4px solid transparent;
  border-top-color: #fff; border-left-color: #fff;
}
.daofu-badge {
  min-width: 18px; height: 18px; padding: 0 5px; border-radius: 9px; background: #d93026; color: #fff;
  font-size: 12px; line-height: 18px; text-align: center;
}
.daofu-panel {
  position: fixed; right: 20px; bottom: 80px; z-index: 2147483000;
  width: 380px; height: 620px; max-height: calc(100vh - 100px);
  display: flex; flex-direction: column; overflow: hidden;
  background: #fff; border: 1px solid #d5dce6; border-radius: 8px; box-shadow: 0 8px 30px rgba(0, 0, 0, .18);
}
.daofu-header { background: #1f5fbf; color: #fff; padding: 10px 12px 8px 16px; flex: none; }
.daofu-header-row { display: flex; align-items: center; gap: 8px; }
.daofu-title { font-size: 16px; font-weight: 600; flex: 1; }
.daofu-close {
  width: 30px; height: 30px; border: none; border-radius: 4px; background: transparent; color: #fff; font-size: 20px; line-height: 1;
}
.daofu-close:hover { background: rgba(255, 255, 255, .15); }
.daofu-sub { font-size: 12px; opacity: .92; display: flex; gap: 10px; flex-wrap: wrap; }
.daofu-status::before {
  content: ""; display: inline-block; width: 7px; height: 7px; border-radius: 50%; margin-right: 5px;
  background: #9aa5b1; vertical-align: 1px;
}
.daofu-status[data-state="open"]::before { background: #3ddc84; }
.daofu-status[data-state="connecting"]::before { background: #f5c451; }
.daofu-toolbar { display: flex; gap: 6px; padding: 8px 12px; border-bottom: 1px solid #e4e9f0; background: #f7f9fc; flex: none; }
.daofu-tool {
  padding: 3px 10px; border: 1px solid #1f5fbf; border-radius: 4px; background: #fff; color: #1f5fbf; font-size: 13px;
}
.daofu-tool:hover:not(:disabled) { background: #eaf1fb; }
.daofu-tool:disabled { border-color: #b8c2cf; color: #8a96a3; }
.daofu-handoff { background: #1f5fbf; color: #fff; }
.daofu-handoff:hover:not(:disabled) { background: #184d9c; }
.daofu-queue { padding: 6px 12px; background: #fff7e0; color: #7a5300; border-bottom: 1px solid #f1e0b0; font-size: 13px; flex: none; }
.daofu-body { flex: 1; overflow-y: auto; padding: 12px; background: #f3f5f8; overscroll-behavior: contain; }
.daofu-list { display: flex; flex-direction: column; gap: 10px; }
.daofu-intro { padding: 10px 12px; border-radius: 6px; background: #e8f0fb; color: #234; font-size: 13px; }
.daofu-msg { display: flex; flex-direction: column; max-width: 88%; }
.daofu-msg-user { align-self: flex-end; align-items: flex-end; }
.daofu-msg-bot, .daofu-msg-staff { align-self: flex-start; align-items: flex-start; }
.daofu-msg-name { font-size: 12px; color: #66788a; margin: 0 2px 2px; }
.daofu-bubble {
  padding: 8px 11px; border-radius: 8px; white-space: pre-wrap; word-wrap: break-word; overflow-wrap: anywhere;
  background: #fff; border: 1px solid #dfe5ec;
}
.daofu-msg-user .daofu-bubble { background: #1f5fbf; border-color: #1f5fbf; color: #fff; }
.daofu-msg-user .daofu-bubble a { color: #fff; }
.daofu-msg-staff .daofu-bubble { background: #fffaf0; border-color: #f0d9a8; }
.daofu-msg-meta { font-size: 11px; color: #8a96a3; margin: 2px 2px 0; }
.daofu-sending .daofu-bubble { opacity: .7; }
.daofu-failed .daofu-msg-meta { color: #d93026; }
.daofu-msg-system { align-self: center; max-width: 94%; text-align: center; font-size: 12px; color: #66788a; white-space: pre-wrap; }
.daofu-msg-system span { background: #e6eaf0; padding: 3px 10px; border-radius: 10px; display: inline-block; }
.daofu-list > .daofu-card { width: 92%; align-self: center; }
.daofu-msg .daofu-card { min-width: 260px; }
.daofu-buttons { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 6px; }
.daofu-buttons button {
  padding: 4px 10px; border: 1px solid #1f5fbf; border-radius: 14px; background: #fff; color: #1f5fbf; text-align: left;
}
.daofu-buttons button:hover:not(:disabled) { background: #eaf1fb; }
.daofu-buttons button:disabled { border-color: #c9d1db; color: #9aa5b1; }
.daofu-buttons button.daofu-chosen { border-color: #1f5fbf; background: #eaf1fb; color: #1f5fbf; }
.daofu-typing { margin-top: 10px; font-size: 12px; color: #66788a; }
.daofu-form-field { display: block; margin-top: 8px; }
.daofu-form-field > span { display: block; color: #66788a; font-size: 12px; margin-bottom: 2px; }
.daofu-card textarea, .daofu-card input, .daofu-lookup input {
  width: 100%; font: inherit; font-size: 13px; padding: 6px 8px; border: 1px solid #c9d1db; border-radius: 4px; color: inherit; background: #fff;
}
.daofu-card textarea { resize: vertical; min-height: 60px; }
.daofu-primary {
  margin-top: 8px; padding: 5px 16px; border: none; border-radius: 4px; background: #1f5fbf; color: #fff;
}
.daofu-primary:disabled { background: #9aa5b1; }
.daofu-hint { margin-top: 4px; font-size: 12px; color: #d93026; min-height: 0; }
.daofu-stars { display: flex; gap: 4px; margin-top: 6px; }
.daofu-star { border: none; background: none; padding: 0 2px; font-size: 26px; line-height: 1; color: #c9d1db; }
.daofu-star.daofu-on { color: #f5a623; }
.daofu-star-label { font-size: 12px; color: #66788a; min-height: 18px; }
.daofu-rating-thanks { color: #1a7f37; font-weight: 600; }
.daofu-ticket-no { font-size: 22px; font-weight: 700; letter-spacing: 1px; color: #143f80; margin: 4px 0; user-select: all; word-break: break-all; }
.daofu-footer { flex: none; border-top: 1px solid #e4e9f0; background: #fff; padding: 8px 10px; }
.daofu-compose { display: flex; gap: 8px; align-items: flex-end; }
.daofu-input {
  flex: 1; resize: none; min-height: 40px; max-height: 120px; padding: 8px 10px; font: inherit; color: inherit;
  border: 1px solid #c9d1db; border-radius: 6px; background: #fff;
}
.daofu-input:focus, .daofu-card textarea:focus, .daofu-card input:focus, .daofu-lookup input:focus {
  outline: none; border-color: #1f5fbf; box-shadow: 0 0 0 2px rgba(31, 95, 191, .15);
}
.daofu-send { height: 40px; padding: 0 16px; border: none; border-radius: 6px; background: #1f5fbf; color: #fff; }
.daofu-send:hover { background: #184d9c; }
.daofu-counter { font-size: 11px; color: #66788a; text-align: right; }
.daofu-counter.daofu-over { color: #d93026; }
.daofu-lookup { display: flex; gap: 6px; align-items: center; margin-top: 6px; font-size: 12px; color: #66788a; }
.daofu-lookup input { flex: 1; min-width: 0; padding: 3px 8px; font-size: 12px; }
.daofu-lookup input.daofu-ticket-lookup-phone { flex: 0 0 5.5em; }
.daofu-lookup button { padding: 3px 10px; border: 1px solid #1f5fbf; border-radius: 4px; background: #fff; color: #1f5fbf; font-size: 12px; }
@media (max-width: 520px) {
  .daofu-panel {
    right: 0; bottom: 0; left: 0; top: 0; width: 100%; height: 100%; max-height: none;
    border: none; border-radius: 0;
  }
  .daofu-open .daofu-launcher { display: none; }
  .daofu-launcher { right: 14px; bottom: 14px; }
  .daofu-input, .daofu-card textarea, .daofu-card input, .daofu-lookup input { font-size: 16px; } /* no iOS zoom */
  .daofu-msg { max-width: 92%; }
}
@media (prefers-reduced-motion: no-preference) {
  .daofu-panel:not([hidden]) { animation: daofu-in .15s ease-out; }
  @keyframes daofu-in { from { opacity: 0; transform: translateY(8px); } to { opacity: 1; transform: none; } }
}

/* Demands (诉求): the forms and cards of demand.js. */
.daofu-card select {
  width: 100%; font: inherit; font-size: 13px; padding: 5px 8px; border: 1px solid #c9d1db; border-radius: 4px; background: #fff; color: inherit;
}
.daofu-consent { display: flex; gap: 6px; align-items: flex-start; margin-top: 8px; font-size: 12px; color: #4a5a6a; }
.daofu-consent input { width: auto; margin-top: 2px; flex: none; }
.daofu-field-error:empty { display: none; }
.daofu-muted { color: #66788a; font-size: 12px; }
.daofu-demand-reopen { margin-top: 6px; font-size: 13px; }
.daofu-demand-history { margin: 4px 0 0; padding-left: 18px; font-size: 12px; color: #4a5a6a; }
.daofu-demand-rating { margin-top: 8px; padding-top: 8px; border-top: 1px dashed #c9d1db; }
`;

  // src/widget/view.js
  var STAR_LABELS = ["", "非常不满意", "不满意", "基本满意", "满意", "非常满意"];
  var TICKET_STATUS = { open: "待回复", answered: "已回复", closed: "已办结" };
  function createHost() {
    const host = document.createElement("div");
    host.id = "daofu-widget";
    host.style.setProperty("position", "fixed", "important");
    host.style.setProperty("z-index", "2147483000", "important");
    host.style.setProperty("width", "0", "important");
    host.style.setProperty("height", "0", "important");
    const shadow = host.attachShadow({ mode: "open" });
    adoptStyles(shadow, widget_default + "\n" + cards_default);
    return { host, shadow };
  }
  function adoptStyles(shadow, css) {
    if ("adoptedStyleSheets" in shadow && typeof CSSStyleSheet === "function" && "replaceSync" in CSSStyleSheet.prototype) {
      try {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(css);
        shadow.adoptedStyleSheets = [sheet];
        return;
      } catch (e) {
      }
    }
    const style = document.createElement("style");
    style.textContent = css;
    shadow.appendChild(style);
  }
  function buildPanel(on) {
    const root = el("div", "daofu-root");
    const launcher = button("daofu-launcher", null, on.toggle);
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-label", "打开智能导服");
    const badge = el("span", "daofu-badge");
    badge.hidden = true;
    launcher.append(el("span", "daofu-launcher-icon"), el("span", null, "智能导服"), badge);
    const panel = el("div", "daofu-panel");
    panel.hidden = true;
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", "智能导服");
    const header = el("div", "daofu-header");
    const headerRow = el("div", "daofu-header-row");
    const closeBtn = button("daofu-close", "×", () => on.close());
    closeBtn.setAttribute("aria-label", "关闭");
    headerRow.append(el("div", "daofu-title", "智能导服"), closeBtn);
    const sub = el("div", "daofu-sub");
    const connStatus = el("span", "daofu-status");
    connStatus.setAttribute("role", "status");
    const serviceLine = el("span", "daofu-service", "政务服务咨询");
    sub.append(connStatus, serviceLine);
    header.append(headerRow, sub);
    const toolbar = el("div", "daofu-toolbar");
    const handoffBtn = button("daofu-tool daofu-handoff", "转人工", () => on.handoff());
    const endBtn = button("daofu-tool daofu-end", "结束对话", () => on.end());
    const trackBtn = button("daofu-tool daofu-track", "查询诉求", () => on.track());
    trackBtn.dataset.testid = "demand-track-open";
    toolbar.append(handoffBtn, trackBtn, endBtn);
    const queueLine = el("div", "daofu-queue");
    queueLine.hidden = true;
    queueLine.setAttribute("aria-live", "polite");
    const body = el("div", "daofu-body");
    const list = el("div", "daofu-list");
    list.setAttribute("aria-live", "polite");
    const typing = el("div", "daofu-typing", "智能导服正在回复…");
    typing.hidden = true;
    body.append(list, typing);
    const footer = el("div", "daofu-footer");
    const compose = el("div", "daofu-compose");
    const input2 = el("textarea", "daofu-input");
    input2.rows = 1;
    input2.placeholder = "请输入您的问题，Enter 发送";
    input2.setAttribute("aria-label", "输入您的问题");
    const sendBtn = button("daofu-send", "发送", () => on.submit());
    compose.append(input2, sendBtn);
    const counter = el("div", "daofu-counter");
    counter.hidden = true;
    const lookup = el("div", "daofu-lookup daofu-ticket-lookup");
    const lookupInput = el("input", "daofu-ticket-lookup-input");
    lookupInput.type = "text";
    lookupInput.placeholder = "输入诉求或留言编号查询";
    lookupInput.setAttribute("aria-label", "诉求或留言编号");
    const lookupPhone = el("input", "daofu-ticket-lookup-phone");
    lookupPhone.type = "text";
    lookupPhone.inputMode = "numeric";
    lookupPhone.maxLength = 4;
    lookupPhone.placeholder = "电话后四位";
    lookupPhone.setAttribute("aria-label", "联系电话后四位");
    const lookupBtn = button("daofu-ticket-lookup-button", "查询", () => on.lookup());
    for (const field2 of [lookupInput, lookupPhone]) {
      field2.addEventListener("keydown", (e) => {
        if (e.key === "Enter" && !e.isComposing) {
          e.preventDefault();
          on.lookup();
        }
      });
    }
    lookup.append(el("span", null, "进度查询"), lookupInput, lookupPhone, lookupBtn);
    footer.append(compose, counter, lookup);
    panel.append(header, toolbar, queueLine, body, footer);
    root.append(panel, launcher);
    return {
      root,
      launcher,
      badge,
      panel,
      connStatus,
      serviceLine,
      handoffBtn,
      queueLine,
      body,
      list,
      typing,
      input: input2,
      counter,
      lookupInput,
      lookupPhone,
      lookupBtn
    };
  }
  function intro() {
    return el(
      "div",
      "daofu-intro",
      "您好！我是智能导服，可以为您解答企业开办、许可审批、证照办理、惠企政策等政务服务问题。需要人工帮助时，请点击上方“转人工”。"
    );
  }
  function systemLine(text, local) {
    const line = el("div", local ? "daofu-msg daofu-msg-system daofu-local" : "daofu-msg daofu-msg-system");
    line.appendChild(el("span", null, text));
    return line;
  }
  function renderMessage(m, options) {
    const sender = ["user", "bot", "staff", "system"].includes(m.sender) ? m.sender : "system";
    const text = str(m.text);
    if (sender === "system") return systemLine(text, false);
    const wrap = el("div", `daofu-msg daofu-msg-${sender}`);
    if (sender === "bot") wrap.appendChild(el("div", "daofu-msg-name", "智能导服"));
    if (sender === "staff") wrap.appendChild(el("div", "daofu-msg-name", `人工客服 ${str(m.staff_name)}`.trim()));
    const payload = m.payload && typeof m.payload === "object" ? m.payload : {};
    const { card, showText } = payloadCard(payload.custom, { catalog: options.catalog });
    if (showText && text) {
      const bubble = el("div", "daofu-bubble");
      appendRichText(bubble, text);
      wrap.appendChild(bubble);
    }
    if (card) wrap.appendChild(card);
    const active = options.customCard ? options.customCard(payload.custom) : null;
    if (active) wrap.appendChild(active);
    if (Array.isArray(payload.buttons) && payload.buttons.length) wrap.appendChild(buttonGroup(payload.buttons, options.onChoose));
    wrap.appendChild(el("div", "daofu-msg-meta", timeLabel(m.created_at)));
    return wrap;
  }
  function sendingBubble(text) {
    const wrap = el("div", "daofu-msg daofu-msg-user daofu-sending");
    const bubble = el("div", "daofu-bubble");
    appendRichText(bubble, str(text));
    wrap.append(bubble, el("div", "daofu-msg-meta", "发送中…"));
    return wrap;
  }
  function buttonGroup(buttons, onChoose) {
    const group = el("div", "daofu-buttons");
    for (const spec of buttons) {
      if (!spec || typeof spec !== "object") continue;
      const title = str(spec.title);
      const b = button(null, title, () => {
        if (b.disabled) return;
        disableGroup(group);
        b.classList.add("daofu-chosen");
        onChoose(title, typeof spec.payload === "string" && spec.payload ? spec.payload : void 0);
      });
      group.appendChild(b);
    }
    return group;
  }
  function disableGroup(group) {
    for (const b of group.querySelectorAll("button")) b.disabled = true;
  }
  function ratingForm2(onSubmit) {
    let score = 0;
    const form = el("div", "daofu-card daofu-rating");
    form.appendChild(el("div", "daofu-card-title", "请对本次服务作出评价"));
    const stars = el("div", "daofu-stars");
    stars.setAttribute("role", "radiogroup");
    stars.setAttribute("aria-label", "评分");
    const label = el("div", "daofu-star-label", "请点击星星评分");
    const hint = el("div", "daofu-hint");
    for (let i = 1; i <= 5; i++) {
      const s = button("daofu-star", "★", () => {
        score = i;
        for (const other of stars.children) {
          const on = Number(other.dataset.score) <= i;
          other.classList.toggle("daofu-on", on);
          other.setAttribute("aria-checked", String(Number(other.dataset.score) === i));
        }
        label.textContent = STAR_LABELS[i];
        hint.textContent = "";
      });
      s.dataset.score = String(i);
      s.setAttribute("role", "radio");
      s.setAttribute("aria-checked", "false");
      s.setAttribute("aria-label", `${i} 星，${STAR_LABELS[i]}`);
      stars.appendChild(s);
    }
    const comment = el("textarea", "daofu-rating-comment");
    comment.placeholder = "意见和建议（选填）";
    comment.maxLength = 500;
    const submit = button("daofu-primary daofu-rating-submit", "提交评价", () => {
      if (!score) {
        hint.textContent = "请先选择评分";
        return;
      }
      submit.disabled = true;
      submit.textContent = "提交中…";
      for (const s of stars.children) s.disabled = true;
      comment.disabled = true;
      onSubmit(score, comment.value.trim());
    });
    form.append(stars, label, comment, hint, submit);
    return form;
  }
  function ratingThanks() {
    return el("div", "daofu-rating-thanks", "感谢您的评价");
  }
  function ratingDone() {
    return el("div", "daofu-card daofu-rating", ratingThanks());
  }
  function ticketResult(number, data, failure) {
    const box = el("div", "daofu-card daofu-ticket-result");
    box.appendChild(el("div", "daofu-card-title", `留言编号 ${number}`));
    if (!data) {
      box.appendChild(el("div", "daofu-row", failure));
      return box;
    }
    row(box, "状态", TICKET_STATUS[data.status] || str(data.status));
    row(box, "您的问题", data.question);
    const answer = str(data.answer).trim();
    const r = el("div", "daofu-row daofu-ticket-answer");
    r.appendChild(el("span", "daofu-label", "答复："));
    if (answer) appendRichText(r, answer);
    else r.appendChild(document.createTextNode("尚未回复"));
    box.appendChild(r);
    if (answer && data.answered_at) row(box, "答复时间", timeLabel(data.answered_at));
    return box;
  }

  // src/widget/main.js
  (() => {
    "use strict";
    const SCRIPT = document.currentScript || document.querySelector('script[src*="widget.js"]');
    if (window.daofuWidget || document.getElementById("daofu-widget")) return;
    const ORIGIN = scriptOrigin(SCRIPT);
    const TYPING_MS = 15e3;
    const limits = { maxMessageChars: 2e3, catalog: "广东省政务服务事项目录" };
    const counterFrom = () => Math.floor(limits.maxMessageChars * 0.75);
    function scriptOrigin(script) {
      try {
        if (script && script.src) return new URL(script.src, location.href).origin;
      } catch (e) {
      }
      return location.origin;
    }
    const store = createStore();
    const { host, shadow } = createHost();
    const ui = buildPanel({
      toggle: () => isOpen() ? closePanel() : openPanel(),
      close: () => closePanel(),
      handoff: () => requestHandoff(),
      end: () => endConversation(),
      submit: () => submitInput(),
      lookup: () => lookupTicket(ui.lookupInput.value),
      track: () => appendLocal(trackForm(lastDemandNumber(), lookupDemand))
    });
    const { root, launcher, panel, list, input: input2, queueLine, handoffBtn } = ui;
    shadow.append(root);
    const booking = createBooking({ origin: ORIGIN, shadow, append: (node) => appendLocal(node) });
    const remoteHelp = createRemoteHelp({
      origin: ORIGIN,
      store,
      shadow,
      mount: ui.panel,
      before: ui.body,
      notify: (text) => addSystemLine(text)
    });
    function mount() {
      document.body.appendChild(host);
    }
    if (document.body) mount();
    else document.addEventListener("DOMContentLoaded", mount, { once: true });
    let typingTimer = 0;
    let pageAfter = 0;
    let shownConversation = null;
    let convStatus = "bot";
    let lastStaffName = "";
    let personServed = false;
    let lastUserText = "";
    let unread = 0;
    let ratingForm3 = null;
    let leaveForm = null;
    let leaveClientId = null;
    let leaveLast4 = "";
    const seenIds = /* @__PURE__ */ new Set();
    const bubbles = /* @__PURE__ */ new Map();
    const transport = createTransport({
      origin: ORIGIN,
      store,
      after: () => pageAfter,
      onFrame: handleFrame,
      onConnecting: () => setConn("connecting"),
      onDown: () => hideTyping()
    });
    const isOpen = () => !panel.hidden;
    function openPanel() {
      panel.hidden = false;
      root.classList.add("daofu-open");
      launcher.setAttribute("aria-expanded", "true");
      setUnread(0);
      transport.ensureStarted();
      scrollToEnd();
      if (window.matchMedia && !window.matchMedia("(max-width: 520px)").matches) input2.focus();
    }
    function closePanel() {
      panel.hidden = true;
      root.classList.remove("daofu-open");
      launcher.setAttribute("aria-expanded", "false");
    }
    panel.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        closePanel();
        launcher.focus();
      }
    });
    function setUnread(n) {
      unread = n;
      ui.badge.hidden = n === 0;
      ui.badge.textContent = n > 99 ? "99+" : String(n);
    }
    function scrollToEnd() {
      requestAnimationFrame(() => {
        ui.body.scrollTop = ui.body.scrollHeight;
      });
    }
    function setConn(state) {
      ui.connStatus.dataset.state = state;
      ui.connStatus.textContent = state === "open" ? "在线" : state === "connecting" ? "连接中…" : "未连接";
    }
    setConn("idle");
    list.appendChild(intro());
    function handleFrame(f) {
      switch (f.type) {
        case "welcome":
          onWelcome(f);
          break;
        case "ack":
          onAck(f);
          break;
        case "message":
          if (f.message) onServerMessage(f.message, true);
          break;
        case "status":
          applyStatus(f.status, f.queue, f.staff_name);
          break;
        case "leave_message_form":
          store.removePending((p) => p.type === "handoff");
          showLeaveForm(f.reason);
          break;
        case "ticket":
          store.removePending((p) => p.type === "leave_message");
          showTicket(f);
          break;
        case "demand":
          onDemandFrame(f.demand);
          break;
        case "rate_request":
          personServed = true;
          showRating();
          break;
        case "rated":
          onRated();
          break;
        case "remote_help":
          remoteHelp.show(f.help);
          break;
        // 惠企政策 (PROTOCOL.md): the saved profile's token, a token the desk no longer knows, a
        // 免申即享 notice ("您已符合…，无需申请").
        case "policy_profile_saved":
          if (typeof f.token === "string" && f.token) {
            store.data.profile_token = f.token;
            store.save();
          }
          break;
        case "policy_profile_unknown":
          store.data.profile_token = null;
          store.save();
          break;
        case "notice":
          if (str(f.text)) addSystemLine(str(f.text));
          break;
        case "error":
          onError(f);
          break;
        default:
          break;
      }
    }
    function onWelcome(f) {
      applyLimits(f.limits, f.catalog);
      const cid = typeof f.conversation_id === "string" ? f.conversation_id : null;
      if (shownConversation && cid !== shownConversation) resetConversationView();
      shownConversation = cid;
      store.data.conversation_id = cid;
      if (typeof f.resume_token === "string" && f.resume_token) store.data.resume_token = f.resume_token;
      const messages = (Array.isArray(f.messages) ? f.messages : []).filter((m) => m && Number.isInteger(m.id)).sort((a, b) => a.id - b.id);
      for (const m of messages) onServerMessage(m, false);
      store.save();
      transport.welcomed();
      remoteHelp.refresh();
      setConn("open");
      applyService(f.service);
      applyStatus(f.status, f.queue, null);
      refreshButtonGroups();
      scrollToEnd();
    }
    function applyLimits(sent, catalog) {
      if (sent && typeof sent === "object" && Number.isInteger(sent.max_message_chars) && sent.max_message_chars > 0) {
        limits.maxMessageChars = sent.max_message_chars;
        updateCounter();
      }
      if (typeof catalog === "string" && catalog) limits.catalog = catalog;
    }
    function onAck(f) {
      const cid = f.client_id;
      const entry = store.data.pending.find((p) => p.client_id === cid);
      store.removePending((p) => p.client_id === cid);
      const b = bubbles.get(cid);
      if (b) markSent(b, f.id);
      if (Number.isInteger(f.id)) seenIds.add(f.id);
      if (entry && entry.type === "message" && convStatus === "bot") showTyping();
    }
    function onServerMessage(m, live) {
      if (!m || !Number.isInteger(m.id)) return;
      if (m.id > pageAfter) {
        pageAfter = m.id;
        store.data.after = m.id;
        if (live) store.save();
      }
      if (seenIds.has(m.id)) return;
      seenIds.add(m.id);
      if (m.client_id && bubbles.has(m.client_id)) {
        markSent(bubbles.get(m.client_id), m.id, m.created_at);
        store.removePending((p) => p.client_id === m.client_id);
        return;
      }
      if (m.sender === "staff") personServed = true;
      if (m.sender === "staff" && m.staff_name) lastStaffName = str(m.staff_name);
      if (m.sender === "user") lastUserText = str(m.text);
      else hideTyping();
      const node = renderMessage(m, {
        catalog: limits.catalog,
        onChoose: sendMessage,
        customCard: (custom) => demandCard(custom, live)
      });
      if (m.sender === "bot") booking.decorate(node, m);
      if (m.client_id && m.sender === "user") bubbles.set(m.client_id, node);
      insertById(node, m.id);
      if (live) {
        refreshButtonGroups();
        if (!isOpen() && m.sender !== "user") setUnread(unread + 1);
        scrollToEnd();
      }
    }
    function onError(f) {
      hideTyping();
      if (convStatus === "bot") queueLine.hidden = true;
      const code = str(f.code);
      if (code === "unknown_conversation" || code === "expired_conversation") {
        store.data.conversation_id = null;
        store.data.resume_token = null;
        store.data.after = 0;
        store.save();
        pageAfter = 0;
        resetConversationView();
        shownConversation = null;
      }
      if (leaveForm && f.client_id && f.client_id === leaveClientId) {
        store.removePending((p) => p.client_id === f.client_id);
        leaveForm.failed(str(f.message), null);
        leaveClientId = null;
        return;
      }
      if (typeof f.client_id === "string" && f.client_id) {
        store.removePending((p) => p.client_id === f.client_id);
        const b = bubbles.get(f.client_id);
        if (b) markFailed(b);
      }
      addSystemLine(str(f.message) || "出现错误，请稍后再试。");
    }
    function queueText(q) {
      if (!q || typeof q !== "object") return "排队中，请稍候…";
      const ahead = Math.max(0, (Number(q.position) || 1) - 1);
      const minutes = Math.max(1, Math.ceil((Number(q.estimated_wait_seconds) || 0) / 60));
      return `排队中：您前面还有 ${ahead} 位，预计等待约 ${minutes} 分钟`;
    }
    function applyStatus(status, queue, staffName) {
      if (!status) return;
      convStatus = status;
      if (staffName) lastStaffName = str(staffName);
      if (status === "live") personServed = true;
      if (status === "queued" || status === "live") store.removePending((p) => p.type === "handoff");
      handoffBtn.disabled = status === "queued" || status === "live";
      if (status === "queued") {
        showQueue(queueText(queue));
      } else if (status === "live") {
        hideTyping();
        showQueue(lastStaffName ? `人工客服 ${lastStaffName} 为您服务` : "人工客服为您服务");
      } else if (status === "closed") {
        hideTyping();
        showQueue("对话已结束");
        showRating();
      } else {
        queueLine.hidden = true;
        queueLine.textContent = "";
      }
    }
    function showQueue(text) {
      queueLine.textContent = text;
      queueLine.hidden = false;
    }
    function applyService(service) {
      if (!service || typeof service !== "object") return;
      if (!service.in_hours) ui.serviceLine.textContent = "非人工服务时间，可留言";
      else if (!service.staff_online) ui.serviceLine.textContent = "人工客服暂不在线，可留言";
      else ui.serviceLine.textContent = "人工客服在线";
    }
    function insertById(node, id) {
      node.dataset.id = String(id);
      for (const child of list.children) {
        if (child !== node && child.dataset.id && Number(child.dataset.id) > id) {
          list.insertBefore(node, child);
          return;
        }
      }
      const firstSending = list.querySelector(":scope > .daofu-sending");
      list.insertBefore(node, firstSending);
    }
    function appendLocal(node) {
      list.appendChild(node);
      scrollToEnd();
      return node;
    }
    function addSystemLine(text) {
      return appendLocal(systemLine(text, true));
    }
    function resetConversationView() {
      personServed = false;
      remoteHelp.reset();
      list.replaceChildren();
      seenIds.clear();
      bubbles.clear();
      ratingForm3 = null;
      leaveForm = null;
      pageAfter = 0;
      convStatus = "bot";
      queueLine.hidden = true;
      handoffBtn.disabled = false;
      list.appendChild(intro());
      for (const p of store.data.pending) if (p.type === "message") addSendingBubble(p);
    }
    function refreshButtonGroups() {
      const users = list.querySelectorAll(".daofu-msg-user");
      const lastUser = users[users.length - 1];
      if (!lastUser) return;
      for (const group of list.querySelectorAll(".daofu-buttons")) {
        if (lastUser.compareDocumentPosition(group) & Node.DOCUMENT_POSITION_PRECEDING) disableGroup(group);
      }
    }
    function showTyping() {
      ui.typing.hidden = false;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(hideTyping, TYPING_MS);
      scrollToEnd();
    }
    function hideTyping() {
      ui.typing.hidden = true;
      clearTimeout(typingTimer);
    }
    function addSendingBubble(entry) {
      const wrap = sendingBubble(entry.text);
      bubbles.set(entry.client_id, wrap);
      list.appendChild(wrap);
      refreshButtonGroups();
      scrollToEnd();
      return wrap;
    }
    function markSent(wrap, id, createdAt) {
      wrap.classList.remove("daofu-sending", "daofu-failed");
      wrap.classList.add("daofu-sent");
      if (Number.isInteger(id)) {
        seenIds.add(id);
        if (wrap.isConnected) {
          wrap.remove();
          insertById(wrap, id);
        }
      }
      const meta = wrap.querySelector(".daofu-msg-meta");
      if (meta) meta.textContent = timeLabel(createdAt);
    }
    function markFailed(wrap) {
      wrap.classList.remove("daofu-sending");
      wrap.classList.add("daofu-failed");
      const meta = wrap.querySelector(".daofu-msg-meta");
      if (meta) meta.textContent = "发送失败";
    }
    function submitInput() {
      const text = input2.value.trim();
      if (!text) return;
      const max = limits.maxMessageChars;
      if (charCount(text) > max) {
        addSystemLine(`消息过长（${charCount(text)} 字），请精简到 ${max} 字以内后再发送。`);
        return;
      }
      sendMessage(text);
      input2.value = "";
      autosize();
      updateCounter();
    }
    function sendMessage(text, payload) {
      const t = str(text).trim();
      if (!t || charCount(t) > limits.maxMessageChars) return false;
      const entry = { type: "message", client_id: uuid(), text: t };
      if (payload) entry.payload = payload;
      lastUserText = t;
      addSendingBubble(entry);
      transport.addPending(entry);
      return true;
    }
    function requestHandoff() {
      if (handoffBtn.disabled) return;
      if (!store.data.pending.some((p) => p.type === "handoff")) {
        transport.addPending({ type: "handoff", client_id: uuid() });
      }
      showQueue("正在为您转接人工客服…");
    }
    function endConversation() {
      if (!transport.started && !store.data.conversation_id) {
        addSystemLine("当前没有进行中的对话。");
        return;
      }
      transport.sendControl({ type: "end" });
      hideTyping();
      convStatus = "closed";
      showQueue("对话已结束");
      handoffBtn.disabled = false;
      showRating();
    }
    input2.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        submitInput();
      }
    });
    input2.addEventListener("input", () => {
      autosize();
      updateCounter();
    });
    function autosize() {
      input2.style.height = "auto";
      input2.style.height = `${Math.min(input2.scrollHeight + 2, 120)}px`;
    }
    function updateCounter() {
      const n = charCount(input2.value.trim());
      const max = limits.maxMessageChars;
      ui.counter.hidden = n < counterFrom();
      ui.counter.textContent = `${n}/${max}`;
      ui.counter.classList.toggle("daofu-over", n > max);
    }
    function showRating() {
      const cid = store.data.conversation_id;
      if (!personServed || cid && store.data.rated === cid) return;
      if (ratingForm3 && ratingForm3.isConnected) {
        scrollToEnd();
        return;
      }
      ratingForm3 = appendLocal(ratingForm2((score, comment) => transport.sendControl({ type: "rate", score, comment })));
    }
    function onRated() {
      if (store.data.conversation_id) {
        store.data.rated = store.data.conversation_id;
        store.save();
      }
      if (ratingForm3 && ratingForm3.isConnected) ratingForm3.replaceChildren(ratingThanks());
      else appendLocal(ratingDone());
      ratingForm3 = null;
      scrollToEnd();
    }
    function showLeaveForm(reason) {
      if (convStatus === "bot") queueLine.hidden = true;
      if (leaveForm && leaveForm.node.isConnected && !leaveClientId) {
        scrollToEnd();
        return;
      }
      leaveForm = demandForm({ leave: true, reason, content: lastUserText }, (values) => {
        leaveClientId = uuid();
        leaveLast4 = values.contact_phone.slice(-4);
        transport.addPending({
          type: "leave_message",
          client_id: leaveClientId,
          text: values.content,
          contact: values.contact_phone,
          contact_name: values.contact_name,
          enterprise_name: values.enterprise_name
        });
      });
      leaveClientId = null;
      appendLocal(leaveForm.node);
    }
    function showTicket(f) {
      const no = str(f.tracking_number);
      if (leaveLast4) rememberDemand(no, leaveLast4);
      const answer = { tracking_number: no, due_date: f.due_date };
      if (leaveForm && leaveForm.node.isConnected) leaveForm.filed(answer, leaveLast4);
      else appendLocal(filedCard(answer, true, leaveLast4));
      leaveForm = null;
      leaveClientId = null;
      ui.lookupInput.value = no;
      scrollToEnd();
    }
    function demandCard(custom, live = true) {
      if (!custom || typeof custom !== "object") return null;
      if (!live && custom.demand_form && typeof custom.demand_form === "object") {
        const reopen = el(
          "button",
          { type: "button", class: "daofu-demand-reopen", "data-testid": "demand-form-reopen" },
          "打开诉求登记表"
        );
        reopen.addEventListener("click", () => {
          const form = demandCard(custom, true);
          if (form) reopen.replaceWith(form);
        });
        return reopen;
      }
      if (custom.demand_form && typeof custom.demand_form === "object") {
        const form = demandForm(custom.demand_form, async (values, f) => {
          const result = await fileDemand(ORIGIN, values, store.data.conversation_id);
          if (!result.ok) {
            f.failed(result.detail, result.problems);
            return;
          }
          const last4 = values.contact_phone.slice(-4);
          rememberDemand(str(result.answer.tracking_number), last4);
          f.filed(result.answer, last4);
          ui.lookupInput.value = str(result.answer.tracking_number);
        });
        return form.node;
      }
      if (custom.demand_track && typeof custom.demand_track === "object") {
        return trackForm(str(custom.demand_track.tracking_number) || lastDemandNumber(), lookupDemand);
      }
      return null;
    }
    function rememberDemand(number, last4) {
      if (!number || !/^\d{4}$/.test(last4)) return;
      store.data.demands = store.data.demands.filter((d) => d.n !== number).concat([{ n: number, l4: last4 }]).slice(-10);
      store.save();
    }
    function lastDemandNumber() {
      const known = store.data.demands;
      return known.length ? known[known.length - 1].n : "";
    }
    function resultCardOf(number) {
      return [...list.querySelectorAll("[data-testid=demand-result]")].filter((card) => card.dataset.trackingNumber === number).pop() || null;
    }
    async function lookupDemand(number, last4) {
      const result = await trackDemand(ORIGIN, number, last4);
      if (result.data) {
        rememberDemand(str(result.data.tracking_number), last4);
        const shownCard = resultCardOf(str(result.data.tracking_number));
        if (shownCard && !hasRatingDraft(shownCard)) shownCard.remove();
        appendLocal(demandResult(result.data, last4));
      } else {
        appendLocal(failureCard(number, result.detail));
      }
      return result;
    }
    function demandResult(data, last4) {
      return resultCard(data, async (score, comment, box) => {
        const rated = await rateDemand(ORIGIN, str(data.tracking_number), last4, score, comment);
        if (rated.data) box.replaceWith(demandResult(rated.data, last4));
        else {
          addSystemLine(rated.detail);
          lookupDemand(str(data.tracking_number), last4);
        }
      });
    }
    function onDemandFrame(d) {
      if (!d || typeof d !== "object") return;
      const number = str(d.tracking_number);
      applyFrame(d);
      addSystemLine(`您的诉求 ${number} 有新进展：${str(d.status_text)}`);
      if (!isOpen()) setUnread(unread + 1);
      const known = store.data.demands.find((x) => x.n === number);
      const shownCard = resultCardOf(number);
      if (known && d.can_rate && !(shownCard && shownCard.dataset.status === str(d.status))) lookupDemand(number, known.l4);
    }
    async function lookupTicket(value) {
      const no = str(value).trim();
      if (!no) {
        ui.lookupInput.focus();
        return;
      }
      if (!/^DF/i.test(no) && /^\d{4}$/.test(ui.lookupPhone.value.trim())) {
        ui.lookupBtn.disabled = true;
        let found;
        try {
          found = await trackDemand(ORIGIN, no, ui.lookupPhone.value.trim());
        } finally {
          ui.lookupBtn.disabled = false;
        }
        if (found.data) {
          rememberDemand(str(found.data.tracking_number), ui.lookupPhone.value.trim());
          appendLocal(demandResult(found.data, ui.lookupPhone.value.trim()));
          return;
        }
        if (!found.missing) {
          appendLocal(failureCard(no, found.detail));
          return;
        }
      }
      ui.lookupBtn.disabled = true;
      let box;
      try {
        const last4 = encodeURIComponent(ui.lookupPhone.value.trim());
        const res = await fetch(
          `${ORIGIN}/api/tickets/${encodeURIComponent(no)}?phone_last4=${last4}`,
          { headers: { Accept: "application/json" } }
        );
        let data = null;
        try {
          data = await res.json();
        } catch (e) {
          data = null;
        }
        if (!res.ok || !data || typeof data !== "object") {
          const detail2 = data && typeof data.detail === "string" ? data.detail : "";
          box = ticketResult(no, null, detail2 || (res.status === 404 ? "未找到该留言编号，请核对后重试。" : "查询失败，请稍后再试。"));
        } else {
          box = ticketResult(no, data);
        }
      } catch (e) {
        box = ticketResult(no, null, "查询失败，请检查网络后重试。");
      } finally {
        ui.lookupBtn.disabled = false;
      }
      appendLocal(box);
    }
    for (const p of store.data.pending) if (p.type === "message") addSendingBubble(p);
    if (store.data.conversation_id || store.data.pending.length) transport.ensureStarted();
    window.daofuWidget = {
      open: openPanel,
      close: closePanel,
      send(text) {
        const ok = sendMessage(text);
        if (ok && !isOpen()) openPanel();
        return ok;
      }
    };
  })();
})();
