// The AutoMod queue, live: each held message with its category, level and score and the
// triggering words highlighted in the original text; Allow / Deny / Deny + timeout / Ban by
// click or key (j/k move, a d t b act); below it, who handled what.

import { durationLabel, timeoutControl } from "../timeoutmenu.js";

const TIMEOUT_S = 600;
const CATEGORY_NAMES = {
  disability: "Disability",
  sexuality_sex_or_gender: "Sexuality, sex or gender",
  misogyny: "Misogyny",
  race_ethnicity_or_religion: "Race, ethnicity or religion",
  sex_based_terms: "Sex-based terms",
  aggression: "Aggression",
  bullying: "Bullying",
  swearing: "Swearing",
};

export function categoryName(c) {
  return CATEGORY_NAMES[c] || String(c);
}

function fromItem(item) {
  return {
    id: item.id,
    user: item.message.sender_name,
    text: item.message.text,
    reasons: item.reasons || [],
    heldAt: item.held_at,
  };
}

function fromHold(event) {
  return {
    id: event.review_item_id,
    user: event.user_login,
    text: event.message.text,
    reasons: (event.decision && event.decision.reasons) || [],
    heldAt: event.held_at,
  };
}

export default {
  id: "queue",
  title: "AutoMod queue",
  requires: ["view_queue"],
  size: "wide",
  mount(body, ctx) {
    const { el, button, clear, highlight, clock } = ctx.dom;
    const items = new Map(); // id -> item (insertion order = oldest first)
    let selected = null;
    const count = el("span", { class: "badge", "data-testid": "queue-count" }, "0");
    body.closest(".panel")?.querySelector(".panel-title")?.append(count);
    const list = el("div", { class: "queue-list scroll", "data-testid": "queue-list", role: "list" });
    const handled = el("ol", { class: "list handled", "data-testid": "queue-handled", reversed: true });
    const canResolve = ctx.can("resolve_held");
    const hint = el("p", { class: "muted queue-hint" }, "Keys: ", el("kbd", {}, "j"), "/", el("kbd", {}, "k"), " move, ",
      el("kbd", {}, "a"), " allow, ", el("kbd", {}, "d"), " deny, ", el("kbd", {}, "t"), " deny + timeout, ",
      el("kbd", {}, "b"), " ban, ", el("kbd", {}, "?"), " help.");
    body.append(hint, list, el("h3", {}, "Handled"), handled);

    function reasonBadges(reasons) {
      return reasons.map((r) => {
        if (r.kind === "category") {
          return el("span", { class: "badge danger", "data-testid": "queue-category" },
            `${categoryName(r.category)} · level ${r.level} · score ${Number(r.score).toFixed(2)}`);
        }
        const term = r.term === null || r.term === undefined ? "a private term" : `“${r.term}”`;
        return el("span", { class: "badge warn", "data-testid": "queue-term" }, `${r.kind === "permitted" ? "permitted" : "blocked"} term ${term}`);
      });
    }

    const nodes = new Map(); // id -> its <article>; rendering is incremental so a new hold
    // never takes the keyboard focus away from the message a moderator is working on

    function itemNode(item) {
      const spans = item.reasons.flatMap((r) => r.spans || []);
      return el("article", {
        class: "queue-item",
        role: "listitem",
        "aria-label": `Held message from ${item.user}`,
        dataset: { itemId: String(item.id) },
        "data-testid": "queue-item",
        tabindex: "-1",
        on: { focusin: () => select(item.id, false) },
      },
      el("div", { class: "queue-meta" },
        button(item.user, () => ctx.openUserCard(item.user), { class: "btn link", "data-testid": "queue-user", title: "Open user card" }),
        el("span", { class: "muted" }, clock(item.heldAt)), reasonBadges(item.reasons)),
      el("p", { class: "queue-text", "data-testid": "queue-text" }, highlight(item.text, spans)),
      canResolve ? el("div", { class: "queue-actions" },
        button("Allow", () => act(item, "allow"), { class: "btn ok small", "aria-keyshortcuts": "a", title: "Allow (a)" }),
        button("Deny", () => act(item, "deny"), { class: "btn small", "aria-keyshortcuts": "d", title: "Deny (d)" }),
        ctx.can("timeout") ? timeoutControl(ctx, { label: "Deny + timeout", who: item.user, testid: "queue-timeout", onPick: (s) => act(item, "timeout", s),
          attrs: { class: "btn warn small", "aria-keyshortcuts": "t", title: `Deny and time out for ${TIMEOUT_S / 60} min (t); ▾ for other durations` } }) : null,
        ctx.can("ban") ? button("Ban", () => act(item, "ban"), { class: "btn danger small", "aria-keyshortcuts": "b", title: "Deny and ban (b)" }) : null) : null);
    }

    const empty = el("p", { class: "empty", "data-testid": "queue-empty" }, "Nothing is waiting for review.");

    function refresh() {
      count.textContent = String(items.size);
      if (selected !== null && !items.has(selected)) selected = null;
      if (selected === null && items.size) selected = items.keys().next().value;
      if (!items.size && !empty.isConnected) list.append(empty);
      if (items.size && empty.isConnected) empty.remove();
      for (const [id, node] of nodes) {
        const on = id === selected;
        node.classList.toggle("selected", on);
        node.setAttribute("aria-current", on ? "true" : "false");
      }
    }

    function add(item) {
      if (items.has(item.id)) return;
      items.set(item.id, item);
      const node = itemNode(item);
      nodes.set(item.id, node);
      list.append(node);
      refresh();
    }

    function replaceAll(all) {
      items.clear();
      nodes.clear();
      clear(list);
      for (const item of all) add(item);
      refresh();
    }

    function select(id, focus = true) {
      if (selected === id) return;
      selected = id;
      refresh();
      const node = nodes.get(id);
      if (node && focus) {
        node.focus({ preventScroll: true });
        node.scrollIntoView({ block: "nearest" });
      }
    }

    function move(delta) {
      const ids = [...items.keys()];
      if (!ids.length) return;
      const at = Math.max(0, ids.indexOf(selected));
      const next = ids[Math.min(ids.length - 1, Math.max(0, at + delta))];
      selected = null;
      select(next);
    }

    function handledLine(who, verb, user, text) {
      handled.prepend(el("li", { class: "list-item", "data-testid": "handled-item" },
        el("b", {}, who || "AutoMod"), ` ${verb} `, el("b", {}, user), text ? ": " : "", el("span", { class: "muted" }, text)));
      while (handled.childElementCount > 30) handled.lastElementChild.remove();
    }

    async function act(item, what, seconds = TIMEOUT_S) {
      if (!items.has(item.id)) return;
      try {
        await ctx.api.post(`/queue/${item.id}`, { action: what === "allow" ? "allow" : "deny" });
      } catch (err) {
        ctx.showError(err);
        if (err.code === "conflict") drop(item.id);
        return;
      }
      drop(item.id);
      const path = `/channels/${ctx.seg(ctx.channel)}`;
      try {
        if (what === "timeout") {
          await ctx.api.put(`${path}/timeouts/${ctx.seg(item.user)}`, { duration_s: seconds, reason: "held message denied (AutoMod queue)" });
          ctx.toast(`Denied and timed out ${item.user} for ${durationLabel(seconds)}`, "ok");
        } else if (what === "ban") {
          await ctx.api.put(`${path}/bans/${ctx.seg(item.user)}`, { reason: "held message denied (AutoMod queue)" });
          ctx.toast(`Denied and banned ${item.user}`, "ok");
        }
      } catch (err) {
        ctx.showError(err);
      }
    }

    function drop(id) {
      const ids = [...items.keys()];
      const at = ids.indexOf(id);
      if (at < 0) return;
      items.delete(id);
      const gone = nodes.get(id);
      nodes.delete(id);
      const hadFocus = gone !== undefined && gone.contains(document.activeElement);
      gone?.remove();
      // the selection moves to the next message (or the previous one at the end)
      if (selected === id) selected = ids[at + 1] ?? ids[at - 1] ?? null;
      refresh();
      const next = nodes.get(selected);
      if (next && (hadFocus || document.activeElement === document.body)) next.focus({ preventScroll: true });
    }

    async function loadHandled() {
      if (!ctx.can("view_mod_log")) return;
      const path = `/channels/${ctx.seg(ctx.channel)}/modlog`;
      const [approved, denied] = await Promise.all([
        ctx.api.get(path, { action: "automod.approve", limit: 15 }),
        ctx.api.get(path, { action: "automod.deny", limit: 15 }),
      ]);
      const recent = [...approved, ...denied].sort((x, y) => x.id - y.id).slice(-15);
      clear(handled);
      for (const e of recent) {
        handledLine(e.actor_name, e.action === "automod.approve" ? "allowed" : "denied", e.target_name, "");
      }
    }

    async function reload() {
      try {
        const pending = await ctx.api.get(`/channels/${ctx.seg(ctx.channel)}/queue`);
        replaceAll(pending.map(fromItem));
        await loadHandled();
      } catch (err) {
        ctx.showError(err);
      }
    }

    ctx.live.on("welcome", reload);
    ctx.live.on("resync", reload);
    ctx.live.on("automod.message.hold", (f) => add(fromHold(f.event)));
    ctx.live.on("automod.message.update", (f) => {
      const e = f.event;
      const verb = { approved: "allowed", denied: "denied", expired: "(expired)" }[e.status] || e.status;
      handledLine(e.moderator_user_login, verb, e.user_login, e.message ? e.message.text : "");
      drop(e.review_item_id);
    });

    const current = () => (selected === null ? null : items.get(selected));
    ctx.shortcut("j", "queue: next held message", () => move(1));
    ctx.shortcut("k", "queue: previous held message", () => move(-1));
    if (canResolve) {
      ctx.shortcut("a", "queue: allow the selected message", () => current() && act(current(), "allow"));
      ctx.shortcut("d", "queue: deny the selected message", () => current() && act(current(), "deny"));
      if (ctx.can("timeout")) ctx.shortcut("t", `queue: deny and time out the sender (${TIMEOUT_S / 60} min)`, () => current() && act(current(), "timeout"));
      if (ctx.can("ban")) ctx.shortcut("b", "queue: deny and ban the sender", () => current() && act(current(), "ban"));
    }
    refresh();
  },
};
