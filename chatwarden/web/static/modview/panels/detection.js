// Detection settings: the live detectors' master switch, automatic Shield Mode on a raid,
// trust gates (verification), the strike ladder, shared-ban treatment, the spam filters (on/off,
// action, thresholds with the API's bounds from GET /detection/spam-filters) and the link
// allow-list, and sharing partners. Lead moderators and the owner change them with one Save
// (checked here first, confirmed, checked and logged by the server).

const SCOPES = [
  ["nobody", "nobody"], ["everyone", "everyone"], ["first_time_chatters", "first-time chatters"],
  ["conditions", "young accounts / new followers"],
];

const FILTERS = {
  caps: "Capital letters", symbols: "Symbols", repetition: "Repeated characters and words",
  emote_flood: "Emote flood", length: "Message length", links: "Links", mentions: "@mentions",
  rate: "Message rate",
};
const FIELDS = {
  threshold: "Share of the message that trips it (0 to 1)", min_length: "Only messages at least this long",
  max_char_run: "Longest run of one character", max_word_repeats: "Most repeats of one word",
  max_emotes: "Most emotes", max_length: "Longest message (characters)", max_mentions: "Most @mentions",
  max_messages: "Most messages", per_s: "… in this many seconds", permit_s: "!permit lasts (seconds)",
  escalation_window_s: "Offences counted over (seconds)",
};
const ACTIONS = [["delete", "delete the message"], ["hold", "hold it for review"], ["timeout", "time the sender out"]];

/** Why ``raw`` is not a valid value for a field with ``spec``'s bounds, or null. */
function invalid(raw, spec) {
  if (raw.trim() === "") return "is required";
  const n = Number(raw);
  if (!Number.isFinite(n)) return "must be a number";
  if (spec.type === "integer" && !Number.isInteger(n)) return "must be a whole number";
  if (spec.min !== undefined && n < spec.min) return `must be at least ${spec.min}`;
  if (spec.exclusive_min !== undefined && n <= spec.exclusive_min) return `must be more than ${spec.exclusive_min}`;
  if (spec.max !== undefined && n > spec.max) return `must be at most ${spec.max}`;
  return null;
}

