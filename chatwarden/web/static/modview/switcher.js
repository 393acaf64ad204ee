// Mod View's channel switcher: for a moderator of several channels, a "Channels" button in the
// top bar opening a list of links to the other channels' Mod View. The list is the server's
// (GET /api/v1/me/mod-view-channels: where the caller's role opens the queue); each Mod View
// checks the role again when it opens.

/** An empty slot for the top bar, filled once the list is in (stays empty for one channel). */
export function mountSwitcher(ctx) {
  const { el, button, clear } = ctx.dom;
  const slot = el("div", { class: "channel-switcher", "data-testid": "channel-switcher" });
  ctx.api.get("/me/mod-view-channels").then((names) => {
    if (!Array.isArray(names) || names.length < 2) return;
    const list = el("ul", { class: "channel-switcher-list", id: "channel-switcher-list", hidden: true, "data-testid": "channel-switcher-list" },
      names.map((name) => el("li", {},
        el("a", {
          href: `/mod/${ctx.seg(name)}`, "aria-current": name === ctx.channel ? "page" : null,
          "data-testid": "channel-switcher-link",
        }, name))));
    const open = (show) => {
      list.hidden = !show;
      toggle.setAttribute("aria-expanded", show ? "true" : "false");
    };
    const toggle = button(`Channels (${names.length}) ▾`, () => {
      open(list.hidden);
      if (!list.hidden) list.querySelector("a")?.focus();
    }, {
      class: "btn small", "aria-expanded": "false", "aria-controls": "channel-switcher-list",
      "aria-label": `Switch channel (${names.length} channels you moderate)`, "data-testid": "channel-switcher-toggle",
    });
    slot.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !list.hidden) {
        open(false);
        toggle.focus();
      }
      if ((event.key === "ArrowDown" || event.key === "ArrowUp") && !list.hidden) {
        const links = [...list.querySelectorAll("a")];
        const at = links.indexOf(document.activeElement);
        const next = links[(at + (event.key === "ArrowDown" ? 1 : -1) + links.length) % links.length];
        next?.focus();
        event.preventDefault();
      }
    });
    document.addEventListener("click", (event) => {
      if (!slot.contains(event.target)) open(false);
    });
    clear(slot, toggle, list);
  }).catch(() => {}); // no list: no switcher (the page works without it)
  return slot;
}
