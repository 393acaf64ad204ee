// The AutoMod queue, live: each held message with its category, level and score and the
// triggering words highlighted in the original text; Allow / Deny / Deny + timeout / Ban by
// click or key (j/k move, a d t b act); below it, who handled what (kept across reloads:
// GET /channels/{name}/queue/handled). Filter by category and level, sort by age or score,
// select several (checkboxes or x) and allow or deny them at once: one request per item
// through the single-item API, each item's result listed (one another moderator already
// decided shows as such). Under AutoMod's reasons, a "Context:" line says what the chatter's
// recent messages, record and the chat before add (repeats, bursts, a target, a warning): for
// the moderator to read; AutoMod's decision did not use it (service/chat/context.py).
// Deny + timeout and Ban ask for a reason first (prefilled "held message denied (AutoMod
// queue)": Enter keeps it; or one of the channel's rules, or free text) and offer Undo for
// 10 s, which lifts the timeout or ban (the message stays denied): ../reasons.js.

import { askReason, offerUndo } from "../reasons.js";
import { durationLabel, timeoutControl } from "../timeoutmenu.js";

const TIMEOUT_S = 600;
const QUEUE_REASON = "held message denied (AutoMod queue)";
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
    context: item.context || null,
  };
}

/** The item's category reasons ({category, level, score}). */
function categories(item) {
  return item.reasons.filter((r) => r.kind === "category");
}

/** The highest category score of an item (0 when only a term held it). */
export function topScore(item) {
  return Math.max(0, ...categories(item).map((r) => Number(r.score) || 0));
}

const SORTS = {
  oldest: (x, y) => x.id - y.id,
  newest: (x, y) => y.id - x.id,
  score: (x, y) => topScore(y) - topScore(x) || x.id - y.id,
};

