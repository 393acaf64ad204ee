// Mod View's header bar: the channel's state with one-click toggles (Shield Mode, slow,
// followers-only, subscribers-only, emote-only, unique chat) and clear chat, the raid alert as
// a banner over the page, and a count of new holds and alerts in the tab title while the tab
// is not looked at, with an opt-in sound and desktop notification for them (./alerts.js). Every change goes through the server's API (which checks permissions);
// the state shown is the server's, reloaded on its events, so every moderator sees the same.

import { mountAlerts } from "./alerts.js";

/** Seconds of slow mode and minutes of follow age that one click turns on (Twitch's defaults). */
export const SLOW_DEFAULT_S = 30;
export const FOLLOW_DEFAULT_MIN = 0;

/** The detector's explanation without its closing advice (the banner says that itself). */
export function raidSummary(explanation) {
  return String(explanation || "")
    .replace(/\s*(Recommendation: turn on Shield Mode\.|Turning on Shield Mode\.)\s*$/, "")
    .replace(/^possible hate raid:\s*/i, "");
}

/** The chat modes that are on, as short labels ("slow 30 s", "followers-only", ...). */
export function activeModes(m) {
  const out = [];
  if (m.slow_mode_s) out.push(`slow ${m.slow_mode_s} s`);
  if (m.followers_only_min_age_s !== null && m.followers_only_min_age_s !== undefined) {
    const min = Math.round(m.followers_only_min_age_s / 60);
    out.push(min ? `followers-only (${min} min)` : "followers-only");
  }
  if (m.subscribers_only) out.push("subscribers-only");
  if (m.emote_only) out.push("emote-only");
  if (m.unique_chat) out.push("unique chat");
  if (m.non_mod_chat_delay_s) out.push(`${m.non_mod_chat_delay_s} s delay`);
  return out;
}

