// The account's email address and its verification (GET/PUT /me/email, POST
// /me/email/verification): the address, "verified" or not, a form to add or change it, and
// "Resend" for a new link (rate limited: the button counts down). Used by the account page
// ("/" when logged in) and by the chat page's "Verify your email" banner.
//
//   const box = emailBox({ onVerified: () => ... });   // box.node: the element; box.refresh()

import { api, ApiError } from "./api.js";
import { button, clear, el, field } from "./dom.js";

export function emailBox({ onVerified = null, testid = "email" } = {}) {
  const state = el("p", { class: "email-state", "data-testid": `${testid}-state` });
  const note = el("p", { class: "muted", "data-testid": `${testid}-note` });
  const input = el("input", { type: "email", name: "email", maxlength: 254, autocomplete: "email", required: true, placeholder: "name@example.org", "data-testid": `${testid}-input` });
  const save = el("button", { type: "submit", class: "btn" }, "Save");
  const form = el("form", { class: "row", "aria-label": "Email address" }, field("Email address", input), save);
  const resend = button("Resend link", () => sendAgain(), { class: "btn small", "data-testid": `${testid}-resend` });
  const resendRow = el("div", {}, resend); // (hidden as a block: a .btn's display wins over [hidden])
  const message = el("p", { role: "status", "data-testid": `${testid}-message` });
  const node = el("div", { class: "stack email-box", "data-testid": testid }, state, note, form, resendRow, message);
  let status = null;
  let timer = null;

  function show(s) {
    status = s;
    const wasVerified = node.dataset.verified === "1";
    node.dataset.verified = s.verified ? "1" : "0";
    if (s.verified) clear(state, el("b", { class: "good" }, "✓ Verified"), s.email ? `: ${s.email}` : "");
    else if (s.email) clear(state, el("b", {}, "Not verified: "), s.email);
    else clear(state, "No email address yet.");
    note.textContent = s.verification_available
      ? (s.verified ? "" : "We mail you a link; opening it verifies the address.")
      : "This server cannot send verification mail (no mail server is set up). Ask a site admin to verify your address.";
    if (document.activeElement !== input) input.value = s.email || "";
    save.textContent = s.verification_available ? "Save and send link" : "Save";
    resendRow.hidden = !(s.email && !s.verified && s.verification_available);
    countdown(s.resend_in_s || 0);
    if (s.verified && !wasVerified && onVerified) onVerified(s);
  }

  function countdown(seconds) {
    clearInterval(timer);
    let left = Math.ceil(seconds);
    const tick = () => {
      resend.disabled = left > 0;
      resend.textContent = left > 0 ? `Resend link (in ${left} s)` : "Resend link";
      if (left-- <= 0) clearInterval(timer);
    };
    tick();
    if (left >= 0) timer = setInterval(tick, 1000);
  }

  async function refresh() {
    try {
      show(await api.get("/me/email"));
    } catch (err) {
      message.textContent = err instanceof ApiError ? err.message : String(err);
    }
  }

  async function sendAgain() {
    message.textContent = "";
    try {
      show(await api.post("/me/email/verification"));
      message.textContent = `We sent a new verification link to ${status.email}.`;
    } catch (err) {
      message.textContent = err instanceof ApiError ? err.message : String(err);
      if (err instanceof ApiError && err.status === 429) refresh();
    }
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    message.textContent = "";
    try {
      const change = await api.put("/me/email", { email: input.value.trim() });
      input.blur();
      show(change.status);
      message.textContent = change.message;
    } catch (err) {
      message.textContent = err instanceof ApiError ? err.message : String(err);
    }
  });
  // verified in another tab (the mail's link): show it when the reader comes back
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && status && !status.verified) refresh();
  });
  refresh();
  return { node, refresh };
}
