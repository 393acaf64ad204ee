// Connections (the owner): the chats on other platforms this channel watches (an IRC channel,
// Twitch chat over IRC or over EventSub and Helix, a Matrix room, a Discord channel), each with its status, last message and last error as its runner reports
// them (`chatwarden connect run ID`), adding one and removing one. The platform selector shows
// the fields that platform takes (Twitch EventSub: client id, AutoMod, the user access token
// and, to refresh it, the refresh token and the app's client secret; Discord: the role map and
// the warn mode; Matrix: the power level → role map, the warn mode, the policy rooms it follows
// and the one it publishes its bans to); the server checks them (the same checks as the CLI's). "Replace token" sends
// a new token for a stored connection (PATCH; it keeps its id and status). Every secret is
// write-only: typed into a password field, sent once, cleared at once; never sent back.

// [selector value, label, the API's platform]
const PLATFORMS = [
  ["irc", "IRC", "irc"],
  ["twitch", "Twitch (IRC)", "twitch"],
  ["eventsub", "Twitch (EventSub + Helix)", "twitch"],
  ["matrix", "Matrix", "matrix"],
  ["discord", "Discord", "discord"],
];
const STATUS = { connected: "ok", error: "danger", disconnected: "warn" };
// per selector value: [target label, its placeholder], [room ...], [account ...], credential's
const LABELS = {
  irc: [["Server", "irc.example.net:6697"], ["Channel", "#channel"], ["Bot nick", "bot nick"], "Server password"],
  twitch: [["Server", "irc.chat.twitch.tv:6697 (default)"], ["Channel", "#streamer"], ["Bot login", "bot login"], "Token (oauth:...)"],
  eventsub: [null, ["Broadcaster login", "streamer"], ["Bot login", "a moderator of the channel"], "User access token"],
  matrix: [["Homeserver", "https://matrix.example.org"], ["Room", "!room:example.org"], ["Bot user", "@bot:example.org"], "Access token"],
  discord: [["Guild id", "digits"], ["Channel id", "digits"], ["Bot user id", "digits"], "Bot token"],
};
// which optional fields each selector value shows
const SHOWS = {
  irc: ["tls", "oper"],
  twitch: ["tls"],
  eventsub: ["eventsub"],
  matrix: ["matrix", "warn"],
  discord: ["discord", "warn"],
};
const DISCORD_ROLES = ["lead_moderator", "moderator", "vip", "subscriber", "viewer"];
// a Matrix power level maps to one of these (everyone below the lowest is a viewer)
const MATRIX_ROLES = ["owner", "lead_moderator", "moderator", "vip", "subscriber"];
const MATRIX_DEFAULT_LEVELS = [["100", "owner"], ["50", "moderator"]];

