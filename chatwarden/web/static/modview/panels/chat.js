// The channel's chat as moderators see it, with inline actions on every message (delete,
// warn, timeout, ban; a timeout or ban takes a reason, one of the channel's rules or free
// text, and can be undone for 10 s: ../reasons.js) and the user card on a username click;
// first-time chatters, monitored or restricted users and users back from a timeout are marked
// (GET .../chat-marks, asked for a few senders at once); moderators can chat here too,
// and type Twitch's slash commands (/timeout user 10m reason, /ban, /slow 30, ...): the server
// runs them (never posts them) and answers this panel alone.

import { askReason, offerUndo } from "../reasons.js";
import { durationLabel, timeoutControl } from "../timeoutmenu.js";

export default {
  id: "chat",
  title: "Chat",
  requires: ["view_queue"],
  mount(body, ctx) {
    const { el, button, clear, clock } = ctx.dom;
    const path = `/channels/${ctx.seg(ctx.channel)}`;
    const log = el("div", { class: "chat-log scroll", role: "log", "aria-live": "off", "aria-label": "Channel chat", "data-testid": "mod-chat-log", tabindex: "0" });
    const input = el("input", { type: "text", maxlength: 500, autocomplete: "off", placeholder: "Chat as a moderator, or a /command", "aria-label": "Message or /command", "data-testid": "mod-chat-input" });
    const form = el("form", { class: "composer" }, input, el("button", { type: "submit", class: "btn primary" }, "Chat"));
    const result = el("p", { class: "muted command-result", role: "status", "data-testid": "mod-chat-result" });
    // pause on hover (as on Twitch): while the pointer is over the log it does not scroll, so a
    // line being read (or a button about to be clicked) stays put; leaving resumes at the end
    const pausedNote = el("p", { class: "chat-paused", role: "status", "data-testid": "mod-chat-paused" });
    let paused = false;
    let following = true; // at the end when the pause began
    let missed = 0;
    function showPaused() {
      pausedNote.textContent = paused ? `Chat paused while your pointer is over it${missed ? ` (${missed} new)` : ""}` : "";
    }
    log.addEventListener("pointerenter", (event) => {
      if (event.pointerType !== "mouse") return; // touch: no hover to leave again
      paused = true;
      following = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
      missed = 0;
      showPaused();
    });
    log.addEventListener("pointerleave", () => {
      if (!paused) return;
      paused = false;
      while (log.childElementCount > 300) log.firstElementChild.remove();
      if (missed && following) log.scrollTop = log.scrollHeight;
      missed = 0;
      showPaused();
    });
    body.append(log, pausedNote, form, result);
    const seen = new Set();
    const sent = new Set(); // idempotency keys of this panel's sends: their answers show here

    async function run(label, fn) {
      try {
        await fn();
        ctx.toast(label, "ok");
      } catch (err) {
        ctx.showError(err);
      }
    }

    async function del(m) {
      const reason = await ctx.prompt(`Delete this message from ${m.sender}?`, { title: "Delete message", label: "Reason (optional)", confirmLabel: "Delete" });
      if (reason === null) return;
      await run("Message deleted", () => ctx.api.del(`${path}/messages/${ctx.seg(m.message_id)}`, { reason }));
    }

    async function warn(m) {
      const reason = await ctx.prompt(`Warn ${m.sender}. They must acknowledge before chatting again.`, { title: "Warn", label: "Reason (required)", required: true, confirmLabel: "Warn" });
      if (!reason) return;
      await run(`${m.sender} warned`, () => ctx.api.post(`${path}/warnings/${ctx.seg(m.sender)}`, { reason }));
    }

    // a timeout or ban: a reason (free text or one of the channel's rules), then a toast
    // with Undo for 10 s (reasons.js)
    async function timeout(m, seconds) {
      const span = durationLabel(seconds);
      const reason = await askReason(ctx, { title: "Timeout", message: `Time ${m.sender} out for ${span}?`, confirmLabel: "Time out" });
      if (reason === null) return;
      try {
        await ctx.api.put(`${path}/timeouts/${ctx.seg(m.sender)}`, { duration_s: seconds, reason });
        offerUndo(ctx, { message: `${m.sender} timed out for ${span}`, kind: "timeout", user: m.sender });
      } catch (err) {
        ctx.showError(err);
      }
    }

    async function ban(m) {
      const reason = await askReason(ctx, { title: "Ban", message: `Ban ${m.sender} from ${ctx.channel}?`, confirmLabel: "Ban", danger: true });
      if (reason === null) return;
      try {
        await ctx.api.put(`${path}/bans/${ctx.seg(m.sender)}`, { reason });
        offerUndo(ctx, { message: `${m.sender} banned`, kind: "ban", user: m.sender });
      } catch (err) {
        ctx.showError(err);
      }
    }

    // -- marks: first-time chatters, monitored users, back from a timeout -----------------------
    const MARKS = {
      first: ["First message", "mark-first", "", "First message in this channel"],
      monitored: ["Monitored", "mark-monitored", "warn", "A monitored user (Suspicious users panel)"],
      restricted: ["Restricted", "mark-restricted", "danger", "A restricted user: their messages wait for review"],
      back: ["Back from timeout", "mark-back", "ok", "First message since their timeout ran out"],
    };
    let pending = new Map(); // sender -> their new lines, oldest first
    let marksTimer = null;
    function wantMarks(sender, node) {
      if (!ctx.can("view_user_card")) return;
      if (!pending.has(sender)) pending.set(sender, []);
      pending.get(sender).push(node);
      if (!marksTimer) marksTimer = setTimeout(fetchMarks, 250);
    }
    function mark(node, kind, when) {
      const [label, cls, tone, title] = MARKS[kind];
      const badge = el("span", { class: ["badge", "chat-mark", tone], title, "data-testid": `mark-${kind}` }, label);
      if (when) badge.title = `${title} (ended ${clock(when)})`;
      node.querySelector(".sender")?.before(badge, " ");
      node.classList.add(cls);
    }
    async function fetchMarks() {
      marksTimer = null;
      const batch = pending;
      pending = new Map();
      const names = [...batch.keys()];
      for (let i = 0; i < names.length; i += 50) {
        const chunk = names.slice(i, i + 50);
        let answer;
        try {
          answer = await ctx.api.get(`${path}/chat-marks?${chunk.map((n) => `user=${encodeURIComponent(n)}`).join("&")}`);
        } catch {
          continue; // marks are a help, not a must: the lines stay as they are
        }
        for (const name of chunk) {
          const m = answer.users[name];
          const nodes = batch.get(name).filter((n) => n.isConnected);
          if (!m || !nodes.length) continue;
          for (const n of nodes) {
            if (n.dataset.id === m.first_message_id) mark(n, "first");
            if (m.first_back_id && n.dataset.id === m.first_back_id) mark(n, "back", m.back_from_timeout);
            if (m.monitored) mark(n, m.monitored);
          }
        }
      }
    }

    // a user flagged, restricted or cleared while their lines are on screen: their badges follow
    const LOW_TRUST = { active_monitoring: "monitored", restricted: "restricted" };
    function retrust(frame) {
      const e = frame.event || {};
      const kind = LOW_TRUST[e.low_trust_status] || null;
      for (const node of log.querySelectorAll(".chat-line")) {
        if (node.dataset.sender !== e.user_login) continue;
        for (const old of ["monitored", "restricted"]) {
          node.querySelector(`[data-testid="mark-${old}"]`)?.remove();
          node.classList.remove(MARKS[old][1]);
        }
        if (kind) mark(node, kind);
      }
    }
    ctx.live.on("channel.suspicious_user.update", retrust);

    function line(m) {
      if (seen.has(m.message_id)) return;
      seen.add(m.message_id);
      const mine = m.sender === ctx.user.username;
      const actions = mine ? [] : [
        ctx.can("delete_message") ? button("Delete", () => del(m), { class: "btn small", "aria-label": `Delete message from ${m.sender}` }) : null,
        ctx.can("warn") ? button("Warn", () => warn(m), { class: "btn small", "aria-label": `Warn ${m.sender}` }) : null,
        ctx.can("timeout") ? timeoutControl(ctx, { label: "Timeout", who: m.sender, testid: "chat-timeout", onPick: (s) => timeout(m, s), attrs: { class: "btn small warn", "aria-label": `Time out ${m.sender} for 10 min` } }) : null,
        ctx.can("ban") ? button("Ban", () => ban(m), { class: "btn small danger", "aria-label": `Ban ${m.sender}` }) : null,
      ];
      const stick = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
      const node = el("div", { class: "chat-line", dataset: { id: m.message_id, sender: m.sender }, "data-testid": "mod-chat-line" },
        el("span", { class: "time" }, clock(m.delivered_at)),
        button(m.sender, () => ctx.openUserCard(m.sender), { class: "btn link sender", title: "Open user card", "data-testid": "chat-user" }),
        " ", el("span", { class: "text" }, m.text), " ",
        // on a phone (narrow or no hover) the actions hide behind one "⋯" button per line
        actions.some(Boolean) ? button("⋯", (ev) => {
          const open = node.classList.toggle("actions-open");
          ev.currentTarget.setAttribute("aria-expanded", String(open));
        }, { class: "btn small line-more", "aria-expanded": "false", "aria-label": `Actions for ${m.sender}'s message`, "data-testid": "chat-line-more" }) : null,
        el("span", { class: "line-actions" }, actions));
      log.append(node);
      if (!mine) wantMarks(m.sender, node);
      if (paused) {
        missed += 1;
        showPaused();
        return; // no trimming either: the lines under the pointer must not move
      }
      while (log.childElementCount > 300) log.firstElementChild.remove();
      if (stick) log.scrollTop = log.scrollHeight;
    }

    ctx.live.on("welcome", (w) => {
      clear(log);
      seen.clear();
      for (const m of w.recent) line({ message_id: m.id, sender: m.sender_name, text: m.text, delivered_at: m.delivered_at });
      log.scrollTop = log.scrollHeight;
    });
    ctx.live.on("message", line);
    ctx.live.on("message_deleted", (f) => {
      const node = log.querySelector(`[data-id="${CSS.escape(f.event.message_id)}"]`);
      node?.classList.add("deleted");
    });
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      const key = ctx.live.say(text);
      if (key) {
        sent.add(key);
        input.value = "";
      } else {
        ctx.toast("Not connected; nothing was sent", "error");
      }
    });
    ctx.live.on("rejected", (f) => ctx.toast(f.message || "Not sent", "error"));
    ctx.live.on("command", (f) => {
      if (!sent.delete(f.idempotency_key)) return;
      result.textContent = f.message;
      result.dataset.kind = "ok";
      ctx.toast(f.message, "ok");
    });
    ctx.live.on("error", (f) => {
      if (!sent.delete(f.idempotency_key)) return;
      result.textContent = f.message || f.code;
      result.dataset.kind = "error";
      ctx.toast(f.message || f.code, "error");
    });
  },
};
