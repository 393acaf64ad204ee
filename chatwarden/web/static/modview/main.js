// Mod View: loads the signed-in user's permissions for the channel, then mounts every panel
// listed in ./panels.js that the user may see, arranged as the moderator left them
// (./workspace.js); with ?panel=<id> only that panel (a popped-out window). Panels share one
// context (ctx) and one live socket. The contract for panel authors is in docs/web-ui.md.

import { api, ApiError, seg } from "../js/api.js";
import * as dom from "../js/dom.js";
import { Live } from "../js/live.js";
import { confirmBox, header, promptBox, requireUser, showError, toast } from "../js/ui.js";
import { mountHeader } from "./header.js";
import { PANELS } from "./panels.js";
import { Shortcuts } from "./shortcuts.js";
import { mountSwitcher } from "./switcher.js";
import { openUserCard } from "./usercard.js";
import { popoutPanel, Workspace } from "./workspace.js";

const { el, clear } = dom;

function channelFromPath() {
  const m = location.pathname.match(/^\/mod\/([^/]+)\/?$/);
  return m ? decodeURIComponent(m[1]) : "";
}

async function loadPanel(name) {
  const mod = await import(`./panels/${name}.js`);
  const panel = mod.default;
  if (!panel || typeof panel.mount !== "function" || !panel.id) {
    throw new Error(`panel module ${name}.js must export default { id, title, mount(body, ctx) }`);
  }
  return panel;
}

function allowed(panel, ctx) {
  const needs = panel.requires || [];
  if (!needs.every((p) => ctx.can(p))) return false;
  return typeof panel.visible === "function" ? Boolean(panel.visible(ctx)) : true;
}

async function main() {
  document.head.append(el("link", { rel: "stylesheet", href: "/static/modview/workspace.css" }));
  const root = document.getElementById("app");
  const channel = channelFromPath();
  const only = popoutPanel();
  const user = await requireUser();
  let me;
  try {
    me = await api.get(`/channels/${seg(channel)}/permissions`);
  } catch (err) {
    clear(root, header("Mod View", user), el("main", { id: "main", class: "notice-page" },
      el("h1", {}, "Mod View"), el("p", { class: "error" }, err instanceof ApiError ? err.message : String(err))));
    document.body.dataset.ready = "1";
    return;
  }
  const perms = new Set(me.permissions);
  if (!perms.has("view_queue")) {
    clear(root, header(`Mod View · ${channel}`, user), el("main", { id: "main", class: "notice-page", "data-testid": "modview-denied" },
      el("h1", {}, "Mod View is for this channel's moderators"),
      el("p", {}, `Your role in ${channel} is ${me.role.replace("_", " ")}.`),
      el("p", {}, el("a", { href: `/c/${seg(channel)}` }, `Go to the chat of ${channel}`))));
    document.body.dataset.ready = "1";
    return;
  }

  const live = new Live(channel);
  const shortcuts = new Shortcuts();
  const ctx = {
    channel,
    me,
    user,
    can: (perm) => perms.has(perm),
    api,
    seg,
    dom,
    live,
    toast,
    showError,
    confirm: confirmBox,
    prompt: promptBox,
    openUserCard: (username) => openUserCard(ctx, username),
    shortcut: (key, help, fn) => shortcuts.add(key, help, fn),
  };

  const connection = el("span", { class: "conn", "data-testid": "connection", role: "status" }, "connecting…");
  live.on("status", ({ state }) => {
    connection.textContent = state === "open" ? "live" : state === "connecting" ? "connecting…" : state === "signed_out" ? "signed out" : "offline";
    connection.dataset.state = state;
  });
  const help = dom.button("Shortcuts (?)", () => shortcuts.showHelp(), { class: "btn small", "aria-keyshortcuts": "?" });
  const grid = el("main", { id: "main", class: ["modview-grid", only ? "modview-popout" : null], tabindex: "-1" });
  const workspace = new Workspace(grid, ctx);
  const badges = [el("span", { class: "role-badge", "data-testid": "role" }, me.role.replace("_", " ")), connection];
  if (only) {
    clear(root,
      header(`Mod View · ${channel}`, user, [
        ...badges,
        el("a", { class: "btn small", href: `/mod/${seg(channel)}`, "data-testid": "popout-full" }, "Whole Mod View"),
        help,
      ]),
      grid);
  } else {
    const reset = dom.button("Reset layout", () => workspace.reset(), {
      class: "btn small", title: "Panels back in their default order, expanded, default heights", "data-testid": "layout-reset",
    });
    const top = mountHeader(ctx); // channel state, one-click modes, the raid alert banner
    clear(root,
      header(`Mod View · ${channel}`, user, [
        ...badges,
        mountSwitcher(ctx),
        el("a", { class: "btn small", href: `/c/${seg(channel)}` }, "Chat page"),
        reset,
        help,
      ]),
      top,
      grid);
  }

  // load every panel module at once; build the sections; start every mount without waiting
  // for the others (a slow panel delays nobody; a broken one shows its error)
  const names = only ? PANELS.filter((name) => name === only) : PANELS;
  const loaded = await Promise.all(names.map((name) => loadPanel(name).then(
    (panel) => ({ name, panel }),
    (err) => ({ name, err }))));
  const mounts = [];
  for (const { name, panel, err } of loaded) {
    if (err) {
      console.error(err);
      const broken = el("section", { class: "panel panel-broken" }, el("h2", {}, name), el("p", { class: "error" }, `This panel failed to load: ${err.message}`));
      if (only) grid.append(broken);
      else workspace.addBroken(broken);
      continue;
    }
    if (!allowed(panel, ctx)) continue;
    if (panel.css) document.head.append(el("link", { rel: "stylesheet", href: `/static/modview/panels/${panel.id}.css` }));
    mounts.push({ panel, body: only ? popoutBody(grid, panel, el) : workspace.add(panel) });
  }
  if (only && !grid.querySelector(".panel")) {
    grid.append(el("p", { class: "notice-page", "data-testid": "popout-missing" },
      `There is no panel "${only}" for you here. `, el("a", { href: `/mod/${seg(channel)}` }, "Open the whole Mod View")));
  }
  if (!only) workspace.arrange(); // the sections on the page, as this moderator left them
  for (const { panel, body } of mounts) {
    Promise.resolve()
      .then(() => panel.mount(body, ctx))
      .catch((failure) => {
        console.error(failure);
        clear(body, el("p", { class: "error" }, `This panel failed: ${failure.message}`));
      });
  }
  shortcuts.install();
  live.on("welcome", () => {
    document.body.dataset.ready = "1"; // panels have their state (tests wait for this)
  });
  // my role here changed (the server closes the socket and re-subscribes me on reconnect):
  // rebuild the page so it offers only what the new role allows
  live.on("notice", (frame) => {
    if (frame.kind === "role_changed") location.reload();
  });
  live.connect();
}

/** The one panel of a popped-out window: its title and body, no layout tools. */
function popoutBody(grid, panel, el) {
  const titleId = `panel-${panel.id}-title`;
  const body = el("div", { class: "panel-body", id: `panel-${panel.id}-body` });
  grid.append(el("section", {
    class: ["panel", `panel-${panel.id}`, "popout"], id: `panel-${panel.id}`, "aria-labelledby": titleId, "data-panel": panel.id,
  }, el("h2", { class: "panel-title", id: titleId }, panel.title), body));
  document.title = `${panel.title} · ${channelFromPath()} · ChatWarden`;
  return body;
}

main().catch((err) => {
  console.error(err);
  showError(err);
});
