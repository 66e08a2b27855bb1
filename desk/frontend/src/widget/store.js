/* What the widget keeps in localStorage (key daofu.widget; desk/PROTOCOL.md "Widget"): the
 * conversation and its resume token, the last message id, the sent-but-unacknowledged frames.
 *
 * localStorage can be missing or throw (private mode, sandboxed iframe): then the widget still
 * works for this page view, it just forgets on reload.
 */

const STORAGE_KEY = 'daofu.widget';

export function createStore() {
  return {
    data: load(),
    save() {
      try { localStorage.setItem(STORAGE_KEY, JSON.stringify(this.data)); } catch (e) { /* memory only */ }
    },
    /** Take out the pending frames `pred` matches; saves only when something was removed. */
    removePending(pred) {
      const before = this.data.pending.length;
      this.data.pending = this.data.pending.filter((p) => !pred(p));
      if (this.data.pending.length !== before) this.save();
    },
  };
}

function load() {
  let raw = null;
  try { raw = JSON.parse(localStorage.getItem(STORAGE_KEY) || 'null'); } catch (e) { raw = null; }
  const d = raw && typeof raw === 'object' ? raw : {};
  return {
    conversation_id: typeof d.conversation_id === 'string' && d.conversation_id ? d.conversation_id : null,
    // The secret that lets this browser, and only it, resume the conversation (PROTOCOL.md).
    resume_token: typeof d.resume_token === 'string' && d.resume_token ? d.resume_token : null,
    // The 政策计算器's saved enterprise profile (PROTOCOL.md "惠企政策"): sent in hello, so the bot
    // does not ask again and 免申即享 notices reach this browser.
    profile_token: typeof d.profile_token === 'string' && d.profile_token ? d.profile_token : null,
    after: Number.isInteger(d.after) && d.after > 0 ? d.after : 0,
    pending: Array.isArray(d.pending)
      ? d.pending.filter((p) => p && typeof p.client_id === 'string' && typeof p.type === 'string')
      : [],
    // The conversation already rated, so a reload does not ask again.
    rated: typeof d.rated === 'string' ? d.rated : null,
    // Demands filed or looked up here ({n: tracking number, l4: the phone's last 4 digits}), so a
    // live `demand` frame can show the reply at once (demand.js).
    demands: Array.isArray(d.demands)
      ? d.demands.filter((x) => x && typeof x.n === 'string' && /^\d{4}$/.test(x.l4)).slice(-10)
      : [],
  };
}

export function uuid() {
  // randomUUID exists only in secure contexts; plain-http government sites are common.
  if (window.crypto && typeof crypto.randomUUID === 'function') {
    try { return crypto.randomUUID(); } catch (e) { /* insecure context */ }
  }
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