export default {
  id: "detection",
  title: "Detection",
  requires: ["view_detection"],
  mount(body, ctx) {
    const { el, button, clear, field } = ctx.dom;
    const path = `/channels/${ctx.seg(ctx.channel)}`;
    const canEdit = ctx.can("update_detection_settings");
    const box = el("div", { class: "stack", "data-testid": "detection-settings" });
    const partners = el("ul", { class: "list", "data-testid": "sharing-list" });
    const partnerName = el("input", { type: "text", maxlength: 25, placeholder: "channel", "aria-label": "Partner channel" });
    body.append(box, el("details", { class: "section" }, el("summary", {}, "Shared ban information"), partners,
      ctx.can("manage_sharing") ? el("div", { class: "row" }, partnerName,
        button("Share with", share, { class: "btn small" })) : null));

    const owner = ctx.me.role === "owner" || ctx.me.user?.is_admin;
    const check = (label, checked, testid, ownerOnly = false) => {
      const input = el("input", { type: "checkbox", checked, disabled: !canEdit || (ownerOnly && !owner), "data-testid": testid });
      return [el("label", { class: "check" }, input, el("span", {}, label)), input];
    };
    let spamFields = null; // the bounds, read once
    let spamOpen = false;
    const select = (label, options, value, testid) => {
      const input = el("select", { disabled: !canEdit, "aria-label": label, "data-testid": testid },
        options.map(([v, t]) => el("option", { value: v, selected: v === value }, t)));
      return [field(label, input), input];
    };

    function render(s) {
      const [liveRow, live] = check("Live detectors on (spam filters, floods, bot waves, raids, ban evasion)", s.enabled, "detection-enabled");
      const [autoRow, auto] = check("Turn Shield Mode on automatically when a hate raid is detected (the owner decides)", s.detectors.raid.auto_shield, "detection-auto-shield", true);
      const [strikeRow, strikes] = check("Strike ladder (warn → 10 min → 24 h → ban)", s.detectors.strikes.enabled, "detection-strikes");
      const [emailRow, email] = select("Verified email required of", SCOPES, s.detectors.trust.email.applies_to, "detection-email");
      const [phoneRow, phone] = select("Verified phone required of", SCOPES, s.detectors.trust.phone.applies_to, "detection-phone");
      const [sharedRow, shared] = select("Users banned in sharing channels are",
        [["monitor", "monitored"], ["restrict", "restricted"], ["off", "left alone"]], s.shared_bans.treatment, "detection-shared");
      const spam = spamControls(s.detectors.spam);
      const errors = el("ul", { class: "list", role: "alert", "data-testid": "detection-errors" });
      const save = async () => {
        const problems = spam.problems();
        clear(errors, problems.map(([, text]) => el("li", { class: "list-item error" }, text)));
        if (problems.length) {
          spam.details.open = true;
          for (const [input, text] of problems) {
            input.setCustomValidity(text);
            input.setAttribute("aria-invalid", "true");
          }
          problems[0][0].reportValidity(); // the message beside the field, and focus on it
          problems[0][0].focus();
          return;
        }
        const patch = {
          enabled: live.checked,
          shared_bans: { treatment: shared.value },
          detectors: {
            raid: { auto_shield: auto.checked },
            strikes: { enabled: strikes.checked },
            trust: { email: { applies_to: email.value }, phone: { applies_to: phone.value } },
            spam: spam.patch(),
          },
        };
        if (!(await ctx.confirm("Save the detection settings?", { confirmLabel: "Save" }))) return;
        try {
          render(await ctx.api.patch(`${path}/detection/settings`, patch));
          ctx.toast("Detection settings saved (logged in the mod log)", "ok");
        } catch (err) {
          clear(errors, el("li", { class: "list-item error" }, err.message || String(err)));
          ctx.showError(err);
        }
      };
      clear(box, liveRow, autoRow, strikeRow, emailRow, phoneRow, sharedRow, spam.details, errors,
        canEdit ? button("Save", save, { class: "btn primary small", "data-testid": "detection-save" }) : null);
    }

    /** The spam filters' controls: a fieldset per filter (on/off, action, numbers) and the
    link allow-list; ``patch()`` reads them, ``problems()`` lists [input, message] to fix. */
    function spamControls(spam) {
      const inputs = [];
      const readers = {};
      const fieldsets = Object.entries(FILTERS).map(([name, title]) => {
        const cfg = spam[name];
        const [onRow, on] = check("On", cfg.enabled, `spam-${name}-enabled`);
        const action = el("select", { disabled: !canEdit, "data-testid": `spam-${name}-action` },
          ACTIONS.map(([v, t]) => el("option", { value: v, selected: v === cfg.action }, t)));
        const later = (key) => ["min_length", "escalation_window_s"].indexOf(key); // the filter's own numbers first
        const numbers = Object.entries(spamFields[name] || {}).sort(([a], [b]) => later(a) - later(b)).map(([key, spec]) => {
          const input = el("input", {
            type: "number", value: String(cfg[key]), disabled: !canEdit, required: true,
            step: spec.type === "integer" ? "1" : "any", min: spec.min ?? spec.exclusive_min, max: spec.max,
            title: spec.description || null, "data-testid": `spam-${name}-${key}`,
          });
          input.addEventListener("input", () => {
            input.setCustomValidity("");
            input.removeAttribute("aria-invalid");
          });
          inputs.push([input, spec, `${title}: ${(FIELDS[key] || key).toLowerCase()}`]);
          return [key, input];
        });
        let domains = null;
        if (name === "links") {
          domains = el("textarea", { rows: 4, disabled: !canEdit, "data-testid": "spam-links-domains", "aria-describedby": "spam-links-help" });
          domains.value = cfg.allowed_domains.join("\n");
        }
        readers[name] = () => ({
          enabled: on.checked,
          action: action.value,
          ...Object.fromEntries(numbers.map(([key, input]) => [key, Number(input.value)])),
          ...(domains ? { allowed_domains: domains.value.split("\n").map((d) => d.trim()).filter(Boolean) } : {}),
        });
        return el("fieldset", { class: "stack", "data-testid": `spam-${name}` }, el("legend", {}, title),
          el("div", { class: "row" }, onRow, field("Action", action)),
          el("div", { class: "row" }, numbers.map(([key, input]) => field(FIELDS[key] || key.replaceAll("_", " "), input))),
          domains ? field("Allowed link domains, one per line (subdomains included)", domains) : null,
          domains ? el("small", { class: "muted", id: "spam-links-help" }, "Links to other domains are caught by this filter; a moderator's !permit lets one chatter post any link for a while.") : null);
      });
      const details = el("details", { class: "section", open: spamOpen, "data-testid": "spam-filters" },
        el("summary", {}, "Spam filters and the link allow-list"),
        el("p", { class: "muted" }, "A filter acts only while the live detectors are on."), fieldsets);
      details.addEventListener("toggle", () => { spamOpen = details.open; });
      return {
        details,
        patch: () => Object.fromEntries(Object.entries(readers).map(([name, read]) => [name, read()])),
        problems: () => inputs.map(([input, spec, label]) => [input, invalid(input.value, spec), label])
          .filter(([, why]) => why).map(([input, why, label]) => [input, `${label} ${why}`]),
      };
    }

    async function reload() {
      try {
        spamFields ??= await ctx.api.get("/detection/spam-filters");
        render(await ctx.api.get(`${path}/detection/settings`));
        const list = await ctx.api.get(`${path}/sharing`);
        clear(partners, list.length
          ? list.map((p) => el("li", { class: "list-item" }, p.name, " ",
            el("span", { class: "badge" }, p.active ? "sharing" : p.we_agreed ? "waiting for them" : "they asked")))
          : el("li", { class: "empty" }, "No sharing partners."));
      } catch (err) {
        ctx.showError(err);
      }
    }

    async function share() {
      const name = partnerName.value.trim();
      if (!name) return;
      try {
        await ctx.api.put(`${path}/sharing/${ctx.seg(name)}`);
        partnerName.value = "";
        await reload();
      } catch (err) {
        ctx.showError(err);
      }
    }

    ctx.live.on("welcome", reload);
    ctx.live.on("channel.detection_settings.update", reload);
  },
};