/** Build the sticky top of Mod View: the banner area over the bar. */
export function mountHeader(ctx) {
  const { el, button, clear } = ctx.dom;
  const path = `/channels/${ctx.seg(ctx.channel)}`;
  const canModes = ctx.can("update_chat_settings");
  const canShield = ctx.can("toggle_shield");
  const seesShield = ctx.can("view_detection");
  let modes = null;
  let shieldOn = false;

  function toggle(id, label, onClick, enabled) {
    return button(label, onClick, {
      class: "btn small mode-toggle", "aria-pressed": "false", disabled: !enabled, "data-testid": `toggle-${id}`,
    });
  }

  const shieldBtn = seesShield ? toggle("shield", "Shield Mode", () => setShield(!shieldOn), canShield) : null;
  const slowBtn = toggle("slow", "Slow", () => patch({ slow_mode_s: modes.slow_mode_s ? 0 : SLOW_DEFAULT_S }), canModes);
  const followBtn = toggle("followers", "Followers-only", () => patch({
    followers_only_min_age_s: modes.followers_only_min_age_s === null ? FOLLOW_DEFAULT_MIN * 60 : null,
  }), canModes);
  const subsBtn = toggle("subscribers", "Subscribers-only", () => patch({ subscribers_only: !modes.subscribers_only }), canModes);
  const emoteBtn = toggle("emote", "Emote-only", () => patch({ emote_only: !modes.emote_only }), canModes);
  const uniqueBtn = toggle("unique", "Unique chat", () => patch({ unique_chat: !modes.unique_chat }), canModes);
  const clearBtn = ctx.can("delete_message")
    ? button("Clear chat", clearChat, { class: "btn small danger", "data-testid": "clear-chat" }) : null;
  const alerts = mountAlerts(ctx);
  const summary = el("span", { class: "channel-state", role: "status", "data-testid": "channel-state" }, "…");
  const bar = el("section", { class: "modview-bar", "aria-label": "Channel state and emergency controls", "data-testid": "modview-bar" },
    summary,
    el("div", { class: "mode-toggles", role: "group", "aria-label": "Chat modes" },
      shieldBtn, slowBtn, followBtn, subsBtn, emoteBtn, uniqueBtn, clearBtn),
    alerts.node);
  const banners = el("div", { class: "modview-banners", "data-testid": "modview-banners" });

  function press(btn, on, title) {
    if (!btn) return;
    btn.setAttribute("aria-pressed", on ? "true" : "false");
    btn.classList.toggle("on", on);
    if (title) btn.title = title;
  }

  function render() {
    if (!modes) return;
    press(shieldBtn, shieldOn, shieldOn ? "Shield Mode is on: click to turn it off and restore the settings" : "Turn Shield Mode on");
    press(slowBtn, Boolean(modes.slow_mode_s), modes.slow_mode_s ? `Slow mode: ${modes.slow_mode_s} s (click to turn off)` : `Turn slow mode on (${SLOW_DEFAULT_S} s)`);
    slowBtn.textContent = modes.slow_mode_s ? `Slow ${modes.slow_mode_s} s` : "Slow";
    press(followBtn, modes.followers_only_min_age_s !== null);
    press(subsBtn, modes.subscribers_only);
    press(emoteBtn, modes.emote_only);
    press(uniqueBtn, modes.unique_chat);
    const on = activeModes(modes);
    if (shieldOn) on.unshift("Shield Mode");
    summary.textContent = on.length ? `On: ${on.join(", ")}` : "No chat modes on";
    summary.dataset.shield = shieldOn ? "on" : "off";
    if (shieldOn) { // turned on meanwhile (here or by another moderator): the advice is done
      banners.querySelector('[data-testid="raid-shield"]')?.remove();
      const advice = banners.querySelector('[data-testid="raid-advice"]');
      if (advice) advice.textContent = "Shield Mode is on.";
    }
  }

  async function loadModes() {
    modes = await ctx.api.get(`${path}/chat-settings`);
    render();
  }

  async function loadShield() {
    if (!seesShield) return;
    shieldOn = Boolean((await ctx.api.get(`${path}/shield`)).active);
    render();
  }

  const safe = (fn) => () => fn().catch((err) => ctx.showError(err));

  async function patch(change) {
    if (!modes) return;
    try {
      modes = await ctx.api.patch(`${path}/chat-settings`, change);
      render();
      ctx.toast("Chat modes changed (recorded in the mod log)", "ok");
    } catch (err) {
      ctx.showError(err);
    }
  }

  async function setShield(on) {
    try {
      shieldOn = Boolean((await ctx.api.put(`${path}/shield`, { active: on })).active);
      await loadModes(); // Shield Mode changes the chat modes
      if (on) clear(banners);
      ctx.toast(`Shield Mode is ${shieldOn ? "on" : "off"} (logged in the mod log)`, "ok");
    } catch (err) {
      ctx.showError(err);
    }
  }

  async function clearChat() {
    if (!(await ctx.confirm("Clear the chat? Every message now in chat is removed from every viewer's screen.", { confirmLabel: "Clear chat", danger: true }))) return;
    try {
      const r = await ctx.api.post(`${path}/chat/clear`);
      ctx.toast(`Chat cleared (${r.messages} messages removed)`, "ok");
    } catch (err) {
      ctx.showError(err);
    }
  }

  // -- raid alert banner ---------------------------------------------------------------------
  function raidBanner(frame) {
    const e = frame.event || {};
    const dismiss = button("Dismiss", () => node.remove(), { class: "btn small", "data-testid": "raid-dismiss" });
    const act = e.shield_mode_enabled || shieldOn || !canShield ? null
      : button("Turn on Shield Mode", () => setShield(true), { class: "btn small danger", "data-testid": "raid-shield" });
    const advice = e.shield_mode_enabled
      ? "Shield Mode was turned on automatically."
      : shieldOn ? "Shield Mode is on." : "Recommendation: turn on Shield Mode.";
    banners.querySelector('[data-banner="raid"]')?.remove();
    const node = el("div", { class: "raid-banner", role: "alert", dataset: { banner: "raid" }, "data-testid": "raid-alert" },
      el("p", {}, el("strong", {}, "Hate raid suspected: "), raidSummary(e.explanation)),
      el("p", { "data-testid": "raid-advice" }, el("strong", {}, advice)),
      el("div", { class: "row" }, act, dismiss));
    banners.append(node);
    loadShield().catch((err) => ctx.showError(err));
  }

  // -- tab title: new holds and alerts while the tab is not looked at ------------------------
  const baseTitle = document.title;
  let unseen = 0;
  function bump() {
    if (!(document.hidden || !document.hasFocus())) return;
    unseen += 1;
    document.title = `(${unseen}) ${baseTitle}`;
  }
  function seenAll() {
    if (document.hidden) return;
    unseen = 0;
    document.title = baseTitle;
  }
  document.addEventListener("visibilitychange", seenAll);
  window.addEventListener("focus", seenAll);

  ctx.live.on("welcome", () => Promise.all([loadModes(), loadShield()]).catch((err) => ctx.showError(err)));
  ctx.live.on("settings", safe(loadModes));
  const reloadBoth = () => Promise.all([loadModes(), loadShield()]);
  ctx.live.on("channel.shield_mode.begin", safe(reloadBoth));
  ctx.live.on("channel.shield_mode.end", safe(reloadBoth));
  ctx.live.on("channel.raid_alert", (f) => {
    raidBanner(f);
    bump();
    alerts.notify(`Hate raid suspected in ${ctx.channel}`, raidSummary(f.event?.explanation), "raid");
  });
  ctx.live.on("automod.message.hold", (f) => {
    bump();
    const who = f.event?.user_login || f.event?.user_name || "someone";
    alerts.notify(`Held for review in ${ctx.channel}`, `A message from ${who} waits for a decision`, "hold");
  });
  return el("div", { class: "modview-top" }, banners, bar);
}
