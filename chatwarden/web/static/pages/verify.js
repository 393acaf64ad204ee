// "/verify-email#token=...": where a verification mail's link leads. The token is in the
// fragment (browsers never send it to a server, so no access log keeps it); the page posts it
// to /email/verify and says what happened. No login needed: the token is the proof.

import { api, ApiError } from "../js/api.js";
import { clear, el } from "../js/dom.js";
import { header } from "../js/ui.js";

const root = document.getElementById("app");

function page(...parts) {
  clear(root, header("Verify your email", null),
    el("main", { id: "main", class: "notice-page", tabindex: "-1" }, el("h1", {}, "Verify your email"), ...parts));
  document.body.dataset.ready = "1";
}

async function main() {
  const token = new URLSearchParams(location.hash.slice(1)).get("token") || "";
  history.replaceState(null, "", location.pathname); // the token leaves the address bar
  if (!token) {
    page(el("p", { class: "error", role: "alert", "data-testid": "verify-result" }, "This link has no verification token. Open the whole link from the mail."),
      el("p", {}, el("a", { href: "/" }, "Go to ChatWarden")));
    return;
  }
  page(el("p", { class: "muted", role: "status" }, "Verifying…"));
  try {
    const done = await api.post("/email/verify", { token }, { redirectOn401: false });
    page(el("p", { class: "banner good", role: "status", "data-testid": "verify-result" },
      el("b", {}, "Verified. "), `${done.email} is now the verified address of ${done.username}. Channels that ask for a verified email let you chat.`),
    el("p", {}, el("a", { href: "/" }, "Go to your channels")));
  } catch (err) {
    const message = err instanceof ApiError ? err.message : String(err);
    page(el("p", { class: "error", role: "alert", "data-testid": "verify-result", dataset: { code: err.code || "" } }, message),
      el("p", {}, "Log in and use ", el("b", {}, "Resend link"), " on your account page for a new link. ", el("a", { href: "/" }, "Go to ChatWarden")));
  }
}

main().catch((err) => page(el("p", { class: "error", role: "alert" }, String(err.message || err))));
