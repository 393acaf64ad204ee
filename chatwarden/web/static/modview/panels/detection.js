// Detection settings: the live detectors' master switch, automatic Shield Mode on a raid,
// trust gates (verification), the strike ladder, shared-ban treatment and sharing partners.
// Lead moderators and the owner change them (confirmed first, logged by the server).

const SCOPES = [
  ["nobody", "nobody"], ["everyone", "everyone"], ["first_time_chatters", "first-time chatters"],
  ["conditions", "young accounts / new followers"],
];

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
      const save = async () => {
        const patch = {
          enabled: live.checked,
          shared_bans: { treatment: shared.value },
          detectors: {
            raid: { auto_shield: auto.checked },
            strikes: { enabled: strikes.checked },
            trust: { email: { applies_to: email.value }, phone: { applies_to: phone.value } },
          },
        };
        if (!(await ctx.confirm("Save the detection settings?", { confirmLabel: "Save" }))) return;
        try {
          render(await ctx.api.patch(`${path}/detection/settings`, patch));
          ctx.toast("Detection settings saved (logged in the mod log)", "ok");
        } catch (err) {
          ctx.showError(err);
        }
      };
      clear(box, liveRow, autoRow, strikeRow, emailRow, phoneRow, sharedRow,
        canEdit ? button("Save", save, { class: "btn primary small", "data-testid": "detection-save" }) : null);
    }

    async function reload() {
      try {
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
