// Reasons and undo for every Mod View timeout and ban (queue, chat, user card).
//
// askReason: an in-page dialog with a free-text reason and, under it, the channel's rules
// (GET /channels/{name}/rules) as presets: picking a rule puts its words in the reason, which
// stays editable; the reason field is what is sent. Keyboard: the reason field has the focus;
// Tab moves into the rules (a radio group: ArrowUp/ArrowDown pick the previous/next rule),
// Enter anywhere confirms, Escape cancels. The rules are read once per page and again when
// they change (the "channel.rules.update" event).
//
// offerUndo: a toast with an "Undo" button for UNDO_MS after a timeout or ban; Undo lifts it
// (DELETE .../timeouts|bans/{user}?reason=undone&undo=true: the label the action wrote for
// the learner is reversed too), so the mod log keeps both entries. The key
// "u" undoes the newest one while it is offered. With a modal dialog open (the user card) the
// toast goes into that dialog, since everything outside a modal dialog is inert.

import { el } from "../js/dom.js";

export const UNDO_MS = 10_000;
export const UNDO_REASON = "undone";

const rulesOf = new WeakMap(); // ctx -> Promise<string[]>
let nextId = 0;

/** The channel's rules (cached per page; a change reloads them). Never fails: no rules. */
export function channelRules(ctx) {
  if (!rulesOf.has(ctx)) {
    const load = () => ctx.api.get(`/channels/${ctx.seg(ctx.channel)}/rules`)
      .then((r) => r.rules || [], () => []);
    rulesOf.set(ctx, load());
    ctx.live.on("channel.rules.update", (frame) => {
      rulesOf.set(ctx, Promise.resolve(frame.event?.rules ?? []));
    });
    ctx.live.on("welcome", () => rulesOf.set(ctx, load()));
  }
  return rulesOf.get(ctx);
}

/**
 * ``askReason(ctx, {title, message, confirmLabel, value, danger})``: resolves to the reason
 * (trimmed; "" for none) or null when cancelled.
 */
export async function askReason(ctx, { title, message, confirmLabel = "OK", value = "", danger = false }) {
  const rules = await channelRules(ctx);
  return new Promise((resolve) => {
    const id = `reason-${++nextId}`;
    const input = el("input", { type: "text", maxlength: 500, id: `${id}-text`, "data-testid": "prompt-input", autocomplete: "off" });
    input.value = value;
    const radios = rules.map((rule, n) => el("input", {
      type: "radio", name: `${id}-rule`, value: rule, id: `${id}-rule-${n}`, "data-testid": "reason-preset",
      checked: rule === value,
    }));
    const presets = rules.length ? el("fieldset", { class: "reason-presets", "data-testid": "reason-presets" },
      el("legend", {}, "Or pick a channel rule"),
      radios.map((radio, n) => el("label", { class: "field inline reason-preset", for: radio.id }, radio, rules[n])))
      : el("p", { class: "muted", "data-testid": "reason-no-rules" }, "This channel has no rules yet (the owner and lead moderators write them in Settings).");
    const ok = el("button", { type: "submit", value: "ok", class: ["btn", danger ? "danger" : "primary"], "data-testid": "prompt-ok" }, confirmLabel);
    const cancel = el("button", { type: "button", class: "btn" }, "Cancel");
    const form = el("form", { method: "dialog", class: "modal-form" },
      el("h2", {}, title),
      message ? el("p", { class: "modal-message" }, message) : null,
      el("label", { class: "field", for: input.id }, el("span", { class: "field-label" }, "Reason (optional)"), input),
      presets,
      el("div", { class: "modal-actions" }, cancel, ok));
    const dialog = el("dialog", { class: "modal reason-dialog", "aria-label": title, "data-testid": "reason-dialog" }, form);
    // a rule fills the reason; typing something else unpicks it
    form.addEventListener("change", (ev) => {
      if (ev.target instanceof HTMLInputElement && ev.target.type === "radio" && ev.target.checked) input.value = ev.target.value;
    });
    input.addEventListener("input", () => {
      for (const radio of radios) radio.checked = radio.value === input.value.trim();
    });
    // Enter on a rule confirms too (browsers differ on implicit submission from a radio)
    form.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && ev.target instanceof HTMLInputElement && ev.target.type === "radio") {
        ev.preventDefault();
        ok.click();
      }
    });
    cancel.addEventListener("click", () => dialog.close("cancel"));
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "ok" ? input.value.trim() : null);
    });
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
    input.select();
  });
}

let newest = null; // the newest undo still offered: {undo, node}
const keyed = new WeakSet(); // the ctx objects whose "u" key is bound

/**
 * ``offerUndo(ctx, {message, kind, user, after})``: after a timeout (``kind`` "timeout") or a
 * ban ("ban") of ``user``, a toast saying ``message`` with an Undo button for ``UNDO_MS``;
 * Undo lifts it with the reason "undone" and then runs ``after`` (e.g. reload a card).
 */
export function offerUndo(ctx, { message, kind, user, after }) {
  if (!keyed.has(ctx)) {
    keyed.add(ctx);
    ctx.shortcut("u", "undo the newest timeout or ban (while its toast shows, 10 s)", () => newest?.undo());
  }
  const what = kind === "ban" ? "ban" : "timeout";
  const undoButton = el("button", {
    type: "button",
    class: "btn small toast-undo",
    "data-testid": "toast-undo",
    "aria-keyshortcuts": "u",
    "aria-label": `Undo the ${what} of ${user}`,
    title: "Undo (u)",
  }, "Undo");
  const node = ctx.toast([el("span", {}, message), " ", undoButton], "ok", UNDO_MS);
  node.classList.add("toast-with-undo");
  node.dataset.testid = "undo-toast";
  const home = node.parentElement;
  const modal = [...document.querySelectorAll("dialog[open]")].pop();
  if (modal) {
    // outside the modal the button could not be clicked; back to the corner when it closes
    let box = modal.querySelector(":scope > .toasts");
    if (!box) {
      box = el("div", { class: "toasts", role: "status", "aria-live": "polite" });
      modal.append(box);
    }
    box.append(node);
    modal.addEventListener("close", () => {
      if (node.parentElement === box) home?.append(node);
    }, { once: true });
  }
  const entry = {
    node,
    async undo() {
      if (undoButton.disabled || !node.isConnected) return;
      undoButton.disabled = true;
      const path = `/channels/${ctx.seg(ctx.channel)}/${what === "ban" ? "bans" : "timeouts"}/${ctx.seg(user)}`;
      try {
        await ctx.api.del(path, { reason: UNDO_REASON, undo: "true" });
      } catch (err) {
        undoButton.disabled = false;
        ctx.showError(err);
        return;
      }
      node.remove();
      if (newest === entry) newest = null;
      ctx.toast(what === "ban" ? `Ban undone: ${user} is unbanned` : `Timeout undone: ${user} can chat again`, "ok");
      await after?.();
    },
  };
  undoButton.addEventListener("click", () => entry.undo());
  newest = entry;
  setTimeout(() => {
    if (newest === entry) newest = null;
  }, UNDO_MS);
  return node;
}
