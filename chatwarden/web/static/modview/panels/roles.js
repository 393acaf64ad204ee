// Roles Manager (the owner and lead moderators): the team (owner, lead moderators, moderators,
// VIPs) from GET /channels/{name}/members, adding someone by name with a role and removing a
// role (PUT /channels/{name}/roles/{user}, "viewer" removes). Only the roles the user may
// manage are offered: lead moderators manage moderators and VIPs, the owner also lead
// moderators (the server checks manage_vips / manage_moderators / manage_lead_moderators
// again). The owner also marks subscribers (PUT /channels/{name}/subscribers/{user}).

const GROUPS = [
  ["owner", "Owner", null],
  ["lead_moderator", "Lead moderators", "manage_lead_moderators"],
  ["moderator", "Moderators", "manage_moderators"],
  ["vip", "VIPs", "manage_vips"],
];
const LABEL = { lead_moderator: "Lead moderator", moderator: "Moderator", vip: "VIP" };
const NAME = /^[A-Za-z0-9_]{3,25}$/;

export default {
  id: "roles",
  title: "Roles",
  requires: ["view_members", "manage_vips"],
  mount(body, ctx) {
    const { el, button, clear, field } = ctx.dom;
    const chan = `/channels/${ctx.seg(ctx.channel)}`;
    const mine = GROUPS.filter(([, , perm]) => perm && ctx.can(perm)).map(([role]) => role);
    const team = el("div", { class: "stack", "data-testid": "roles-team" });
    const who = el("input", { type: "text", maxlength: 25, autocomplete: "off", placeholder: "username", "data-testid": "roles-username" });
    const role = el("select", { "data-testid": "roles-role" }, mine.map((r) => el("option", { value: r, selected: r === "moderator" }, LABEL[r])));
    const add = el("form", { class: "toolbar", "data-testid": "roles-add-form", "aria-label": "Add to the team" },
      field("Username", who), field("Role", role),
      el("button", { type: "submit", class: "btn primary small", "data-testid": "roles-add" }, "Add"));
    body.append(team, el("h3", {}, "Add to the team"), add);

    const subs = el("ul", { class: "list", "data-testid": "roles-subscribers", "aria-label": "Subscribers" });
    const subName = el("input", { type: "text", maxlength: 25, autocomplete: "off", placeholder: "username", "data-testid": "roles-sub-username" });
    const subForm = el("form", { class: "toolbar", "aria-label": "Mark a subscriber" }, field("Username", subName),
      el("button", { type: "submit", class: "btn small", "data-testid": "roles-sub-add" }, "Mark subscribed"));
    const managesSubs = ctx.can("manage_subscriptions");
    if (managesSubs) body.append(el("h3", {}, "Subscribers"), subs, subForm);

    function checkName(input) {
      const name = input.value.trim();
      if (NAME.test(name)) return name;
      ctx.toast("A username is 3 to 25 letters, digits or _.", "error");
      input.focus();
      return null;
    }

    async function setRole(username, to, done) {
      try {
        await ctx.api.put(`${chan}/roles/${ctx.seg(username)}`, { role: to });
        ctx.toast(done, "ok");
        await reload();
        return true;
      } catch (err) {
        ctx.showError(err);
        return false;
      }
    }

    function member(m, perm) {
      const self = m.user_id === ctx.me.user.id;
      const remove = async () => {
        const what = LABEL[m.role].toLowerCase();
        if (!(await ctx.confirm(`Remove ${m.username} as ${what}? They become a viewer here.`, { confirmLabel: "Remove", danger: true }))) return;
        await setRole(m.username, "viewer", `${m.username} is no longer a ${what}`);
      };
      return el("li", { class: "list-item row", "data-testid": "roles-member", dataset: { username: m.username, role: m.role } },
        button(m.username, () => ctx.openUserCard(m.username), { class: "btn link" }),
        self ? el("span", { class: "muted" }, "(you)") : null,
        el("span", { class: "spacer" }),
        perm && ctx.can(perm) && !self
          ? button("Remove", remove, { class: "btn small", "data-testid": "roles-remove", "aria-label": `Remove ${m.username} as ${LABEL[m.role]}` })
          : null);
    }

    function subscriber(m) {
      const unmark = async () => {
        if (!(await ctx.confirm(`Unmark ${m.username} as a subscriber?`, { confirmLabel: "Unmark" }))) return;
        await setSub(m.username, false);
      };
      return el("li", { class: "list-item row", "data-testid": "roles-subscriber", dataset: { username: m.username } },
        el("span", {}, m.username), el("span", { class: "spacer" }),
        button("Unmark", unmark, { class: "btn small", "data-testid": "roles-sub-remove", "aria-label": `Unmark ${m.username} as a subscriber` }));
    }

    async function setSub(username, subscribed) {
      try {
        await ctx.api.put(`${chan}/subscribers/${ctx.seg(username)}`, { subscribed });
        ctx.toast(subscribed ? `${username} is marked as a subscriber` : `${username} is no longer marked as a subscriber`, "ok");
        await reload();
        return true;
      } catch (err) {
        ctx.showError(err);
        return false;
      }
    }

    async function reload() {
      try {
        // only the team (and, for the owner, subscribers): not every follower of the channel
        const roles = GROUPS.map(([r]) => r).concat(managesSubs ? ["subscriber"] : []);
        const members = await ctx.api.get(`${chan}/members?${roles.map((r) => `role=${r}`).join("&")}`);
        clear(team, GROUPS.map(([r, title, perm]) => {
          const here = members.filter((m) => m.role === r).sort((a, b) => a.username.localeCompare(b.username));
          return el("section", { class: "stack", "data-testid": `roles-group-${r}`, "aria-label": title },
            el("h3", {}, `${title} (${here.length})`),
            el("ul", { class: "list" }, here.length ? here.map((m) => member(m, perm)) : el("li", { class: "empty" }, "Nobody.")));
        }));
        if (managesSubs) {
          const subbed = members.filter((m) => m.subscribed).sort((a, b) => a.username.localeCompare(b.username));
          clear(subs, subbed.length ? subbed.map(subscriber) : el("li", { class: "empty" }, "No subscribers marked."));
        }
      } catch (err) {
        ctx.showError(err);
      }
    }

    add.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const name = checkName(who);
      if (!name) return;
      if (await setRole(name, role.value, `${name} is now a ${LABEL[role.value].toLowerCase()}`)) who.value = "";
    });
    subForm.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const name = checkName(subName);
      if (!name) return;
      if (await setSub(name, true)) subName.value = "";
    });
    ctx.live.on("welcome", reload);
    let timer = null;
    ctx.live.on("channel.moderate", () => { // someone else changed the team: show it
      clearTimeout(timer);
      timer = setTimeout(reload, 500);
    });
  },
};
