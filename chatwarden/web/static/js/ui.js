// Page furniture shared by every page: the header, in-page confirm/prompt dialogs (never the
// browser's alert/confirm/prompt), toasts, and the session check.

import { api, ApiError, toLogin } from "./api.js";
import { button, clear, el } from "./dom.js";
import { themePicker } from "./theme.js";

/** The signed-in user (GET /api/v1/me); redirects to the login page when there is none. */
export async function requireUser() {
  try {
    return await api.get("/me");
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      toLogin();
      return new Promise(() => {}); // the page is going away
    }
    throw err;
  }
}

export async function logout() {
  try {
    await api.del("/sessions/current", undefined, { redirectOn401: false });
  } catch {
    // already logged out
  }
  location.assign("/");
}

/** The top bar: app name, where we are, the theme choice, who is signed in, a log-out button. */
export function header(where, user, extra = []) {
  return el("header", { class: "topbar" },
    el("a", { class: "brand", href: "/" }, "ChatWarden"),
    el("span", { class: "where" }, where),
    el("span", { class: "spacer" }),
    ...extra,
    themePicker(),
    user ? el("span", { class: "who", "data-testid": "whoami" }, user.username) : null,
    user ? button("Log out", logout, { class: "btn small" }) : null);
}

let toastBox = null;

/** A short message in the corner (role=status, so screen readers read it). */
export function toast(message, kind = "info", ms = 4000) {
  if (!toastBox) {
    toastBox = el("div", { class: "toasts", role: "status", "aria-live": "polite" });
    document.body.append(toastBox);
  }
  const node = el("div", { class: ["toast", `toast-${kind}`] }, message);
  toastBox.append(node);
  setTimeout(() => node.remove(), ms);
  return node;
}

/** Show ``err`` (an ApiError or anything) as an error toast. */
export function showError(err) {
  const message = err instanceof ApiError ? err.message : String(err && err.message ? err.message : err);
  return toast(message, "error", 6000);
}

function modal(title, body, actions) {
  const dialog = el("dialog", { class: "modal", "aria-label": title },
    el("form", { method: "dialog", class: "modal-form" },
      el("h2", {}, title), body, el("div", { class: "modal-actions" }, actions)));
  document.body.append(dialog);
  dialog.addEventListener("close", () => dialog.remove());
  dialog.showModal();
  return dialog;
}

/** An in-page confirmation; resolves true when confirmed. */
export function confirmBox(message, { title = "Please confirm", confirmLabel = "Confirm", danger = false } = {}) {
  return new Promise((resolve) => {
    const ok = el("button", { type: "submit", value: "ok", class: ["btn", danger ? "danger" : "primary"], "data-testid": "confirm-ok" }, confirmLabel);
    const cancel = el("button", { type: "submit", value: "cancel", class: "btn" }, "Cancel");
    const dialog = modal(title, el("p", { class: "modal-message" }, message), [cancel, ok]);
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"));
    ok.focus();
  });
}

/** An in-page text prompt; resolves to the text, or null when cancelled. */
export function promptBox(message, { title = "", label = "Reason", value = "", required = false, confirmLabel = "OK", multiline = false } = {}) {
  return new Promise((resolve) => {
    const input = multiline
      ? el("textarea", { rows: 3, maxlength: 500, required, "data-testid": "prompt-input" })
      : el("input", { type: "text", maxlength: 500, required, "data-testid": "prompt-input" });
    input.value = value;
    const ok = el("button", { type: "submit", value: "ok", class: "btn primary", "data-testid": "prompt-ok" }, confirmLabel);
    const cancel = el("button", { type: "button", class: "btn" }, "Cancel");
    const dialog = modal(title || message, [
      title ? el("p", { class: "modal-message" }, message) : null,
      el("label", { class: "field" }, el("span", { class: "field-label" }, label), input),
    ], [cancel, ok]);
    cancel.addEventListener("click", () => dialog.close("cancel"));
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok" ? input.value.trim() : null));
    input.focus();
  });
}

/** A status line that can be replaced (e.g. "connecting…"). */
export function statusLine(attrs = {}) {
  const node = el("p", { class: "status-line muted", role: "status", ...attrs });
  return { node, set: (...parts) => clear(node, ...parts) };
}
