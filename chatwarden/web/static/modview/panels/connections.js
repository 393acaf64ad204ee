// Connections (the owner): the chats on other platforms this channel watches (an IRC channel,
// Twitch chat over IRC, a Discord channel with the bot token as the credential; Matrix is
// recorded for its connector to come; Discord's role map is set with the CLI), each
// with its status, last message and last error as its runner reports them
// (`chatwarden connect run ID`), adding one and removing one. The credential is write-only:
// typed into a password field, sent once, cleared at once; the server never sends it back.

const PLATFORMS = [
  ["irc", "IRC"],
  ["twitch", "Twitch (IRC)"],
  ["matrix", "Matrix"],
  ["discord", "Discord"],
];
const STATUS = { connected: "ok", error: "danger", disconnected: "warn" };
const HINTS = {
  irc: ["irc.example.net:6697", "#channel", "bot nick"],
  twitch: ["irc.chat.twitch.tv:6697 (default)", "#streamer", "bot login"],
  matrix: ["https://matrix.example.org", "!room:example.org", "@bot:example.org"],
  discord: ["guild id (digits)", "channel id (digits)", "bot user id (digits)"],
};

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
    const tls = el("input", { type: "checkbox", "data-testid": "connections-tls" });
    const secret = (testid) => el("input", { type: "password", maxlength: 4096, autocomplete: "new-password", "data-testid": testid });
    const credential = secret("connections-credential");
    const operPassword = secret("connections-oper-password");
    const form = el("form", { class: "stack", "data-testid": "connections-add-form", "aria-label": "Add a connection" },
      el("div", { class: "toolbar" }, field("Platform", platform), field("Server or target", target), field("Room or channel", room), field("Bot account", account)),
      el("div", { class: "toolbar" }, field("TLS", tls), field("Credential", credential, "password or token; stored encrypted, never shown again"),
        field("IRC operator block", oper), field("Its password", operPassword)),
      el("div", { class: "row" }, el("button", { type: "submit", class: "btn primary small", "data-testid": "connections-add" }, "Add connection")));

    function placeholders() {
      const [t, r, a] = HINTS[platform.value];
      target.placeholder = t;
      room.placeholder = r;
      account.placeholder = a;
    }
    platform.addEventListener("change", placeholders);
    placeholders();

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
      return el("li", { class: "list-item stack", "data-testid": "connection", dataset: { id: String(c.id), status: c.status } },
        el("div", { class: "row" },
          el("b", {}, `${c.platform} · ${c.room}`),
          el("span", { class: "muted" }, `${c.target} as ${c.account}`),
          el("span", { class: ["badge", STATUS[c.status]], "data-testid": "connection-status" }, c.status),
          el("span", { class: "muted", "data-testid": "connection-status-at" }, c.status_at ? `reported ${ago(c.status_at)}` : "never run"),
          el("span", { class: "spacer" }),
          button("Remove", remove, { class: "btn small", "data-testid": "connection-remove", "aria-label": `Remove the connection to ${c.room}` })),
        el("div", { class: "muted", "data-testid": "connection-last-message" },
          c.last_message_at ? `Last message ${ago(c.last_message_at)}` : "No message yet",
          c.has_credential ? " · credential stored encrypted" : " · no credential"),
        c.last_error ? el("div", { class: "error", "data-testid": "connection-last-error" }, `Last error: ${c.last_error}`) : null,
        platformRules(c));
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
      const payload = {
        platform: platform.value,
        target: target.value.trim(),
        room: room.value.trim(),
        account: account.value.trim(),
        tls: tls.checked,
        oper: optional(oper),
        credential: credential.value || null,
        oper_password: operPassword.value || null,
      };
      credential.value = ""; // the secret leaves the page with this request, and only then
      operPassword.value = "";
      try {
        const made = await ctx.api.post(path, payload);
        ctx.toast(`Connection ${made.id} added: run it with chatwarden connect run ${made.id}`, "ok");
        for (const input of [target, room, account, oper]) input.value = "";
        tls.checked = false;
        await reload();
      } catch (err) {
        ctx.showError(err);
      }
    });

    ctx.live.on("welcome", reload);
    // a runner reports its status into the connection: look again now and then
    setInterval(() => { if (!document.hidden) reload(); }, 15000);
  },
};
