// Find a user: any account by the start of its name (GET /channels/{name}/users?q=, at most
// 20, any case), with its role here and whether it is banned or timed out; each result opens
// the user card and offers Ban, Time out (the shared duration menu) and Unban by name; a ban
// or timeout asks its reason with the channel's rules as presets and offers Undo (reasons.js).
// Keyboard: Enter in the search box opens the first result's user card; Escape clears it;
// "/" from anywhere in Mod View jumps to the box.

import { askReason, offerUndo } from "../reasons.js";
import { durationLabel, timeoutControl } from "../timeoutmenu.js";

const NAME = /^[A-Za-z0-9_]{1,25}$/;
// moderators act only on people they outrank (service/permissions.py): the owner on lead
// moderators and below, a lead moderator on moderators and below, a moderator on non-mods
const RANK = { owner: 3, lead_moderator: 2, moderator: 1 };

export default {
  id: "people",
  title: "Find a user",
  requires: ["view_members"],
  mount(body, ctx) {
    const { el, button, clear, clock } = ctx.dom;
    const box = el("input", {
      type: "search", maxlength: 25, placeholder: "username", autocomplete: "off", spellcheck: "false",
      "aria-label": "Find a user by name", "aria-describedby": "people-hint", "data-testid": "people-search",
    });
    const hint = el("small", { id: "people-hint", class: "muted" }, "Type the start of a name; Enter opens the first user card.");
    const status = el("p", { class: "muted", role: "status", "data-testid": "people-status" });
    const results = el("ul", { class: "list", "aria-label": "Users found", "data-testid": "people-results" });
    body.append(el("div", { class: "toolbar" }, box), hint, status, results);
    const chan = `/channels/${ctx.seg(ctx.channel)}`;
    let found = [];
    let timer = null;
    let asked = "";

    ctx.shortcut("/", "people: find a user by name", () => box.focus());

    // run an action; a timeout or ban (``undo``: {kind, user}) is offered for undo, as
    // everywhere in Mod View (reasons.js)
    async function act(label, run, undo) {
      try {
        const done = await run();
        if (done === false) return;
        if (undo) offerUndo(ctx, { message: label, ...undo, after: () => search(true) });
        else ctx.toast(`${label} (logged in the mod log)`, "ok");
        await search(true);
      } catch (err) {
        ctx.showError(err);
      }
    }

    function actions(u) {
      const outranks = ctx.me.user.is_admin || (RANK[ctx.me.role] || 0) > (RANK[u.role] || 0);
      if (!outranks) return el("span", { class: "muted" }, "on the mod team");
      const name = ctx.seg(u.username);
      const out = [];
      if (u.banned && ctx.can("unban")) {
        out.push(button("Unban", () => act(`${u.username} is unbanned`, async () => {
          if (!(await ctx.confirm(`Unban ${u.username}?`, { confirmLabel: "Unban" }))) return false;
          await ctx.api.del(`${chan}/bans/${name}`);
        }), { class: "btn small", "data-testid": "people-unban", "aria-label": `Unban ${u.username}` }));
      }
      if (!u.banned && u.timed_out && ctx.can("timeout")) {
        out.push(button("Remove timeout", () => act(`${u.username}'s timeout is removed`, async () => {
          await ctx.api.del(`${chan}/timeouts/${name}`);
        }), { class: "btn small", "data-testid": "people-untimeout" }));
      }
      if (!u.banned && ctx.can("timeout")) {
        out.push(timeoutControl(ctx, {
          label: "Time out",
          who: u.username,
          testid: "people-timeout",
          attrs: { class: "btn small", "aria-label": `Time out ${u.username} for 10 min` },
          onPick: (seconds) => act(`${u.username} is timed out for ${durationLabel(seconds)}`, async () => {
            const span = durationLabel(seconds);
            const reason = await askReason(ctx, { title: `Time out (${span})`, message: `Time ${u.username} out for ${span}?`, confirmLabel: "Time out" });
            if (reason === null) return false;
            await ctx.api.put(`${chan}/timeouts/${name}`, { duration_s: seconds, reason });
          }, { kind: "timeout", user: u.username }),
        }));
      }
      if (!u.banned && ctx.can("ban")) {
        out.push(button("Ban", () => act(`${u.username} is banned`, async () => {
          const reason = await askReason(ctx, { title: "Ban", message: `Ban ${u.username} from ${ctx.channel}?`, confirmLabel: "Ban", danger: true });
          if (reason === null) return false;
          await ctx.api.put(`${chan}/bans/${name}`, { reason });
        }, { kind: "ban", user: u.username }), { class: "btn small danger", "data-testid": "people-ban", "aria-label": `Ban ${u.username}` }));
      }
      return out;
    }

    function row(u) {
      return el("li", { class: "list-item row", "data-testid": "people-result", dataset: { username: u.username } },
        button(u.username, () => ctx.openUserCard(u.username), { class: "btn link", "data-testid": "people-open", "aria-label": `Open the user card of ${u.username}` }),
        el("span", { class: "badge", "data-testid": "people-role" }, u.role.replace("_", " ")),
        u.banned ? el("span", { class: "badge danger", "data-testid": "people-banned" }, "banned") : null,
        u.timed_out ? el("span", { class: "badge warn", "data-testid": "people-timed-out" }, `timed out until ${clock(u.timeout_until)}`) : null,
        el("span", { class: "spacer" }),
        actions(u));
    }

    async function search(again = false) {
      const q = box.value.trim();
      if (!again && q === asked) return;
      asked = q;
      if (!q) {
        found = [];
        clear(results);
        status.textContent = "";
        return;
      }
      if (!NAME.test(q)) {
        found = [];
        clear(results);
        status.textContent = "A name has only letters, digits and _.";
        return;
      }
      try {
        const got = await ctx.api.get(`${chan}/users`, { q });
        if (box.value.trim() !== q) return; // typed on meanwhile: a newer search answers
        const same = JSON.stringify(got) === JSON.stringify(found);
        found = got;
        // nothing changed: keep the rows (and an open duration menu, the focus) as they are
        if (!same || !results.childElementCount) clear(results, found.map(row));
        status.textContent = found.length
          ? `${found.length}${found.length === 20 ? " (the first 20)" : ""} found`
          : `Nobody's name starts with "${q}".`;
      } catch (err) {
        ctx.showError(err);
      }
    }

    box.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => search(), 200);
    });
    box.addEventListener("keydown", async (ev) => {
      if (ev.key === "Enter") {
        ev.preventDefault();
        clearTimeout(timer);
        await search();
        if (found.length) ctx.openUserCard(found[0].username);
      } else if (ev.key === "Escape" && box.value) {
        ev.preventDefault();
        box.value = "";
        await search();
      }
    });
    let refresh = null;
    for (const t of ["channel.ban", "channel.unban", "channel.moderate"]) {
      ctx.live.on(t, () => { // someone acted: keep the badges and buttons true
        if (!found.length) return;
        clearTimeout(refresh);
        refresh = setTimeout(function again() {
          // not while the moderator is using a row (a menu open, a button focused)
          if (results.contains(document.activeElement)) refresh = setTimeout(again, 1000);
          else search(true);
        }, 300);
      });
    }
  },
};
