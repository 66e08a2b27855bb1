/* 导服 · 知识库管理 (editor console, /console/knowledge).
 * Plain JavaScript, no framework: an ES module bundled by esbuild (desk/frontend/build.mjs).
 *
 * Talks to the knowledge API of desk/PROTOCOL.md ("Editor console"). SECURITY: every text from the
 * knowledge base, users or the bot is set with textContent / createTextNode (through el()); no HTML
 * string is ever parsed from data.
 */
import { payloadCard } from '../shared/cards.js';
import { $, el, formatDateTime, onReady, str } from '../shared/dom.js';
import { busy, consoleSocket, createClient, createToast, goLogin, isEditor, showMe, wireLogout } from './common.js';
import './measures.js'; // the 政策措施 tab (申兑指南 review)

const formatTime = formatDateTime;
const POLL_MS = 2000;            // job polling: fallback for /ws/console "reindex" frames
const IDLE_POLL_EVERY = 5;       // with the socket up and no job running: one poll in 5 ticks
const PAGE_SIZE = 50;

const KIND_LABELS = { item: "事项", policy: "政策", faq: "问答", bundle: "一件事" };
const JOB_LABELS = { queued: "排队中", running: "重建中", ready: "已完成，待发布", published: "已发布", failed: "失败" };
const JOB_RANK = { queued: 0, running: 1, ready: 2, published: 3, failed: 3 };
const ACTIVE = { queued: true, running: true };
const ACTION_LABELS = { add: "新增", replace: "修改", delete: "删除", restore: "恢复" };
const LEVEL_LABELS = { high: "高置信 · 直接回答", medium: "中置信 · 请用户选择", low: "低置信 · 未找到" };
const FIELD_LABELS = {
  id: "编号", kind: "类型", name: "事项名称", department: "实施部门", item_type: "事项类型",
  materials: "申请材料", statutory_time_limit: "法定时限", promised_time_limit: "承诺时限",
  location: "办理地点", consult_phone: "咨询电话", complaint_phone: "投诉电话",
  conditions: "受理条件与依据", service_objects: "服务对象", themes: "主题", level: "层级",
  url: "办事指南链接", online_booking: "网上预约", courier: "快递送达", region: "地区",
  catalog_name: "所属目录", basis: "设定依据", source: "来源文件",
  title: "标题", issuer: "发文机关", doc_number: "发文字号", date: "发布日期",
  effective_date: "生效日期", expiry_date: "失效日期", body: "正文",
  question: "问题", variants: "相似问法", answer: "答案", item_id: "关联事项", author: "作者",
  steps: "步骤（按顺序）", intro: "开头说明", outside_catalog: "目录外环节", note: "备注",
};
const BUNDLE_LABELS = { name: "名称", variants: "常见问法" };
const POLICY_FIELDS = ["title", "issuer", "doc_number", "date", "effective_date", "expiry_date", "body"];
const DATE_FIELDS = { date: true, effective_date: true, expiry_date: true };
const LONG_FIELDS = { conditions: true, body: true, answer: true, basis: true };
const UPLOAD_ACCEPT = {
  policy: ".pdf,.docx,.html,.htm,.txt,.md",
  catalog: ".xlsx,.csv,.jsonl",
  bundle: ".jsonl",
};

// ---------------------------------------------------------------- helpers (the rest: common.js)

function safeClass(value) { return str(value).replace(/[^a-z0-9_-]/gi, ""); }

function kindTag(kind) {
  return el("span", { class: "kind-tag kind-" + safeClass(kind || "item"), text: KIND_LABELS[kind] || kind || "—" });
}

const client = createClient({ statusTexts: { 403: "需要知识编辑或管理员权限", 413: "文件太大" } });
const api = client.api;
const request = client.request;
const toast = createToast(6000, 3500);