function fromHold(event) {
  return {
    id: event.review_item_id,
    user: event.user_login,
    text: event.message.text,
    reasons: (event.decision && event.decision.reasons) || [],
    heldAt: event.held_at,
    context: (event.decision && event.decision.context) || null,
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
    // filter, sort, select several, act on them at once
    const pick = (label, name, testid, options, onchange) => {
      const select = el("select", { "data-testid": testid, "aria-label": name, on: { change: onchange } },
        options.map(([value, text]) => el("option", { value }, text)));
      return [el("label", { class: "field" }, el("span", { class: "field-label" }, label), select), select];
    };
    const [categoryField, categorySel] = pick("Category", "Filter by category", "queue-filter-category",
      [["", "All categories"], ...Object.entries(CATEGORY_NAMES)], () => applyView(true));
    const [levelField, levelSel] = pick("Level", "Filter by level", "queue-filter-level",
      [["", "Any level"], ["1", "1 or higher"], ["2", "2 or higher"], ["3", "3 or higher"], ["4", "4"]], () => applyView(true));
    const [sortField, sortSel] = pick("Sort", "Sort the queue", "queue-sort",
      [["oldest", "Oldest first"], ["newest", "Newest first"], ["score", "Highest score first"]], () => applyView(true));
    const picked = new Set(); // ids checked for a bulk action
    const pickedCount = el("span", { class: "muted", "data-testid": "queue-picked", "aria-live": "polite" }, "0 selected");
    const allBox = el("input", { type: "checkbox", "data-testid": "queue-select-all", on: { change: () => pickAll(allBox.checked) } });
    const bulkAllow = button("Allow selected", () => bulk("allow"), { class: "btn ok small", "data-testid": "queue-bulk-allow", "aria-keyshortcuts": "Shift+A", title: "Allow every selected message (Shift+A)", disabled: true });
    const bulkDeny = button("Deny selected", () => bulk("deny"), { class: "btn small", "data-testid": "queue-bulk-deny", "aria-keyshortcuts": "Shift+D", title: "Deny every selected message (Shift+D)", disabled: true });
    const results = el("ul", { class: "list queue-results", "data-testid": "queue-bulk-results", "aria-label": "Results of the last bulk action", "aria-live": "polite" });
    const tools = el("div", { class: "toolbar queue-tools", role: "group", "aria-label": "Filter, sort and select held messages" },
      categoryField, levelField, sortField,
      canResolve ? el("label", { class: "field inline" }, allBox, "Select all shown") : null,
      canResolve ? pickedCount : null, canResolve ? bulkAllow : null, canResolve ? bulkDeny : null);
    body.append(hint, tools, results, list, el("h3", {}, "Handled"), handled);

    function reasonBadges(reasons) {
      return reasons.map((r) => {
        if (r.kind === "category") {
          const badge = el("span", { class: "badge danger", "data-testid": "queue-category" },
            `${categoryName(r.category)} · level ${r.level} · score ${Number(r.score).toFixed(2)}`);
          // held by what the channel learned from its moderators: why, in words (text nodes)
          return r.learned ? [badge, el("span", { class: "muted", "data-testid": "queue-learned" }, r.learned)] : badge;
        }
        const term = r.term === null || r.term === undefined ? "a private term" : `“${r.term}”`;
        return el("span", { class: "badge warn", "data-testid": "queue-term" }, `${r.kind === "permitted" ? "permitted" : "blocked"} term ${term}`);
      });
    }

    /** The context's sentences under AutoMod's reasons (information for the moderator; it
     * never changed AutoMod's decision), or nothing when the context says nothing. */
    function contextLine(context) {
      const said = (context && context.explanations) || [];
      if (!said.length) return null;
      return el("p", { class: "muted queue-context", "data-testid": "queue-context",
        title: "What the chatter's recent messages, record and the chat before say (AutoMod did not use it)" },
      `Context: ${said.join("; ")}`);
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
        canResolve ? el("input", { type: "checkbox", class: "queue-pick", "data-testid": "queue-select",
          "aria-label": `Select the message from ${item.user}`, checked: picked.has(item.id),
          on: { change: (ev) => pick1(item.id, ev.target.checked) } }) : null,
        button(item.user, () => ctx.openUserCard(item.user), { class: "btn link", "data-testid": "queue-user", title: "Open user card" }),
        el("span", { class: "muted" }, clock(item.heldAt)), reasonBadges(item.reasons)),
      contextLine(item.context),
      el("p", { class: "queue-text", "data-testid": "queue-text" }, highlight(item.text, spans)),
      canResolve ? el("div", { class: "queue-actions" },
        button("Allow", () => act(item, "allow"), { class: "btn ok small", "aria-keyshortcuts": "a", title: "Allow (a)" }),
        button("Deny", () => act(item, "deny"), { class: "btn small", "aria-keyshortcuts": "d", title: "Deny (d)" }),
        ctx.can("timeout") ? timeoutControl(ctx, { label: "Deny + timeout", who: item.user, testid: "queue-timeout", onPick: (s) => act(item, "timeout", s),
          attrs: { class: "btn warn small", "aria-keyshortcuts": "t", title: `Deny and time out for ${TIMEOUT_S / 60} min (t); ▾ for other durations` } }) : null,
        ctx.can("ban") ? button("Ban", () => act(item, "ban"), { class: "btn danger small", "aria-keyshortcuts": "b", title: "Deny and ban (b)" }) : null) : null);
    }

    const empty = el("p", { class: "empty", role: "listitem", "data-testid": "queue-empty" }, "Nothing is waiting for review.");

    /** Does the item pass the category and level filters? */
    function shown(item) {
      const cat = categorySel.value;
      const level = Number(levelSel.value || 0);
      if (!cat && !level) return true;
      return categories(item).some((r) => (!cat || r.category === cat) && Number(r.level) >= level);
    }

    /** The ids on screen, in their displayed order. */
    function order() {
      return [...list.children].filter((n) => n.dataset.itemId && !n.hidden).map((n) => Number(n.dataset.itemId));
    }

    /** Re-apply the filters (and, when ``resort``, the order) to every item's node. */
    function applyView(resort) {
      if (resort) {
        const sorted = [...items.values()].sort(SORTS[sortSel.value]);
        for (const item of sorted) list.append(nodes.get(item.id));
      }
      for (const [id, node] of nodes) {
        node.hidden = !shown(items.get(id));
        if (node.hidden && picked.has(id)) pick1(id, false); // never act on what is not shown
      }
      if (selected !== null && nodes.get(selected)?.hidden) selected = null;
      refresh();
    }

    function pick1(id, on) {
      if (on && items.has(id)) picked.add(id);
      else picked.delete(id);
      const box = nodes.get(id)?.querySelector(".queue-pick");
      if (box) box.checked = picked.has(id);
      showPicked();
    }

    function pickAll(on) {
      for (const id of order()) pick1(id, on);
      if (!on) for (const id of [...picked]) pick1(id, false);
    }

    function showPicked() {
      pickedCount.textContent = `${picked.size} selected`;
      bulkAllow.disabled = bulkDeny.disabled = picked.size === 0;
      const ids = order();
      allBox.checked = ids.length > 0 && ids.every((id) => picked.has(id));
    }

    async function bulk(action) {
      const ids = order().filter((id) => picked.has(id));
      if (!ids.length) return;
      bulkAllow.disabled = bulkDeny.disabled = true;
      clear(results);
      let done = 0;
      for (const id of ids) {
        const item = items.get(id);
        if (!item) continue;
        let outcome;
        try {
          await ctx.api.post(`/queue/${id}`, { action });
          outcome = action === "allow" ? "allowed" : "denied";
          done += 1;
          drop(id);
        } catch (err) {
          outcome = err.message || String(err);
          if (err.code === "conflict") drop(id); // decided by someone else (or expired)
        }
        results.append(el("li", { class: "list-item", "data-testid": "queue-bulk-result" },
          el("b", {}, item.user), `: ${outcome} `, el("span", { class: "muted" }, `(“${item.text}”)`)));
      }
      ctx.toast(`${action === "allow" ? "Allowed" : "Denied"} ${done} of ${ids.length} selected`, done === ids.length ? "ok" : "warn");
      showPicked();
    }

    function refresh() {
      count.textContent = String(items.size);
      if (selected !== null && (!items.has(selected) || nodes.get(selected)?.hidden)) selected = null;
      if (selected === null) selected = order()[0] ?? null;
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
      node.hidden = !shown(item);
      // into its place in the chosen order, without moving the others (nor the focus)
      const cmp = SORTS[sortSel.value];
      const after = [...items.values()].filter((o) => o !== item && cmp(item, o) < 0).sort(cmp)[0];
      list.insertBefore(node, after ? nodes.get(after.id) : null);
      refresh();
      showPicked();
    }

    function replaceAll(all) {
      items.clear();
      nodes.clear();
      picked.clear();
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
      const ids = order();
      if (!ids.length) return;
      const at = Math.max(0, ids.indexOf(selected));
      const next = ids[Math.min(ids.length - 1, Math.max(0, at + delta))];
      selected = null;
      select(next);
    }

    function handledLine(who, verb, user, text) {
      handled.prepend(el("li", { class: "list-item", "data-testid": "handled-item" },
        el("b", {}, who || "AutoMod"), ` ${verb} `, el("b", {}, user), text ? ": " : "", el("span", { class: "muted", "data-testid": "handled-text" }, text)));
      while (handled.childElementCount > 30) handled.lastElementChild.remove();
    }

    async function act(item, what, seconds = TIMEOUT_S) {
      if (!items.has(item.id)) return;
      let reason = QUEUE_REASON;
      if (what === "timeout" || what === "ban") {
        const span = durationLabel(seconds);
        reason = await askReason(ctx, what === "ban"
          ? { title: "Deny and ban", message: `Deny this message and ban ${item.user}?`, confirmLabel: "Deny and ban", value: QUEUE_REASON, danger: true }
          : { title: "Deny and time out", message: `Deny this message and time ${item.user} out for ${span}?`, confirmLabel: "Deny and time out", value: QUEUE_REASON });
        if (reason === null || !items.has(item.id)) return;
      }
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
          await ctx.api.put(`${path}/timeouts/${ctx.seg(item.user)}`, { duration_s: seconds, reason });
          offerUndo(ctx, { message: `Denied and timed out ${item.user} for ${durationLabel(seconds)}`, kind: "timeout", user: item.user });
        } else if (what === "ban") {
          await ctx.api.put(`${path}/bans/${ctx.seg(item.user)}`, { reason });
          offerUndo(ctx, { message: `Denied and banned ${item.user}`, kind: "ban", user: item.user });
        }
      } catch (err) {
        ctx.showError(err);
      }
    }

    function drop(id) {
      const ids = order();
      if (!items.has(id)) return;
      const at = ids.indexOf(id);
      items.delete(id);
      picked.delete(id);
      const gone = nodes.get(id);
      nodes.delete(id);
      const hadFocus = gone !== undefined && gone.contains(document.activeElement);
      gone?.remove();
      // the selection moves to the next message (or the previous one at the end)
      if (selected === id) selected = at < 0 ? null : ids[at + 1] ?? ids[at - 1] ?? null;
      refresh();
      showPicked();
      const next = nodes.get(selected);
      if (next && (hadFocus || document.activeElement === document.body)) next.focus({ preventScroll: true });
    }

    async function loadHandled() {
      // newest first from the server, with the text; handledLine prepends, so oldest first
      const recent = await ctx.api.get(`/channels/${ctx.seg(ctx.channel)}/queue/handled`, { limit: 30 });
      clear(handled);
      for (const h of [...recent].reverse()) {
        const verb = { allowed: "allowed", denied: "denied", expired: "(expired)" }[h.status] || h.status;
        handledLine(h.resolved_by_name, verb, h.message.sender_name, h.message.text);
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
    if (canResolve) {
      ctx.shortcut("x", "queue: select or unselect the current message (for a bulk action)", () => {
        if (selected !== null) pick1(selected, !picked.has(selected));
      });
      ctx.shortcut("A", "queue: allow every selected message", () => bulk("allow"));
      ctx.shortcut("D", "queue: deny every selected message", () => bulk("deny"));
    }
    refresh();
    showPicked();
  },
};
