// "/c/{channel}": the viewers' chat page. Read and send over the chat WebSocket; every outcome
// of a send (held, denied, blocked, timed out, banned, rate limited, ...) becomes a notice in
// the log; warnings must be acknowledged; a banned viewer can file an unban request. The
// channel's active chat modes show above the input before anyone types; the log keeps
// following new lines (banners above it included) unless the reader scrolled up, when a
// "new messages" button takes them back down. The channel's rules, when it has any, are a
// closed "Rules" disclosure at the top.

import { api, ApiError, seg } from "../js/api.js";
import { button, clear, clock, duration, el, field } from "../js/dom.js";
import { emailBox } from "../js/email.js";
import { Live } from "../js/live.js";
import { header, requireUser, showError, statusLine } from "../js/ui.js";

const root = document.getElementById("app");
const channel = decodeURIComponent((location.pathname.match(/^\/c\/([^/]+)/) || [])[1] || "");

const REJECTED_TITLES = {
  banned: "You are banned from this channel.",
  timed_out: "You are timed out.",
  warning_unacknowledged: "Acknowledge the moderators' warning to chat again.",
  followers_only: "Followers-only mode.",
  subscribers_only: "Subscribers-only mode.",
  emote_only: "Emote-only mode.",
  slow_mode: "Slow mode.",
  duplicate_message: "Unique chat: that message was just sent.",
  rate_limited: "You are sending messages too fast.",
};

/** What the channel's chat modes ask of a viewer, one short phrase each (empty: none on). */
export function modeLines(m, following) {
  const out = [];
  if (m.followers_only_min_age_s !== null && m.followers_only_min_age_s !== undefined) {
    const min = Math.round(m.followers_only_min_age_s / 60);
    out.push(`Followers-only${min ? ` (after following for ${duration(min * 60)})` : ""}${following ? "" : ": follow the channel to chat"}`);
  }
  if (m.subscribers_only) out.push("Subscribers-only");
  if (m.emote_only) out.push("Emote-only: emotes only");
  if (m.slow_mode_s) out.push(`Slow mode: one message every ${duration(m.slow_mode_s)}`);
  if (m.unique_chat) out.push("Unique chat: no repeated messages");
  if (m.non_mod_chat_delay_s) out.push(`Messages appear after ${duration(m.non_mod_chat_delay_s)}`);
  return out;
}

/** A detection block, told as what to do next (the detector's reasoning stays with the mods). */
const DETECTION_ADVICE = "The channel's automatic moderation stopped this message. Write your own message in your own words, without repeating it or posting it in several places, and keep to the channel's rules.";