/** The visible error box (#kb-error): the API's detail and, for uploads, every bad record. */
function showError(err) {
  if (err && err.status === 401) return;  // already leaving for the login page
  const detail = err && err.detail ? err.detail : str(err && err.message ? err.message : err);
  $("#kb-error-detail").textContent = detail || "操作失败";
  const table = $("#kb-error-problems");
  const problems = err && Array.isArray(err.problems) ? err.problems : [];
  const rows = problems.map((p) => {
    const item = p && typeof p === "object" ? p : { reason: p };
    return el("tr", null, [
      el("td", { text: str(item.file) }),
      el("td", { text: item.line === undefined || item.line === null ? "—" : str(item.line) }),
      el("td", { text: str(item.reason) }),
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

// ---------------------------------------------------------------- state

const state = {
  me: null,
  view: "records",
  offset: 0,
  total: 0,
  detail: null,           // {record, kind, expired, chunks} of the open drawer
  job: null,
  jobEpoch: 0,            // bumped when an action sets the job: older poll answers are dropped
  wantReindexFor: 0,      // a KB version that still needs a re-index once the running job ends
  versions: [],
  tick: 0,
};

// ---------------------------------------------------------------- tabs

const VIEWS = ["records", "upload", "versions", "publish", "gaps", "faqs", "bundles"];

function showView(view) {
  state.view = view;
  for (const name of VIEWS) {
    const on = name === view;
    const tab = $("#tab-" + name);
    tab.classList.toggle("active", on);
    tab.setAttribute("aria-selected", String(on));
    $("#view-" + name).hidden = !on;
  }
  if (view === "records") loadRecords();
  else if (view === "versions") loadVersions();
  else if (view === "publish") refreshJob();
  else if (view === "gaps") loadGaps();
  else if (view === "faqs") loadFaqs();
  else if (view === "bundles") loadBundles();
}

// ---------------------------------------------------------------- records

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
  const path = recordsQuery($("#filter-kind").value, $("#filter-q").value.trim(),
    $("#filter-department").value.trim(), $("#filter-validity").value, state.offset);
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
  const row = el("tr", { class: "record-row" + (r.expired ? " expired" : ""), tabindex: "0" }, [
    el("td", null, kindTag(r.kind)),
    el("td", { class: "record-title", text: r.title || r.id || "" }),
    el("td", { text: str(r.department) }),
    el("td", { text: str(r.doc_number) }),
    el("td", { text: str(r.date) }),
    el("td", { text: str(r.effective_date) }),
    el("td", { text: str(r.expiry_date) }),
    el("td", null, r.expired ? el("span", { class: "expired-tag", title: "已失效的文件不用于回答", text: "已失效" })
      : el("span", { class: "valid-tag", text: "有效" })),
  ]);
  row.dataset.id = str(r.id);
  row.dataset.kind = str(r.kind);
  return row;
}

// ---------------------------------------------------------------- detail drawer

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
    return el("dl", { class: "field-object" }, Object.entries(value).flatMap(([k, v]) =>
      [el("dt", { text: FIELD_LABELS[k] || k }), el("dd", null, valueNode(v))]));
  }
  if (typeof value === "boolean") return document.createTextNode(value ? "是" : "否");
  if (value === null || value === undefined || value === "") return el("span", { class: "muted", text: "（空）" });
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
  // Identity and metadata first, long text last; a policy shows its dates even when unset.
  const first = kind === "policy" ? ["id"].concat(POLICY_FIELDS.filter((k) => k !== "body"))
    : kind === "faq" ? ["id", "question", "variants", "answer", "item_id"]
    : kind === "bundle" ? ["id", "name", "variants", "intro", "steps", "outside_catalog"] : ["id", "name", "department"];
  const keys = first.filter((k) => kind === "policy" || k in record)
    .concat(Object.keys(record).filter((k) => first.indexOf(k) < 0 && k !== "body"));
  if ("body" in record || kind === "policy") keys.push("body");
  for (const key of keys) {
    if (key === "kind") continue;
    const dd = el("dd", { dataset: { field: key } }, key === "steps" && kind === "bundle" ? stepsNode(record.steps) : valueNode(record[key]));
    if (key === "body") dd.classList.add("field-body");
    const label = (kind === "bundle" && BUNDLE_LABELS[key]) || FIELD_LABELS[key] || key;
    fields.push(el("dt", { text: label }), dd);
  }
  const dl = $("#detail-fields");
  dl.replaceChildren.apply(dl, fields);

  const chunks = Array.isArray(data.chunks) ? data.chunks : [];
  $("#detail-chunk-count").textContent = "共 " + chunks.length + " 段";
  const ol = $("#detail-chunks");
  const items = chunks.map((c) => el("li", { class: "chunk" }, [
    el("span", { class: "chunk-pos", text: "#" + str(c.position) }),
    el("span", { class: "chunk-text", text: str(c.text) }),
  ]));
  if (!items.length) items.push(el("li", { class: "muted", text: "没有检索切分。" }));
  ol.replaceChildren.apply(ol, items);

  $("#detail-form").hidden = true;
  $("#detail-fields-box").hidden = false;
  $("#detail-edit").disabled = false;
  drawer.hidden = false;
}

/** A bundle's steps, one line each: "名称（部门）— 备注" and the item id (click: open the item). */
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
      el("div", null, open),
    ]);
  }));
}

