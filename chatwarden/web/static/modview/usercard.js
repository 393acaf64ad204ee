// The user card (ctx.openUserCard): a dialog with the user's history in the channel, counts,
// account age, follow date, the newest message's context (service/chat/context.py) and the mod team's
// notes (add / delete as permissions allow), the moderation history (warnings, timeouts, bans,
// deletions with who, reason and duration, from the mod log's server-side search) and trust
// flags (verified email and phone, monitored or restricted). A timeout or ban takes a reason (one
// of the channel's rules or free text) and can be undone for 10 s (./reasons.js).

import { button, clear, clock, duration, el, field } from "../js/dom.js";
import { actionName } from "./actions.js";
import { askReason, offerUndo } from "./reasons.js";
import { durationLabel, timeoutControl } from "./timeoutmenu.js";

/** The mod log's actions on a person that the user card lists as their history. */
export const HISTORY_ACTIONS = ["warn", "timeout", "untimeout", "ban", "unban", "delete", "automod.deny"];

/** One history line: "12:00 Timed out for 10 min by mod: spam". */
function historyItem(e) {
  const span = e.action === "timeout" && e.details?.duration_s ? ` for ${durationLabel(e.details.duration_s)}` : "";
  return el("li", { class: "list-item", "data-testid": "usercard-history-item" },
    el("span", { class: "muted" }, `${new Date(e.created_at).toLocaleString()} `),
    el("b", {}, `${actionName(e.action)}${span}`),
    ` by ${e.actor_name || "AutoMod"}`,
    e.reason ? `: ${e.reason}` : "");
}

