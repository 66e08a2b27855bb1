/* DOM and text helpers shared by the widget and the consoles.
 *
 * SECURITY: every string becomes a text node or textContent; no HTML string is ever parsed, so text
 * from users, the bot, the knowledge base or staff cannot run as code.
 */

/** '' for null and undefined, else String(value). */
export function str(value) {
  return value === undefined || value === null ? '' : String(value);
}

// The server counts characters as Unicode code points (Python len), not UTF-16 units.
export const charCount = (s) => Array.from(str(s)).length;
export const isWebUrl = (u) => /^https?:\/\//i.test(str(u).trim());

export function $(selector, root) {
  return (root || document).querySelector(selector);
}

/**
 * Build an element. `attrs` is a class name (string) or an object: `class`, `text` (textContent),
 * `dataset`, anything else an attribute (true: present, false/null/undefined: left out). Strings and
 * numbers among `children` become text nodes.
 */
export function el(tag, attrs, children) {
  const node = document.createElement(tag);
  if (typeof attrs === 'string') {
    node.className = attrs;
  } else if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = String(value);
      else if (key === 'dataset') Object.assign(node.dataset, value);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
  }
  appendAll(node, children);
  return node;
}

export function appendAll(node, children) {
  if (children === undefined || children === null) return;
  if (!Array.isArray(children)) children = [children];
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** A type="button" button (never submits a form of the host page). */
export function button(className, text, onClick) {
  const b = el('button', className, text);
  b.type = 'button';
  if (onClick) b.addEventListener('click', onClick);
  return b;
}

export function externalLink(href, text, className) {
  const a = el('a', className, text);
  a.href = href;
  a.target = '_blank';
  a.rel = 'noopener noreferrer';
  return a;
}

/** Plain text with http(s) addresses turned into links; built from text nodes, so still no HTML. */
export function appendRichText(parent, text) {
  const re = /https?:\/\/[^\s<>"'，。；、！？）】》「」]+/g;
  let last = 0;
  let m;
  while ((m = re.exec(text))) {
    const url = m[0].replace(/[.,;:!?)\]]+$/, '');
    if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
    parent.appendChild(externalLink(url, url));
    last = m.index + url.length;
    re.lastIndex = last;
  }
  if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
}

export function truncate(text, max) {
  const s = str(text);
  return s.length > max ? s.slice(0, max) + '…' : s;
}

export function pad2(n) {
  return n < 10 ? '0' + n : String(n);
}

/** Parse an ISO time; a value without an offset is taken as UTC (the store keeps UTC). */
export function parseTime(iso) {
  if (!iso) return null;
  let s = String(iso);
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) s = s.replace(' ', 'T') + 'Z';
  const d = new Date(s);
  return isNaN(d.getTime()) ? null : d;
}

/** Local time: HH:MM:SS today, MM-DD HH:MM:SS on other days, YYYY-MM-DD HH:MM withDate. */
export function formatTime(iso, withDate) {
  const d = parseTime(iso);
  if (!d) return iso ? String(iso) : '';
  const hms = pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + ':' + pad2(d.getSeconds());
  const now = new Date();
  const sameDay = d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate();
  if (withDate) {
    return d.getFullYear() + '-' + pad2(d.getMonth() + 1) + '-' + pad2(d.getDate()) + ' ' + pad2(d.getHours()) + ':' + pad2(d.getMinutes());
  }
  return sameDay ? hms : pad2(d.getMonth() + 1) + '-' + pad2(d.getDate()) + ' ' + hms;
}

/** Local time in full: YYYY-MM-DD HH:MM:SS. */
export function formatDateTime(iso) {
  const d = parseTime(iso);
  if (!d) return str(iso);
  return d.getFullYear() + '-' + pad2(d.getMonth() + 1) + '-' + pad2(d.getDate()) + ' ' +
    pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + ':' + pad2(d.getSeconds());
}

/** The widget's short time: HH:MM today, MM-DD HH:MM on other days (now when iso is empty). */
export function timeLabel(iso) {
  const d = iso ? new Date(iso) : new Date();
  if (isNaN(d.getTime())) return '';
  const p = (n) => String(n).padStart(2, '0');
  const hm = `${p(d.getHours())}:${p(d.getMinutes())}`;
  return d.toDateString() === new Date().toDateString() ? hm : `${p(d.getMonth() + 1)}-${p(d.getDate())} ${hm}`;
}

/** Run fn once the DOM is ready. */
export function onReady(fn) {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', fn);
  else fn();
}