function closeDetail() {
  state.detail = null;
  $("#record-detail").hidden = true;
}

// ----- edit form

function formField(key, value, kind) {
  const id = "edit-" + key;
  const label = el("label", { for: id, text: FIELD_LABELS[key] || key });
  let input;
  if (Array.isArray(value) || (kind === "faq" && key === "variants")) {
    input = el("textarea", { id: id, rows: "4" });
    input.value = (Array.isArray(value) ? value : []).map(str).join("\n");
    input.dataset.type = "list";
    label.appendChild(el("span", { class: "muted hint-line", text: "每行一项" }));
  } else if (typeof value === "boolean") {
    input = el("input", { id: id, type: "checkbox" });
    input.checked = value;
    input.dataset.type = "bool";
  } else if (typeof value === "number") {
    input = el("input", { id: id, type: "number", step: "any" });
    input.value = String(value);
    input.dataset.type = "number";
  } else if (DATE_FIELDS[key]) {
    const v = str(value);
    const iso = !v || /^\d{4}-\d{2}-\d{2}$/.test(v);
    input = el("input", { id: id, type: iso ? "date" : "text", placeholder: "YYYY-MM-DD" });
    input.value = v;
    input.dataset.type = "date";
  } else if (LONG_FIELDS[key] || str(value).length > 60) {
    input = el("textarea", { id: id, rows: key === "body" ? "14" : "4" });
    input.value = str(value);
    input.dataset.type = "text";
  } else {
    input = el("input", { id: id, type: "text" });
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
    for (const key of POLICY_FIELDS) nodes.push.apply(nodes, formField(key, record[key] === undefined ? "" : record[key], kind));
  } else if (kind === "faq") {
    for (const key of ["question", "variants", "answer", "item_id"]) {
      nodes.push.apply(nodes, formField(key, record[key] === undefined ? (key === "variants" ? [] : "") : record[key], kind));
    }
  } else {
    for (const [key, value] of Object.entries(record)) {
      if (key === "id" || key === "kind" || key === "source") continue;
      if (value && typeof value === "object" && !Array.isArray(value)) continue;  // kept as is
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

// ---------------------------------------------------------------- upload

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
      "：新增 " + added.length + " 条，替换 " + replaced.length + " 条。",
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

// ---------------------------------------------------------------- versions

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
  return "事项 " + (Number(counts.items) || 0) + " · 政策 " + (Number(counts.policies) || 0) + " · 问答 " + (Number(counts.faqs) || 0) +
    " · 一件事 " + (Number(counts.bundles) || 0);
}

function versionRow(v) {
  const changes = Array.isArray(v.changes) ? v.changes : [];
  const restore = el("button", { class: "btn btn-small restore", type: "button",
    text: v.latest ? "当前版本" : "恢复到此版本", title: v.latest ? "这已是最新版本" : "生成一个与 v" + v.number + " 相同的新版本，并自动重建、发布" });
  restore.disabled = Boolean(v.latest);
  restore.dataset.number = str(v.number);
  const li = el("li", { class: "version-row" + (v.latest ? " latest" : "") + (v.published ? " published" : "") }, [
    el("div", { class: "version-head" }, [
      el("span", { class: "version-no", text: "v" + str(v.number) }),
      v.latest ? el("span", { class: "badge badge-latest", text: "最新" }) : null,
      v.published ? el("span", { class: "badge badge-published", text: "线上" }) : null,
      el("span", { class: "version-author", text: str(v.author) || "系统" }),
      el("time", { class: "muted", datetime: str(v.created_at), text: formatTime(v.created_at) }),
      el("span", { class: "muted", text: countsText(v.counts) }),
      el("div", { class: "spacer" }),
      restore,
    ]),
    el("div", { class: "version-summary", text: str(v.summary) || "（无摘要）" }),
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
        el("span", { class: "mono muted", text: str(c.id) }),
      ]));
    }
    if (changes.length > 50) ul.appendChild(el("li", { class: "muted", text: "…共 " + changes.length + " 项改动" }));
    li.appendChild(el("details", { class: "version-details" }, [el("summary", { text: "改动明细（" + changes.length + "）" }), ul]));
  }
  return li;
}