export default {
  id: "connections",
  title: "Connections",
  requires: ["manage_connections"],
  mount(body, ctx) {
    const { el, button, clear, field, ago } = ctx.dom;
    const path = `/channels/${ctx.seg(ctx.channel)}/connections`;
    const list = el("ul", { class: "list", "data-testid": "connections-list", "aria-label": "Connections" });

    const platform = el("select", { "data-testid": "connections-platform" },
      PLATFORMS.map(([value, label]) => el("option", { value }, label)));
    const text = (testid, max) => el("input", { type: "text", maxlength: max, autocomplete: "off", "data-testid": testid });
    const target = text("connections-target", 255);
    const room = text("connections-room", 255);
    const account = text("connections-account", 255);
    const oper = text("connections-oper", 100);
    const clientId = text("connections-client-id", 100);
    const tls = el("input", { type: "checkbox", "data-testid": "connections-tls" });
    const automod = el("input", { type: "checkbox", "data-testid": "connections-automod" });
    const warn = el("select", { "data-testid": "connections-warn" },
      el("option", { value: "skip" }, "only in ChatWarden"), el("option", { value: "reply" }, "the bot says it in the channel"));
    const secret = (testid) => el("input", { type: "password", maxlength: 4096, autocomplete: "new-password", "data-testid": testid });
    const credential = secret("connections-credential");
    const operPassword = secret("connections-oper-password");
    const refreshToken = secret("connections-refresh-token");
    const clientSecret = secret("connections-client-secret");
    const secrets = [credential, operPassword, refreshToken, clientSecret];

    // Discord's role map: rows of (role id, ChatWarden role)
    const roleRows = el("div", { class: "stack", "data-testid": "connections-roles" });
    function addRoleRow() {
      const row = el("div", { class: "row", "data-testid": "connections-role-row" });
      const roleId = el("input", { type: "text", maxlength: 20, inputmode: "numeric", autocomplete: "off", "data-testid": "connections-role-id", "aria-label": "Discord role id", placeholder: "role id (digits)" });
      const role = el("select", { "data-testid": "connections-role", "aria-label": "ChatWarden role" },
        DISCORD_ROLES.map((r) => el("option", { value: r }, r)));
      row.append(roleId, role, button("Remove", () => row.remove(), { class: "btn small", "aria-label": "Remove this role" }));
      roleRows.append(row);
      return row;
    }
    function roleMap() {
      const map = {};
      for (const row of roleRows.querySelectorAll("[data-testid=connections-role-row]")) {
        const id = row.querySelector("input").value.trim();
        if (id) map[id] = row.querySelector("select").value;
      }
      return map;
    }

    // Matrix's power level map: rows of (power level, ChatWarden role); 100 owner, 50 moderator
    const levelRows = el("div", { class: "stack", "data-testid": "connections-levels" });
    function addLevelRow(level = "", role = "moderator") {
      const row = el("div", { class: "row", "data-testid": "connections-level-row" });
      const levelInput = el("input", { type: "number", step: 1, min: -9007199254740991, max: 9007199254740991, value: level, "data-testid": "connections-level", "aria-label": "Matrix power level", placeholder: "power level" });
      const roleSelect = el("select", { "data-testid": "connections-level-role", "aria-label": "ChatWarden role for this level and above" },
        MATRIX_ROLES.map((r) => el("option", { value: r }, r)));
      roleSelect.value = role;
      row.append(levelInput, roleSelect, button("Remove", () => row.remove(), { class: "btn small", "aria-label": "Remove this level" }));
      levelRows.append(row);
      return row;
    }
    function levelMap() {
      const map = {};
      for (const row of levelRows.querySelectorAll("[data-testid=connections-level-row]")) {
        const level = row.querySelector("input").value.trim();
        if (level) map[level] = row.querySelector("select").value;
      }
      return map;
    }
    const policyRooms = text("connections-policy-rooms", 2600);
    const publishRoom = text("connections-publish-room", 255);

    const targetField = field("Server", target);
    const roomField = field("Channel", room);
    const accountField = field("Bot account", account);
    const credentialField = field("Credential", credential, "stored encrypted, never shown again");
    const groups = {
      tls: [field("TLS", tls)],
      oper: [field("IRC operator block", oper), field("Its password", operPassword)],
      eventsub: [
        field("Client id", clientId, "the Twitch application's"),
        field("Twitch's AutoMod holds", automod, "also manage them (moderator:manage:automod)"),
        field("Refresh token", refreshToken, "optional: refresh the token when Twitch refuses it"),
        field("Client secret", clientSecret, "the application's; with the refresh token"),
      ],
      warn: [field("Warnings", warn, "Discord and Matrix have none")],
      matrix: [
        el("div", { class: "field" }, el("span", { class: "field-label" }, "Matrix power levels → ChatWarden roles"), levelRows,
          button("Add a level", () => addLevelRow(), { class: "btn small", "data-testid": "connections-level-add" })),
        field("Policy rooms", policyRooms, "Draupnir/Mjolnir ban lists to follow: room ids or aliases, separated by spaces"),
        field("Publish bans to", publishRoom, "optional: a policy room the bot may write to"),
      ],
      discord: [
        el("div", { class: "field" }, el("span", { class: "field-label" }, "Discord roles → ChatWarden roles"), roleRows,
          button("Add a role", () => addRoleRow(), { class: "btn small", "data-testid": "connections-role-add" })),
      ],
    };
    const form = el("form", { class: "stack", "data-testid": "connections-add-form", "aria-label": "Add a connection" },
      el("div", { class: "toolbar" }, field("Platform", platform), targetField, roomField, accountField),
      el("div", { class: "toolbar" }, credentialField, Object.values(groups).flat()),
      el("div", { class: "row" }, el("button", { type: "submit", class: "btn primary small", "data-testid": "connections-add" }, "Add connection")));

    function relabel(node, [label, hint]) {
      node.querySelector(".field-label").textContent = label;
      node.querySelector("input").placeholder = hint;
    }
    function showFields() {
      const [t, r, a, c] = LABELS[platform.value];
      targetField.hidden = !t;
      if (t) relabel(targetField, t);
      relabel(roomField, r);
      relabel(accountField, a);
      credentialField.querySelector(".field-label").textContent = c;
      for (const [name, nodes] of Object.entries(groups)) {
        for (const node of nodes) node.hidden = !SHOWS[platform.value].includes(name);
      }
      if (platform.value === "discord" && !roleRows.children.length) addRoleRow();
      if (platform.value === "matrix" && !levelRows.children.length) {
        for (const [level, role] of MATRIX_DEFAULT_LEVELS) addLevelRow(level, role);
      }
    }
    platform.addEventListener("change", showFields);
    showFields();

    body.append(list,
      el("div", { class: "row" }, button("Refresh", () => reload(), { class: "btn small", "data-testid": "connections-refresh" })),
      el("h3", {}, "Add a connection"), form);

    function item(c) {
      const remove = async () => {
        if (!(await ctx.confirm(`Remove the ${c.platform} connection to ${c.room} on ${c.target}? Its stored credential is deleted.`, { confirmLabel: "Remove", danger: true }))) return;
        try {
          await ctx.api.del(`${path}/${c.id}`);
          ctx.toast("Connection removed (recorded in the mod log)", "ok");
          await reload();
        } catch (err) {
          ctx.showError(err);
        }
      };
      const li = el("li", { class: "list-item stack", "data-testid": "connection", dataset: { id: String(c.id), status: c.status } },
        el("div", { class: "row" },
          el("b", {}, `${c.platform} · ${c.room}`),
          el("span", { class: "muted" }, `${c.target} as ${c.account}`),
          settings(c),
          el("span", { class: ["badge", STATUS[c.status]], "data-testid": "connection-status" }, c.status),
          el("span", { class: "muted", "data-testid": "connection-status-at" }, c.status_at ? `reported ${ago(c.status_at)}` : "never run"),
          el("span", { class: "spacer" }),
          button("Replace token", () => replaceForm(c, li), { class: "btn small", "data-testid": "connection-replace", "aria-label": `Replace the token of the connection to ${c.room}` }),
          button("Remove", remove, { class: "btn small", "data-testid": "connection-remove", "aria-label": `Remove the connection to ${c.room}` })),
        el("div", { class: "muted", "data-testid": "connection-last-message" },
          c.last_message_at ? `Last message ${ago(c.last_message_at)}` : "No message yet",
          c.has_credential ? " · credential stored encrypted" : " · no credential"),
        c.last_error ? el("div", { class: "error", "data-testid": "connection-last-error" }, `Last error: ${c.last_error}`) : null,
        platformRules(c));
      return li;
    }

    // "Replace token": a revoked token, a Twitch refresh that failed. The connection keeps its
    // id, status and resume point; the new secrets are write-only like the first ones (sent
    // once, cleared at once). A running `connect run` keeps the old token until restarted.
    function replaceForm(c, li) {
      if (li.querySelector("[data-testid=connection-replace-form]")) return;
      const kind = c.platform === "twitch" && c.target === "eventsub" ? "eventsub" : c.platform;
      const token = secret("connection-new-credential");
      const fresh = [token];
      const fields = [field(`New ${(LABELS[kind] || LABELS.irc)[3].toLowerCase()}`, token, "stored encrypted, never shown again")];
      if (kind === "eventsub") {
        const refresh = secret("connection-new-refresh-token");
        const appSecret = secret("connection-new-client-secret");
        fresh.push(refresh, appSecret);
        fields.push(field("New refresh token", refresh, "optional"), field("Client secret", appSecret, "optional: the stored one is kept"));
      }
      const form = el("form", { class: "stack", "data-testid": "connection-replace-form", "aria-label": `Replace the token of the connection to ${c.room}` },
        el("div", { class: "toolbar" }, fields),
        el("div", { class: "row" },
          el("button", { type: "submit", class: "btn primary small", "data-testid": "connection-replace-save" }, "Replace"),
          button("Cancel", () => form.remove(), { class: "btn small", "data-testid": "connection-replace-cancel" })));
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        const [credential, refreshToken, clientSecret] = fresh.map((input) => input.value || undefined);
        for (const input of fresh) input.value = ""; // the secrets leave the page with this request, and only then
        try {
          const done = await ctx.api.patch(`${path}/${c.id}`, { credential, refresh_token: refreshToken, client_secret: clientSecret });
          ctx.toast(`Connection ${c.id}: ${done.changed.join(", ") || "nothing"} replaced (recorded in the mod log). If chatwarden connect run ${c.id} is running, restart it to use it.`, "ok");
          form.remove();
          await reload();
        } catch (err) {
          ctx.showError(err);
        }
      });
      li.append(form);
      token.focus();
    }

    // what the connection was set up with (never a secret: the server has none to send)
    function settings(c) {
      const o = c.options || {};
      const parts = [];
      if (o.client_id) parts.push(`client id ${o.client_id}`);
      if (o.client_id) parts.push(o.automod ? "Twitch's AutoMod holds managed" : "Twitch's AutoMod holds not managed");
      if (o.token_refresh) parts.push("token refreshed when refused");
      if (o.roles && typeof o.roles === "object") parts.push(`${Object.keys(o.roles).length} Discord roles mapped`);
      if (o.levels && typeof o.levels === "object") {
        const levels = Object.entries(o.levels).sort((a, b) => Number(b[0]) - Number(a[0]));
        parts.push(levels.length ? `power levels: ${levels.map(([lv, r]) => `${lv} → ${r}`).join(", ")}` : "default power levels");
      }
      if (Array.isArray(o.policy_rooms) && o.policy_rooms.length) parts.push(`follows ${o.policy_rooms.join(", ")}`);
      if (typeof o.publish_room === "string") parts.push(`publishes bans to ${o.publish_room}`);
      if (o.warn) parts.push(o.warn === "reply" ? "warnings said in the channel" : "warnings only in ChatWarden");
      return parts.length ? el("span", { class: "muted", "data-testid": "connection-settings" }, parts.join(" · ")) : null;
    }

    // the platform's own moderation rules, as the runner read them (Discord's AutoMod rules):
    // they act before ChatWarden sees a message
    function platformRules(c) {
      const rules = Array.isArray(c.options?.platform_rules) ? c.options.platform_rules : null;
      if (!rules) return null;
      const label = `${c.platform}'s own AutoMod rules (they act before ChatWarden sees a message)`;
      return el("details", { "data-testid": "connection-platform-rules" },
        el("summary", {}, `${label}: ${rules.length}`),
        el("ul", { class: "stack" }, rules.map((r) => el("li", { "data-testid": "platform-rule" },
          el("b", {}, String(r.name ?? "")),
          ` · ${r.enabled ? "enabled" : "disabled"} · trigger: ${r.trigger ?? "?"} · actions: ${(Array.isArray(r.actions) ? r.actions : []).join(", ") || "-"}`))));
    }

    async function reload() {
      try {
        const found = await ctx.api.get(path);
        clear(list, found.length ? found.map(item)
          : el("li", { class: "empty" }, "No connections. Add one below, then run it on the server: chatwarden connect run ID."));
      } catch (err) {
        ctx.showError(err);
      }
    }

    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const optional = (input) => input.value.trim() || null;
      const chosen = platform.value;
      const shows = SHOWS[chosen];
      const payload = {
        platform: PLATFORMS.find(([value]) => value === chosen)[2],
        target: chosen === "eventsub" ? "eventsub" : target.value.trim(),
        room: room.value.trim(),
        account: account.value.trim(),
        credential: credential.value || null,
      };
      if (shows.includes("tls")) payload.tls = tls.checked;
      if (shows.includes("oper")) Object.assign(payload, { oper: optional(oper), oper_password: operPassword.value || null });
      if (shows.includes("eventsub")) {
        Object.assign(payload, { client_id: optional(clientId), automod: automod.checked,
          refresh_token: refreshToken.value || null, client_secret: clientSecret.value || null });
      }
      if (shows.includes("warn")) payload.warn = warn.value;
      if (shows.includes("discord")) payload.roles = roleMap();
      if (shows.includes("matrix")) {
        Object.assign(payload, { roles: levelMap(), policy_rooms: policyRooms.value.split(/[\s,]+/).filter(Boolean),
          publish_room: optional(publishRoom) });
      }
      for (const input of secrets) input.value = ""; // the secrets leave the page with this request, and only then
      try {
        const made = await ctx.api.post(path, payload);
        ctx.toast(`Connection ${made.id} added: run it with chatwarden connect run ${made.id}`, "ok");
        for (const input of [target, room, account, oper, clientId, policyRooms, publishRoom]) input.value = "";
        tls.checked = false;
        automod.checked = false;
        warn.value = "skip";
        roleRows.replaceChildren();
        levelRows.replaceChildren();
        showFields();
        await reload();
      } catch (err) {
        ctx.showError(err);
      }
    });

    ctx.live.on("welcome", reload);
    // a runner reports its status into the connection: look again now and then
    // (not while a token is being replaced: the form would go with the old list)
    setInterval(() => { if (!document.hidden && !list.querySelector("form")) reload(); }, 15000);
  },
};