async function main() {
  const user = await requireUser();
  let access;
  try {
    access = await api.get(`/channels/${seg(channel)}/permissions`);
  } catch (err) {
    clear(root, header("Chat", user), el("main", { id: "main", class: "notice-page" },
      el("h1", {}, "Chat"), el("p", { class: "error", role: "alert" }, err instanceof ApiError ? err.message : String(err)),
      el("p", {}, el("a", { href: "/" }, "Back to the channel list"))));
    document.body.dataset.ready = "1";
    return;
  }
  const live = new Live(channel);
  const log = el("div", { class: "chat-log", role: "log", "aria-live": "polite", "aria-label": `Chat of ${channel}`, tabindex: "0", "data-testid": "chat-log" });
  const banners = el("div", { class: "banners", "data-testid": "banners" });
  const input = el("input", { type: "text", name: "message", maxlength: 500, autocomplete: "off", placeholder: "Send a message", "aria-label": "Message", "data-testid": "chat-input" });
  const send = el("button", { type: "submit", class: "btn primary", "data-testid": "chat-send" }, "Chat");
  const composer = el("form", { class: "composer", "aria-label": "Send a message" }, input, send);
  const modes = el("p", { class: "chat-modes", role: "status", "data-testid": "chat-modes" });
  // the channel's rules (GET /channels/{name}/rules): one closed disclosure above the chat,
  // absent while the channel has none; kept current by the "channel.rules.update" event
  const rulesList = el("ol", { class: "rules-list", "data-testid": "chat-rules-list" });
  const rulesSummary = el("summary", {}, "Rules");
  const rules = el("details", { class: "chat-rules", "data-testid": "chat-rules", hidden: true }, rulesSummary, rulesList);
  // (the button hands the focus to the log: it hides itself, and focus must not vanish with it)
  const jump = button("New messages ↓", () => { toBottom(); log.focus(); }, { class: "btn small primary new-messages", "data-testid": "new-messages" });
  jump.hidden = true;
  const conn = statusLine({ "data-testid": "connection" });
  const follow = button("Follow", () => toggleFollow(), { class: "btn small", "data-testid": "follow" });
  const modLink = access.permissions.includes("view_queue")
    ? el("a", { class: "btn small", href: `/mod/${seg(channel)}` }, "Mod View") : null;
  clear(root,
    header(`#${channel}`, user, [el("span", { class: "role-badge", "data-testid": "role" }, access.role.replace("_", " ")), follow, modLink]),
    el("main", { id: "main", class: "chat-main", tabindex: "-1" }, conn.node, rules, banners,
      el("div", { class: "chat-log-wrap" }, log, jump), modes, composer));

  const seen = new Set();
  const pending = new Map(); // idempotency key -> text
  const heldNotices = new Map(); // message id -> notice element
  let following = access.role === "follower"; // (other roles may follow too; a click corrects it)
  follow.textContent = following ? "Unfollow" : "Follow";

  async function toggleFollow() {
    try {
      following = !following;
      await (following ? api.put(`/channels/${seg(channel)}/follow`) : api.del(`/channels/${seg(channel)}/follow`));
      follow.textContent = following ? "Unfollow" : "Follow";
      showModes();
    } catch (err) {
      following = !following;
      showError(err);
    }
  }

  // following: whether the log sticks to its newest line. Only the reader's own scrolling
  // changes it, so a banner that shrinks the log (warning, timeout, ban) does not stop it.
  // (A scroll event arrives after the layout it came from may have changed, so "scrolled up"
  // means the position went up from where this code last put it, not "not at the bottom".)
  let stick = true;
  let autoTop = 0;
  function atBottom() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  }
  function keepUp() {
    log.scrollTop = log.scrollHeight;
    autoTop = log.scrollTop;
  }
  function toBottom() {
    stick = true;
    jump.hidden = true;
    keepUp();
  }
  log.addEventListener("scroll", () => {
    if (atBottom()) {
      stick = true;
      jump.hidden = true;
    } else if (log.scrollTop < autoTop - 2) {
      stick = false; // the reader scrolled up: keep their place
    }
    autoTop = Math.min(autoTop, log.scrollTop);
  });
  new ResizeObserver(() => {
    if (stick) keepUp();
  }).observe(log);

  function add(node) {
    log.append(node);
    while (log.childElementCount > 500) log.firstElementChild.remove();
    if (stick) keepUp();
    else jump.hidden = false;
    return node;
  }

  let chatModes = null;
  function showModes() {
    const lines = chatModes ? modeLines(chatModes, following) : [];
    modes.textContent = lines.length ? `Chat modes: ${lines.join(" · ")}.` : "";
  }
  async function loadModes() {
    try {
      chatModes = await api.get(`/channels/${seg(channel)}/chat-settings`);
      showModes();
    } catch {
      // the modes line is a hint; the server still answers every send
    }
  }

  function line(m) {
    if (seen.has(m.message_id)) return;
    seen.add(m.message_id);
    const mine = m.sender === user.username;
    add(el("div", { class: ["chat-line", mine ? "mine" : null], dataset: { id: m.message_id } },
      el("span", { class: "time" }, clock(m.delivered_at || m.sent_at)),
      (m.badges || []).map((b) => el("span", { class: "badge", title: b }, b.replace("_", " "))), " ",
      el("span", { class: "sender" }, m.sender), el("span", { class: "text" }, m.text)));
  }

  function notice(kind, ...parts) {
    return add(el("div", { class: ["notice", kind], role: "status", "data-testid": "notice" }, ...parts));
  }

  function banner(id, kind, ...parts) {
    banners.querySelector(`[data-banner="${id}"]`)?.remove();
    const node = el("div", { class: ["banner", kind], dataset: { banner: id }, role: "alert", "data-testid": `banner-${id}` }, ...parts);
    banners.append(node);
    return node;
  }

  function dropBanner(id) {
    banners.querySelector(`[data-banner="${id}"]`)?.remove();
  }

  function warningBanner(reason) {
    const ack = button("I understand", () => live.send({ type: "ack_warning" }), { class: "btn primary", "data-testid": "ack-warning" });
    banner("warning", "warn", el("p", {}, el("b", {}, "A moderator warned you. "), reason ? `Reason: ${reason}` : "No reason given."),
      el("p", { class: "muted" }, "Acknowledge the warning to chat again."), ack);
    ack.focus();
  }

  function bannedBanner(reason) {
    const text = el("textarea", { rows: 3, maxlength: 500, required: true, "data-testid": "unban-text", "aria-label": "Why should you be unbanned?" });
    const problem = el("p", { class: "error", role: "alert" });
    const form = el("form", { class: "stack", "aria-label": "Unban request" },
      field("Ask to be unbanned (the moderators will read this)", text), problem,
      el("div", {}, el("button", { type: "submit", class: "btn primary", "data-testid": "unban-submit" }, "Send unban request")));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        await api.post(`/channels/${seg(channel)}/unban-requests`, { text: text.value.trim() });
        clear(form, el("p", { "data-testid": "unban-filed" }, "Your unban request was sent. You will see the moderators' answer here."));
      } catch (err) {
        problem.textContent = err.message;
      }
    });
    banner("banned", "bad", el("p", {}, el("b", {}, "You are banned from this channel. "), reason ? `Reason: ${reason}` : ""), form);
  }

  function timeoutBanner(seconds, reason) {
    const until = Date.now() + seconds * 1000;
    const left = el("b", {}, duration(seconds));
    const node = banner("timeout", "warn", el("p", {}, "You are timed out for ", left, ". ", reason ? `Reason: ${reason}` : ""));
    const timer = setInterval(() => {
      const s = (until - Date.now()) / 1000;
      if (s <= 0 || !node.isConnected) {
        clearInterval(timer);
        node.remove();
        return;
      }
      left.textContent = duration(s);
    }, 1000);
  }

  // a channel (or Shield Mode) asks for a verified email: add or verify it right here
  let verifyBox = null;
  function verifyEmailBanner() {
    if (verifyBox) return;
    verifyBox = emailBox({
      testid: "verify-email",
      onVerified: () => {
        verifyBox = null;
        dropBanner("verify-email");
        notice("good", "Your email address is verified. You can chat now.");
        input.focus();
      },
    });
    banner("verify-email", "warn", el("p", {}, el("b", {}, "Verify your email. "), "This channel asks for a verified email address before you chat."), verifyBox.node);
  }

  function rejected(frame, text) {
    const why = REJECTED_TITLES[frame.reason] || "Your message was not sent.";
    const retry = frame.retry_after_s ? ` Try again in ${duration(frame.retry_after_s)}.` : "";
    notice("bad", el("b", {}, "Not sent: "), frame.message || why, retry, text ? el("div", { class: "notice-text" }, text) : null);
    if (frame.reason === "warning_unacknowledged") warningBanner(null);
    if (frame.reason === "banned") bannedBanner(null);
    if (frame.reason === "verification_required" && /email/.test(frame.message || "")) verifyEmailBanner();
    if (frame.reason === "timed_out" && frame.retry_after_s) timeoutBanner(frame.retry_after_s, null);
  }

  function showRules(list) {
    clear(rulesList, list.map((rule) => el("li", {}, rule)));
    clear(rulesSummary, `Rules of ${channel} (${list.length})`);
    rules.hidden = list.length === 0;
  }
  async function loadRules() {
    try {
      showRules((await api.get(`/channels/${seg(channel)}/rules`)).rules || []);
    } catch {
      // the rules are information; chat works without them
    }
  }

  live.on("status", ({ state }) => {
    conn.set(state === "open" ? "" : state === "connecting" ? "Connecting…" : state === "signed_out" ? "Signed out; log in again." : "Disconnected; reconnecting…");
    send.disabled = state !== "open";
  });
  live.on("welcome", (w) => {
    clear(log);
    seen.clear();
    for (const m of w.recent) line({ ...m, message_id: m.id, sender: m.sender_name, badges: [] });
    toBottom();
    loadModes();
    loadRules();
    if (w.max_message_length) input.maxLength = w.max_message_length;
    document.body.dataset.ready = "1";
  });
  live.on("message", line);
  live.on("settings", loadModes);
  live.on("channel.rules.update", (f) => showRules(f.event?.rules || []));
  live.on("message_deleted", (f) => {
    const node = log.querySelector(`[data-id="${CSS.escape(f.event.message_id)}"]`);
    if (node) {
      node.classList.add("deleted");
      // removed_by: "automod" (automatic moderation, e.g. a bot wave) or "moderator" (a delete or a clear)
      const who = f.event.removed_by === "automod" ? "AutoMod" : "a moderator";
      node.querySelector(".text")?.append(el("span", { class: "muted removed-by" }, ` (removed by ${who})`));
    }
  });
  live.on("channel.chat.clear", () => notice("", "A moderator cleared the chat."));
  live.on("moderation", (f) => {
    const e = f.event || {};
    const target = e[e.action] || {};
    if (!target.user_login || target.user_login === user.username) return;
    if (e.action === "ban") notice("", `${target.user_login} was banned.`);
    if (e.action === "timeout") notice("", `${target.user_login} was timed out.`);
  });
  for (const kind of ["sent", "held", "blocked", "rejected", "error", "command"]) {
    live.on(kind, (f) => {
      const text = pending.get(f.idempotency_key);
      pending.delete(f.idempotency_key);
      if (kind === "sent") {
        verifyBox?.refresh(); // verified meanwhile (the mail's link, another tab): say so
        if (f.status === "delayed") notice("", "Sent; it appears after the channel's chat delay.");
      } else if (kind === "held") {
        const n = notice("held", el("b", {}, "Held for review: "), f.message || "a moderator will check your message.",
          text ? el("div", { class: "notice-text" }, text) : null);
        if (f.message_id) heldNotices.set(f.message_id, n);
      } else if (kind === "blocked") {
        const detected = f.reason === "detection"; // say what to do, not how the detector works
        notice("bad", el("b", {}, detected ? "Not sent. " : "Blocked: "), detected ? DETECTION_ADVICE : f.message || "your message was blocked.",
          text ? el("div", { class: "notice-text" }, text) : null);
      } else if (kind === "rejected") {
        rejected(f, text);
      } else if (kind === "command") {
        notice("good", f.message); // a slash command ran (it was not posted)
      } else if (f.code) {
        notice("bad", el("b", {}, "Error: "), f.message || f.code, text ? el("div", { class: "notice-text" }, text) : null);
      }
    });
  }
  live.on("warning_acknowledged", () => {
    dropBanner("warning");
    notice("good", "Warning acknowledged. You can chat again.");
    input.focus();
  });
  live.on("notice", (n) => {
    const held = heldNotices.get(n.message_id);
    switch (n.kind) {
      case "message_allowed":
        if (held) held.className = "notice good";
        notice("good", "A moderator approved your held message; it is now in chat.");
        break;
      case "message_denied":
        if (held) held.className = "notice bad";
        notice("bad", el("b", {}, "Denied: "), "a moderator did not approve your held message. It was not shown.");
        break;
      case "message_expired":
        notice("bad", "Your held message was not reviewed in time and was not shown.");
        break;
      case "message_deleted":
        notice("bad", "A moderator deleted one of your messages.");
        break;
      case "warned":
        notice("bad", el("b", {}, "Warning: "), n.reason || "no reason given");
        warningBanner(n.reason);
        break;
      case "timed_out":
        notice("bad", el("b", {}, "Timed out "), `for ${duration(n.duration_s || 0)}.`, n.reason ? ` Reason: ${n.reason}` : "");
        timeoutBanner(n.duration_s || 0, n.reason);
        break;
      case "untimed_out":
        dropBanner("timeout");
        notice("good", "Your timeout was lifted.");
        break;
      case "banned":
        notice("bad", el("b", {}, "Banned. "), n.reason ? `Reason: ${n.reason}` : "");
        bannedBanner(n.reason);
        break;
      case "unbanned":
        dropBanner("banned");
        notice("good", "You were unbanned. You can chat again.");
        break;
      case "unban_request_resolved":
        notice(n.status === "approved" ? "good" : "bad", el("b", {}, `Unban request ${n.status}. `), n.note ? `Moderators' note: ${n.note}` : "");
        break;
      default:
        break;
    }
  });

  composer.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    const key = live.say(text);
    if (!key) {
      notice("bad", "Not connected; your message was not sent.");
      return;
    }
    pending.set(key, text);
    input.value = "";
    input.focus();
  });

  // where the user stands already (after a reload): banned, timed out, warned
  if (access.banned) bannedBanner(null);
  if (access.timeout_left_s) timeoutBanner(access.timeout_left_s, null);
  if (access.warning !== null && access.warning !== undefined) warningBanner(access.warning);
  // earlier unban requests of this user (e.g. after a reload while banned)
  api.get(`/channels/${seg(channel)}/unban-requests/mine`).then((mine) => {
    const pendingRequests = mine.filter((x) => x.status === "pending");
    for (const r of pendingRequests) {
      notice("held", `Your unban request from ${clock(r.created_at)} is waiting for the moderators.`);
    }
    const form = banners.querySelector('[data-banner="banned"] form');
    if (form && pendingRequests.length) {
      clear(form, el("p", { "data-testid": "unban-filed" }, "Your unban request was sent. You will see the moderators' answer here."));
    }
  }).catch(() => {});
  live.connect();
  input.focus();
}

main().catch(showError);
