// "/": log in or sign up; once signed in, pick a channel (chat page or Mod View).

import { api, ApiError, seg } from "../js/api.js";
import { button, clear, el, field } from "../js/dom.js";
import { emailBox } from "../js/email.js";
import { header } from "../js/ui.js";

const root = document.getElementById("app");

/** Only same-site paths are followed after login (no open redirect). */
function nextPath() {
  const next = new URLSearchParams(location.search).get("next") || "";
  return /^\/(c|mod)\/[^/]+\/?$/.test(next) ? next : "";
}

function authForm({ title, submitLabel, testid, autocomplete, onSubmit }) {
  const username = el("input", { name: "username", autocomplete: "username", required: true, minlength: 3, maxlength: 25, "data-testid": `${testid}-username` });
  const password = el("input", { name: "password", type: "password", autocomplete, required: true, minlength: 8, "data-testid": `${testid}-password` });
  const problem = el("p", { class: "error", role: "alert", "data-testid": `${testid}-error` });
  const form = el("form", { class: "stack", "data-testid": testid, "aria-label": title },
    el("h2", {}, title),
    field("Username", username),
    field("Password", password),
    problem,
    el("button", { type: "submit", class: "btn primary" }, submitLabel));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    problem.textContent = "";
    try {
      await onSubmit(username.value.trim(), password.value);
    } catch (err) {
      problem.textContent = err instanceof ApiError ? err.message : String(err);
    }
  });
  return form;
}

async function login(username, password) {
  await api.post("/sessions", { username, password }, { redirectOn401: false });
  const next = nextPath();
  if (next) location.assign(next);
  else await render();
}

function loggedOut() {
  const notice = new URLSearchParams(location.search).get("next")
    ? el("p", { class: "banner warn", role: "status" }, "Please log in to continue (your session has ended or you are not logged in).")
    : null;
  clear(root, header("Welcome", null),
    el("main", { id: "main", tabindex: "-1" },
      el("h1", {}, "ChatWarden"),
      el("p", { class: "muted" }, "Live chat with AutoMod and moderator tools. Log in or create an account."),
      notice,
      el("div", { class: "cards" },
        el("section", { class: "card" }, authForm({ title: "Log in", submitLabel: "Log in", testid: "login", autocomplete: "current-password", onSubmit: login })),
        el("section", { class: "card" }, authForm({
          title: "Sign up", submitLabel: "Create account", testid: "signup", autocomplete: "new-password",
          onSubmit: async (u, p) => {
            await api.post("/accounts", { username: u, password: p }, { redirectOn401: false });
            await login(u, p);
          },
        }))),
      el("p", { class: "muted" }, "Developers: the HTTP API is at ", el("a", { href: "/docs" }, "/docs"), ".")));
  root.querySelector("input")?.focus();
}

async function loggedIn(user) {
  const channels = await api.get("/channels");
  // Mod View is offered only where it opens (a viewer's click would end in a refusal)
  const modView = new Set(await api.get("/me/mod-view-channels").catch(() => []));
  const go = el("input", { name: "channel", required: true, maxlength: 64, placeholder: "channel name", "data-testid": "join-channel" });
  const joinForm = el("form", { class: "row", "aria-label": "Join a channel" }, field("Join a channel", go), el("button", { type: "submit", class: "btn primary" }, "Open chat"));
  joinForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (go.value.trim()) location.assign(`/c/${seg(go.value.trim())}`);
  });
  const list = channels.length
    ? el("ul", { class: "list", "data-testid": "channel-list" }, channels.map((c) =>
      el("li", { class: "list-item row" },
        el("b", {}, c.name), el("span", { class: "spacer" }),
        el("a", { class: "btn small", href: `/c/${seg(c.name)}` }, "Chat"),
        modView.has(c.name) ? el("a", { class: "btn small", href: `/mod/${seg(c.name)}`, "data-testid": "open-mod-view" }, "Mod View") : null)))
    : el("p", { class: "empty" }, "No channels yet.");
  const newName = el("input", { name: "new-channel", maxlength: 25, placeholder: "my_channel", "data-testid": "new-channel" });
  const problem = el("p", { class: "error", role: "alert" });
  const createForm = el("form", { class: "row", "aria-label": "Create a channel" },
    field("Create your channel", newName, "3-25 lowercase letters, digits or _"),
    el("button", { type: "submit", class: "btn" }, "Create"), problem);
  createForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const c = await api.post("/channels", { name: newName.value.trim() });
      location.assign(`/mod/${seg(c.name)}`);
    } catch (err) {
      problem.textContent = err.message;
    }
  });
  clear(root, header("Channels", user),
    el("main", { id: "main", tabindex: "-1" },
      el("h1", {}, `Hello, ${user.username}`),
      el("section", { class: "card stack" }, joinForm, el("h2", {}, "Channels"), list, createForm),
      el("section", { class: "card stack", "aria-label": "Your email" }, el("h2", {}, "Your email"), emailBox().node)));
}

async function render() {
  let user = null;
  try {
    user = await api.get("/me", undefined, { redirectOn401: false });
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) throw err;
  }
  if (user && nextPath()) {
    location.assign(nextPath()); // already logged in (e.g. in another tab): go on
    return;
  }
  if (user) await loggedIn(user);
  else loggedOut();
  document.body.dataset.ready = "1";
}

render().catch((err) => {
  clear(root, el("main", { id: "main" }, el("p", { class: "error" }, String(err.message || err))));
});