async function restoreVersion(button) {
  const number = button.dataset.number;
  if (!window.confirm("恢复到版本 v" + number + "？\n将生成一个与 v" + number + " 内容相同的新版本，并在后台重建索引后自动发布。")) return;
  await busy(button, async () => {
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

// ---------------------------------------------------------------- status line

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
  } catch (err) { /* shown when the editor opens the tab */ }
}

// ---------------------------------------------------------------- jobs

/** After any change: report the new version and make sure its re-index runs. */
async function afterChange(version, job) {
  if (version && version.number !== undefined) toast("已生成知识库版本 v" + version.number + "，正在后台重建索引", "ok");
  refreshVersionsQuietly();
  if (!version || version.number === undefined) return;
  if (job && typeof job === "object" && Number(job.kb_version) >= Number(version.number)) {
    takeJob(job);  // the desk started the re-index of this version itself
    return;
  }
  await ensureReindex(Number(version.number));
}

async function ensureReindex(number) {
  let job = null;
  try { job = await api("GET", "/api/kb/jobs/latest"); } catch (err) { /* start one below */ }
  if (job && Number(job.kb_version) >= number) {
    takeJob(job);
    return;
  }
  if (job && ACTIVE[job.status]) {
    // One job at a time: start ours when this one ends.
    state.wantReindexFor = Math.max(state.wantReindexFor, number);
    takeJob(job);
    return;
  }
  await startReindex();
}

async function startReindex(button) {
  await busy(button, async () => {
    try {
      const job = await api("POST", "/api/kb/reindex");
      if (job) takeJob(job);
    } catch (err) {
      showError(err);
    }
  });
}

/** A job from an action's answer: newer than anything a poll in flight may bring. */
function takeJob(job) {
  state.jobEpoch += 1;
  state.job = null;
  setJob(job);
}

function setJob(job) {
  const current = state.job;
  if (job && current && str(job.id) !== str(current.id) && isOlder(job, current)) return;  // e.g. a superseded job
  if (job && current && str(job.id) === str(current.id)) {
    const a = JOB_RANK[job.status] === undefined ? 0 : JOB_RANK[job.status];
    const b = JOB_RANK[current.status] === undefined ? 0 : JOB_RANK[current.status];
    if (a < b || (a === b && (Number(job.done) || 0) < (Number(current.done) || 0))) return;  // stale
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

/** Job ids grow with every job the desk starts. */
function isOlder(job, than) {
  const a = Number(job.id);
  const b = Number(than.id);
  return !isNaN(a) && !isNaN(b) && a < b;
}

function renderJob() {
  const job = state.job;
  const status = $("#job-status");
  const progress = $("#job-progress");
  const dot = $("#tab-job-dot");
  if (!job) {
    status.textContent = "暂无重建任务";
    status.dataset.status = "none";
    status.dataset.jobId = "";
    status.className = "job-status";
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
  status.dataset.status = st;
  status.dataset.jobId = str(job.id);
  status.className = "job-status job-" + safeClass(st);
  status.textContent = (JOB_LABELS[st] || st) + (job.publish_when_ready && ACTIVE[st] ? "（完成后自动发布）" : "");
  const total = Number(job.total) || 0;
  const done = Number(job.done) || 0;
  if (st === "ready" || st === "published") {
    progress.max = 1;
    progress.value = 1;
  } else if (total > 0) {
    progress.max = total;
    progress.value = Math.min(done, total);
  } else if (ACTIVE[st]) {
    progress.removeAttribute("value");  // indeterminate
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
  if (epoch !== state.jobEpoch) return;  // an action set a newer job meanwhile
  if (!job && state.job) return;
  setJob(job);
}

function pollTick() {
  state.tick += 1;
  const active = state.job && ACTIVE[state.job.status];
  if (!socket.up || active || state.tick % IDLE_POLL_EVERY === 0) refreshJob();
}

async function publish(button) {
  const job = state.job;
  if (!job || job.status !== "ready") return;
  await busy(button, async () => {
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

// ---------------------------------------------------------------- try it

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
      res = await api("POST", "/api/kb/try", { question: question });
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
  versionLabel.textContent = [answer.index_version ? "索引 " + answer.index_version : "", answer.kb_version ? "知识库 v" + answer.kb_version : ""]
    .filter(Boolean).join(" · ");
  const nodes = [];
  const confidence = Number(answer.confidence);
  nodes.push(el("div", { class: "try-level level-" + safeClass(answer.level) }, [
    el("span", { class: "badge", text: LEVEL_LABELS[answer.level] || str(answer.level) || "—" }),
    answer.confidence === undefined || answer.confidence === null || isNaN(confidence) ? null
      : el("span", { class: "muted", text: "置信度 " + confidence.toFixed(2) }),
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
      const li = el("li", null, [kindTag(h.kind), el("span", { class: "hit-title", text: str(h.title) || str(h.id) }),
        el("span", { class: "mono muted", text: isNaN(score) ? "" : score.toFixed(3) })]);
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
  // The card a user would get in the widget (shared/cards.js), and the text where the widget shows it.
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
      if (title !== undefined && title !== null && title !== "") {
        chips.appendChild(el("span", { class: "chip", title: b && b.payload ? str(b.payload) : "", text: str(title) }));
      }
    }
    node.appendChild(chips);
  }
  return node;
}

// ---------------------------------------------------------------- gaps and FAQs

async function loadGaps() {
  const days = $("#gaps-days").value || "30";
  const list = $("#gaps-list");
  let gaps;
  try {
    gaps = await api("GET", "/api/kb/gaps?" + new URLSearchParams({ days: days }).toString());
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
  const button = el("button", { class: "btn btn-small btn-primary gap-faq", type: "button", text: "写成常见问题" });
  button.addEventListener("click", () => {
    const label = str(g.label) || examples[0] || "";
    openFaqDialog({ question: label, variants: examples.filter((e) => e !== label) });
  });
  const convs = Array.isArray(g.conversation_ids) ? g.conversation_ids : [];
  return el("div", { class: "gap-card" }, [
    el("div", { class: "gap-head" }, [
      el("span", { class: "gap-label", text: str(g.label) || "（未命名）" }),
      el("span", { class: "gap-count", title: "出现次数", text: str(g.count) + " 次" }),
      el("div", { class: "spacer" }),
      button,
    ]),
    el("div", { class: "gap-sources muted", text: "未答出 " + (Number(sources.unanswered) || 0) + " · 转人工 " +
      (Number(sources.escalated) || 0) + " · 差评 " + (Number(sources.bad_rating) || 0) +
      (convs.length ? " · 涉及会话 " + convs.length + " 个" : "") }),
    examples.length ? el("ul", { class: "gap-examples" }, examples.map((e) => el("li", { text: e }))) : null,
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
    question: question,
    variants: $("#faq-variants").value.split("\n").map((s) => s.trim()).filter(Boolean),
    answer: answer,
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

// The FAQ and 一件事 tabs list records of one kind the same way.
async function loadKindList(kind, prefix, unit, emptyText) {
  const q = $("#" + prefix + "-q").value.trim();
  const params = new URLSearchParams({ kind: kind, validity: "all", offset: "0", limit: "200" });
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
    const row = el("tr", { class: "record-row", tabindex: "0" }, [
      el("td", null, kindTag(r.kind || kind)),
      el("td", { class: "record-title", text: str(r.title) || str(r.id) }),
      el("td", { text: str(r.department) }),
      el("td", { class: "mono", text: str(r.id) }),
    ]);
    row.dataset.id = str(r.id);
    return row;
  });
  if (!rows.length) rows.push(el("tr", { class: "empty-row" }, el("td", { colspan: "4", text: emptyText })));
  list.replaceChildren.apply(list, rows);
}

function loadFaqs() {
  return loadKindList("faq", "faqs", "条", "还没有常见问题。可在“知识缺口”中把答不上的问题写成常见问题。");
}

// ----- bundles (一件事)

let bundleEditing = null;  // id of the bundle the dialog edits; null: a new one

function openBundleDialog(record) {
  const r = record || {};
  bundleEditing = r.id ? str(r.id) : null;
  $("#bundle-form-title").textContent = bundleEditing ? "编辑一件事（保存后生成新的知识库版本）" : "新建一件事";
  $("#bundle-name").value = str(r.name);
  $("#bundle-variants").value = (Array.isArray(r.variants) ? r.variants : []).map(str).join("\n");
  $("#bundle-intro").value = str(r.intro);
  $("#bundle-steps").value = (Array.isArray(r.steps) ? r.steps : []).map((s) =>
    s && typeof s === "object" ? (str(s.item_id) + (s.note ? " " + str(s.note) : "")) : str(s)).join("\n");
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
  // One step per line: the item id, then (after a space) the note.
  const steps = lines("#bundle-steps").map((line) => {
    const match = /^(\S+)[\s\u3000]*(.*)$/.exec(line);
    return { item_id: match ? match[1] : line, note: match ? match[2].trim() : "" };
  });
  if (!name || !steps.length) {
    showError({ detail: "一件事需要填写名称和至少一个步骤（事项编码）" });
    return;
  }
  const body = { name: name, variants: lines("#bundle-variants"), intro: $("#bundle-intro").value.trim(),
    steps: steps, outside_catalog: lines("#bundle-outside") };
  const editing = bundleEditing;
  await busy($("#bundle-submit"), async () => {
    let res;
    try {
      res = editing ? await api("PUT", "/api/kb/bundles/" + encodeURIComponent(editing), body)
        : await api("POST", "/api/kb/bundles", body);
    } catch (err) {
      showError(err);
      // The dialog stays open over the page's error box: say it here too, so the editor can fix the steps.
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

// ---------------------------------------------------------------- socket

const socket = consoleSocket({
  downText: "重连中…",
  onUp: refreshJob,
  onFrame: (frame) => {
    if (frame.type === "reindex" && frame.job && typeof frame.job === "object") {
      setJob(frame.job);
    } else if (frame.type === "kb_version") {
      refreshVersionsQuietly();
    }
  },
});

// ---------------------------------------------------------------- wiring

function onRowActivate(tbody, handler) {
  tbody.addEventListener("click", (event) => {
    const row = event.target.closest("tr.record-row");
    if (row && row.dataset.id) handler(row.dataset.id);
  });
  tbody.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    const row = event.target.closest("tr.record-row");
    if (row && row.dataset.id) handler(row.dataset.id);
  });
}

function wire() {
  wireLogout(client);
  for (const name of VIEWS) $("#tab-" + name).addEventListener("click", () => showView(name));
  $("#kb-error-close").addEventListener("click", clearError);

  $("#records-filter").addEventListener("submit", (event) => { event.preventDefault(); state.offset = 0; loadRecords(); });
  for (const id of ["#filter-kind", "#filter-validity"]) {
    $(id).addEventListener("change", () => { state.offset = 0; loadRecords(); });
  }
  $("#records-prev").addEventListener("click", () => { state.offset = Math.max(0, state.offset - PAGE_SIZE); loadRecords(); });
  $("#records-next").addEventListener("click", () => { state.offset += PAGE_SIZE; loadRecords(); });
  onRowActivate($("#records-list"), openDetail);
  onRowActivate($("#faqs-list"), openDetail);
  onRowActivate($("#bundles-list"), openDetail);

  $("#detail-close").addEventListener("click", closeDetail);
  $("#detail-edit").addEventListener("click", openEdit);
  $("#detail-cancel").addEventListener("click", renderDetail);
  $("#detail-delete").addEventListener("click", deleteRecord);
  $("#detail-form").addEventListener("submit", (event) => { event.preventDefault(); saveEdit(); });

  $("#upload-kind").addEventListener("change", () => {
    $("#upload-file").setAttribute("accept", UPLOAD_ACCEPT[$("#upload-kind").value] || "");
  });
  $("#upload-form").addEventListener("submit", (event) => { event.preventDefault(); upload(); });

  $("#versions-refresh").addEventListener("click", (e) => busy(e.currentTarget, loadVersions));
  $("#versions-list").addEventListener("click", (event) => {
    const button = event.target.closest("button.restore");
    if (button && !button.disabled) restoreVersion(button);
  });

  $("#reindex").addEventListener("click", (e) => startReindex(e.currentTarget));
  $("#publish").addEventListener("click", (e) => publish(e.currentTarget));
  $("#try-form").addEventListener("submit", (event) => { event.preventDefault(); tryIt(); });

  $("#gaps-days").addEventListener("change", loadGaps);
  $("#gaps-refresh").addEventListener("click", (e) => busy(e.currentTarget, loadGaps));
  $("#faqs-filter").addEventListener("submit", (event) => { event.preventDefault(); loadFaqs(); });
  $("#faq-new").addEventListener("click", () => openFaqDialog({}));
  $("#faq-cancel").addEventListener("click", closeFaqDialog);
  $("#faq-form").addEventListener("submit", (event) => { event.preventDefault(); submitFaq(); });
  $("#bundles-filter").addEventListener("submit", (event) => { event.preventDefault(); loadBundles(); });
  $("#bundle-new").addEventListener("click", () => openBundleDialog(null));
  $("#bundle-cancel").addEventListener("click", closeBundleDialog);
  $("#bundle-form").addEventListener("submit", (event) => { event.preventDefault(); submitBundle(); });

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
  if (!state.me) { goLogin(); return; }
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