export async function openUserCard(ctx, username) {
  const path = `/channels/${ctx.seg(ctx.channel)}/users/${ctx.seg(username)}`;
  const content = el("div", { class: "stack", "data-testid": "usercard-body" }, el("p", { class: "muted" }, "Loading…"));
  const close = el("button", { type: "submit", class: "btn", "data-testid": "usercard-close" }, "Close");
  const dialog = el("dialog", { class: "modal usercard", "aria-label": `User card: ${username}`, "data-testid": "usercard" },
    el("form", { method: "dialog", class: "modal-form" }, content, el("div", { class: "modal-actions" }, close)));
  document.body.append(dialog);
  dialog.addEventListener("close", () => dialog.remove());
  dialog.showModal();
  close.focus();

  async function load() {
    let card;
    try {
      card = await ctx.api.get(`${path}/card`, { messages: 50 });
    } catch (err) {
      clear(content, el("p", { class: "error" }, err.message));
      return;
    }
    // the history and the suspicious-user status: extra reads; a failure leaves them out
    const chan0 = `/channels/${ctx.seg(ctx.channel)}`;
    const [log, marks] = await Promise.all([
      ctx.can("view_mod_log")
        ? ctx.api.get(`${chan0}/modlog?${[`user=${encodeURIComponent(username)}`, "limit=20", ...HISTORY_ACTIONS.map((a) => `action=${a}`)].join("&")}`).catch(() => null)
        : null,
      ctx.api.get(`${chan0}/chat-marks?user=${encodeURIComponent(username)}`).catch(() => null),
    ]);
    const suspicious = marks?.users?.[card.user.username]?.monitored || null;
    const yesNo = (v) => (v ? "verified" : "not verified");
    const trust = el("dl", { class: "kv", "data-testid": "usercard-trust" },
      el("dt", {}, "Email"), el("dd", { "data-testid": "usercard-email" }, yesNo(card.user.email_verified)),
      el("dt", {}, "Phone"), el("dd", { "data-testid": "usercard-phone" }, yesNo(card.user.phone_verified)),
      el("dt", {}, "Suspicious user"), el("dd", { "data-testid": "usercard-suspicious" },
        suspicious ? el("span", { class: `badge ${suspicious === "restricted" ? "danger" : "warn"}` }, suspicious) : "no"));
    const historyList = log === null ? null : el("ul", { class: "list scroll", "data-testid": "usercard-history", style: { maxHeight: "200px" } },
      log.length ? log.map(historyItem) : el("li", { class: "empty" }, "No warnings, timeouts, bans or deletions here."));
    const status = card.banned
      ? el("span", { class: "badge danger" }, "banned")
      : card.timeout_until && Date.parse(card.timeout_until) > Date.now()
        ? el("span", { class: "badge warn" }, `timed out until ${clock(card.timeout_until)}`)
        : null;
    const notes = el("ul", { class: "list", "data-testid": "usercard-notes" },
      card.notes.length ? card.notes.map((n) => el("li", { class: "list-item", "data-testid": "usercard-note" },
        el("div", {}, el("span", { class: "note-text" }, n.text)),
        el("div", { class: "row muted" }, `${n.author_name}, ${new Date(n.created_at).toLocaleString()}`,
          ctx.can("delete_note") ? button("Delete note", async () => {
            if (!(await ctx.confirm("Delete this note?", { confirmLabel: "Delete", danger: true }))) return;
            try {
              await ctx.api.del(`/notes/${n.id}`);
              ctx.toast("Note deleted", "ok");
              await load();
            } catch (err) {
              ctx.showError(err);
            }
          }, { class: "btn small", "data-testid": "note-delete" }) : null)))
        : el("li", { class: "empty" }, "No notes."));
    let noteForm = null;
    if (ctx.can("add_note")) {
      const text = el("textarea", { rows: 2, maxlength: 1000, "data-testid": "note-text", "aria-label": "New note" });
      const add = el("button", { type: "button", class: "btn primary small", "data-testid": "note-add" }, "Add note");
      add.addEventListener("click", async () => {
        if (!text.value.trim()) return;
        try {
          await ctx.api.post(`${path}/notes`, { text: text.value.trim() });
          ctx.toast("Note added", "ok");
          await load();
        } catch (err) {
          ctx.showError(err);
        }
      });
      noteForm = el("div", { class: "stack" }, field("Note for the mod team (the user never sees it)", text), el("div", {}, add));
    }
    // ``fn`` returns false (cancelled), a kind to offer Undo for ("timeout", "ban"), or nothing
    const perform = async (label, fn) => {
      try {
        const done = await fn();
        if (done === false) return;
        if (done === "timeout" || done === "ban") {
          offerUndo(ctx, { message: `${label}: ${username}`, kind: done, user: username, after: () => load() });
        } else {
          ctx.toast(`${label}: ${username}`, "ok");
        }
        await load();
      } catch (err) {
        ctx.showError(err);
      }
    };
    const act = (label, fn) => button(label, () => perform(label, fn), { class: "btn small", "data-testid": `card-${label.toLowerCase()}` });
    const reasonOr = async (title, required = false) => ctx.prompt(`${title} ${username}?`, { title, label: required ? "Reason (required)" : "Reason (optional)", required });
    const chan = `/channels/${ctx.seg(ctx.channel)}`;
    const actions = el("div", { class: "row" },
      ctx.can("warn") ? act("Warn", async () => {
        const reason = await reasonOr("Warn", true);
        if (!reason) return false;
        await ctx.api.post(`${chan}/warnings/${ctx.seg(username)}`, { reason });
      }) : null,
      ctx.can("timeout") ? timeoutControl(ctx, {
        label: "Timeout",
        who: username,
        testid: "card-timeout",
        attrs: { class: "btn small", "aria-label": `Time out ${username} for 10 min` },
        onPick: (seconds) => perform("Timeout", async () => {
          const span = durationLabel(seconds);
          const reason = await askReason(ctx, { title: `Time out (${span})`, message: `Time ${username} out for ${span}?`, confirmLabel: "Time out" });
          if (reason === null) return false;
          await ctx.api.put(`${chan}/timeouts/${ctx.seg(username)}`, { duration_s: seconds, reason });
          return "timeout";
        }),
      }) : null,
      ctx.can("ban") && !card.banned ? act("Ban", async () => {
        const reason = await askReason(ctx, { title: "Ban", message: `Ban ${username} from ${ctx.channel}?`, confirmLabel: "Ban", danger: true });
        if (reason === null) return false;
        await ctx.api.put(`${chan}/bans/${ctx.seg(username)}`, { reason });
        return "ban";
      }) : null,
      ctx.can("unban") && card.banned ? act("Unban", async () => {
        const reason = await reasonOr("Unban");
        if (reason === null) return false;
        await ctx.api.del(`${chan}/bans/${ctx.seg(username)}`, { reason });
      }) : null);
    const history = el("ul", { class: "list scroll", "data-testid": "usercard-messages", style: { maxHeight: "200px" } },
      card.messages.length ? card.messages.map((m) => el("li", { class: "list-item" },
        el("span", { class: "muted" }, `${clock(m.created_at)} `),
        m.status !== "delivered" ? el("span", { class: "badge warn" }, m.status) : null, " ", m.text))
        : el("li", { class: "empty" }, "No messages in this channel."));
    clear(content,
      el("div", { class: "usercard-head" }, el("h2", { "data-testid": "usercard-name" }, card.user.username),
        el("span", { class: "badge" }, card.role.replace("_", " ")), status),
      el("dl", { class: "kv" },
        el("dt", {}, "Account age"), el("dd", { "data-testid": "usercard-age" }, duration(card.account_age_s)),
        el("dt", {}, "Created"), el("dd", {}, new Date(card.user.created_at).toLocaleDateString()),
        el("dt", {}, "Following since"), el("dd", { "data-testid": "usercard-follow" }, card.followed_at ? new Date(card.followed_at).toLocaleString() : "not following")),
      el("div", { class: "counts" },
        el("div", { class: "count" }, el("b", { "data-testid": "count-warnings" }, String(card.warnings)), "warnings"),
        el("div", { class: "count" }, el("b", { "data-testid": "count-timeouts" }, String(card.timeouts)), "timeouts"),
        el("div", { class: "count" }, el("b", { "data-testid": "count-bans" }, String(card.bans)), "bans"),
        el("div", { class: "count" }, el("b", {}, String(card.messages.length)), "messages")),
      // the newest message's context as when it was sent (information; AutoMod did not use it)
      card.context && card.context.explanations.length ? el("p", { class: "muted", "data-testid": "usercard-context" },
        `Newest message's context: ${card.context.explanations.join("; ")}`) : null,
      card.user.username === ctx.user.username ? null : actions,
      el("h3", {}, "Trust"), trust,
      historyList ? el("h3", {}, "Moderation history") : null, historyList,
      el("h3", {}, "Recent messages"), history,
      el("h3", {}, "Notes"), notes, noteForm);
  }
  await load();
  return dialog;
}
