// Channel settings: AutoMod levels (overall preset and per category, each level explained),
// blocked/permitted terms (private flag for the owner, an expiry like Twitch's, several at once
// with one confirmation, search as you type, import/export), chat modes and the channel's
// rules (one per line; the owner and lead moderators edit them; viewers read them on the chat
// page and moderators pick them as timeout and ban reasons). Every change is confirmed first;
// the server writes it to the mod log.

import { categoryName } from "./queue.js";

const CATEGORIES = ["disability", "sexuality_sex_or_gender", "misogyny", "race_ethnicity_or_religion",
  "sex_based_terms", "aggression", "bullying", "swearing"];
const DISCRIMINATION = CATEGORIES.slice(0, 4);

const LEVEL_HELP = [
  "0 · off: nothing is held for this category.",
  "1 · less filtering: only messages that are very likely to be this kind of harm are held.",
  "2 · some filtering: clear cases are held.",
  "3 · more filtering: likely cases are held too.",
  "4 · most filtering: anything that may be this kind of harm is held.",
];

const OVERALL_HELP = [
  "0 · no filtering (terms still apply).",
  "1 · discrimination and slurs only, the most severe cases.",
  "2 · discrimination and slurs (some filtering), plus the worst sex-based terms, aggression and bullying.",
  "3 · more filtering of discrimination, sex-based terms and aggression; bullying at 2; swearing allowed.",
  "4 · most filtering in every category, swearing included.",
];

/** Twitch's presets, as chatwarden/categories.py ``preset`` computes them. */
function preset(level) {
  const out = Object.fromEntries(CATEGORIES.map((c) => [c, 0]));
  if (level === 4) return Object.fromEntries(CATEGORIES.map((c) => [c, 4]));
  for (const c of DISCRIMINATION) out[c] = level;
  if (level >= 2) {
    out.sex_based_terms = level === 2 ? 1 : level;
    out.aggression = level === 2 ? 1 : level;
    out.bullying = level - 1;
  }
  return out;
}

function effective(settings) {
  const base = settings.overall_level === null || settings.overall_level === undefined ? {} : preset(settings.overall_level);
  return Object.fromEntries(CATEGORIES.map((c) => [c, settings.levels?.[c] ?? base[c] ?? 0]));
}

export default {
  id: "settings",
  title: "Settings",
  requires: ["view_automod_settings"],
  size: "full",
  mount(body, ctx) {
    const { el, button, clear, field } = ctx.dom;
    const path = `/channels/${ctx.seg(ctx.channel)}`;
    const automodBox = el("div", { class: "stack", "data-testid": "settings-automod" });
    const termsBox = el("div", { class: "stack", "data-testid": "settings-terms" });
    const modesBox = el("div", { class: "stack", "data-testid": "settings-modes" });
    const rulesBox = el("div", { class: "stack", "data-testid": "settings-rules" });
    body.append(
      el("details", { class: "section", open: true }, el("summary", {}, "AutoMod levels"), automodBox),
      el("details", { class: "section", open: true }, el("summary", {}, "Blocked and permitted terms"), termsBox),
      el("details", { class: "section", open: true }, el("summary", {}, "Chat modes"), modesBox),
      el("details", { class: "section", open: true }, el("summary", {}, "Channel rules"), rulesBox));

    async function change(summary, fn, done) {
      if (!(await ctx.confirm(summary, { title: "Change settings", confirmLabel: "Save" }))) return false;
      try {
        await fn();
        ctx.toast("Saved (recorded in the mod log)", "ok");
        await done?.();
        return true;
      } catch (err) {
        ctx.showError(err);
        return false;
      }
    }

    // -- AutoMod levels -----------------------------------------------------------------------
    async function loadAutomod() {
      const s = await ctx.api.get(`${path}/automod/settings`);
      const editable = ctx.can("update_automod_settings");
      const levels = effective(s);
      const overall = el("select", { "aria-label": "Overall level", disabled: !editable, "data-testid": "overall-level" },
        el("option", { value: "", selected: s.overall_level === null }, "custom (per category)"),
        [0, 1, 2, 3, 4].map((n) => el("option", { value: String(n), selected: s.overall_level === n }, `level ${n}`)));
      const overallHelp = el("p", { class: "level-help" }, s.overall_level === null ? "Categories are set one by one below." : OVERALL_HELP[s.overall_level]);
      overall.addEventListener("change", async () => {
        if (overall.value === "") return;
        const n = Number(overall.value);
        const ok = await change(`Set the overall AutoMod level to ${n}? ${OVERALL_HELP[n]} This replaces every category's level.`,
          () => ctx.api.patch(`${path}/automod/settings`, { overall_level: n }), loadAutomod);
        if (!ok) overall.value = s.overall_level === null ? "" : String(s.overall_level);
      });
      const rows = CATEGORIES.map((c) => {
        const help = el("div", { class: "level-help" }, LEVEL_HELP[levels[c]]);
        const select = el("select", { "aria-label": `${categoryName(c)} level`, disabled: !editable, "data-testid": `level-${c}` },
          [0, 1, 2, 3, 4].map((n) => el("option", { value: String(n), selected: levels[c] === n }, String(n))));
        select.addEventListener("change", async () => {
          const n = Number(select.value);
          help.textContent = LEVEL_HELP[n];
          const ok = await change(`Set ${categoryName(c)} to level ${n}? ${LEVEL_HELP[n]}`,
            () => ctx.api.patch(`${path}/automod/settings`, { overall_level: null, levels: { ...levels, [c]: n } }), loadAutomod);
          if (!ok) {
            select.value = String(levels[c]);
            help.textContent = LEVEL_HELP[levels[c]];
          }
        });
        return el("tr", {}, el("th", { scope: "row" }, categoryName(c)), el("td", {}, select), el("td", {}, help));
      });
      const vip = el("input", { type: "checkbox", checked: s.vip_exempt, disabled: !editable, "data-testid": "vip-exempt" });
      vip.addEventListener("change", async () => {
        const ok = await change(`${vip.checked ? "Exempt" : "Stop exempting"} VIPs from AutoMod?`,
          () => ctx.api.patch(`${path}/automod/settings`, { vip_exempt: vip.checked }), loadAutomod);
        if (!ok) vip.checked = s.vip_exempt;
      });
      clear(automodBox,
        editable ? null : el("p", { class: "muted", "data-testid": "levels-readonly" }, "Only the owner and lead moderators can change AutoMod levels."),
        el("div", { class: "row" }, field("Overall level", overall), el("label", { class: "field inline" }, vip, "VIPs skip AutoMod")),
        overallHelp,
        el("table", { class: "levels" }, el("thead", {}, el("tr", {}, el("th", {}, "Category"), el("th", {}, "Level"), el("th", {}, "What it holds"))), el("tbody", {}, rows)));
    }

    // -- terms ---------------------------------------------------------------------------------
    // The list re-renders on every change (live events too); the forms are built once, so a
    // half-typed bulk list and its per-line errors survive another moderator's change.
    const termsList = el("ul", { class: "list scroll", "data-testid": "terms-list", style: { maxHeight: "240px" } });
    const termsCount = el("small", { class: "muted", "aria-live": "polite", "data-testid": "terms-count" });
    const search = el("input", { type: "search", "aria-label": "Search terms", placeholder: "Search terms", "data-testid": "terms-search" });
    let termItems = [];
    function filterTerms() {
      const q = search.value.trim().toLowerCase();
      let shown = 0;
      for (const { item, text } of termItems) {
        const hide = Boolean(q) && !text.includes(q);
        item.hidden = hide;
        item.style.display = hide ? "none" : ""; // .list-item.row's display beats [hidden]
        if (!hide) shown += 1;
      }
      termsCount.textContent = q ? `${shown} of ${termItems.length} terms match` : `${termItems.length} terms`;
    }
    search.addEventListener("input", filterTerms);
    let termForms = null;
    let expiryTimer = null;

    async function loadTerms() {
      const terms = await ctx.api.get(`${path}/automod/terms`);
      const canManage = ctx.can("manage_terms");
      termItems = terms.map((t) => ({
        text: t.text.toLowerCase(),
        item: el("li", { class: "list-item row", "data-testid": "term" },
          el("span", { class: ["badge", t.kind === "blocked" ? "danger" : "ok"] }, t.kind),
          el("code", { class: "term-text" }, t.text),
          t.private ? el("span", { class: "badge" }, "private") : null,
          t.is_regex ? el("span", { class: "badge" }, "regex") : null,
          t.expires_at ? el("span", { class: "badge warn", title: t.expires_at, "data-testid": "term-expiry" }, `expires ${new Date(t.expires_at).toLocaleString()}`) : null,
          el("span", { class: "spacer" }),
          canManage && (!t.private || ctx.can("manage_private_terms")) ? button("Remove", () => change(`Remove the ${t.kind} term “${t.text}”?`,
            () => ctx.api.del(`${path}/automod/terms/${t.id}`), loadTerms), { class: "btn small", "aria-label": `Remove term ${t.text}` }) : null),
      }));
      clear(termsList, termItems.length ? termItems.map((t) => t.item) : el("li", { class: "empty" }, "No terms."));
      filterTerms();
      // read the list again just after the next term expires (the server no longer lists it)
      clearTimeout(expiryTimer);
      const next = Math.min(...terms.filter((t) => t.expires_at).map((t) => Date.parse(t.expires_at)));
      if (Number.isFinite(next) && next - Date.now() < 86400000) {
        expiryTimer = setTimeout(() => loadTerms().catch((err) => ctx.showError(err)), Math.max(1000, next - Date.now() + 1000));
      }
      if (!termForms) termForms = canManage ? termsForms() : [];
      clear(termsBox, el("div", { class: "row" }, field("Search", search), termsCount), termsList, termForms);
    }

    const EXPIRIES = [["", "never"], ["3600", "1 hour"], ["86400", "1 day"], ["604800", "7 days"], ["2592000", "30 days"]];
    function termsForms() {
      const kind = el("select", { "data-testid": "term-kind" }, el("option", { value: "blocked" }, "blocked"), el("option", { value: "permitted" }, "permitted"));
      const regex = el("input", { type: "checkbox", "data-testid": "term-regex" });
      const priv = ctx.can("manage_private_terms") ? el("input", { type: "checkbox", "data-testid": "term-private" }) : null;
      const expiry = el("select", { "data-testid": "term-expiry-select" }, EXPIRIES.map(([v, t]) => el("option", { value: v }, t)));
      const options = () => ({
        kind: kind.value,
        private: Boolean(priv?.checked),
        is_regex: regex.checked,
        expires_in_s: expiry.value ? Number(expiry.value) : null,
      });
      const describe = () => `${kind.value}${priv?.checked ? ", private" : ""}${regex.checked ? ", RE2 pattern" : ""}, ${expiry.value ? `expiring in ${expiry.selectedOptions[0].textContent}` : "never expiring"}`;
      const optionRow = el("fieldset", { class: "row", "aria-label": "New terms" },
        el("legend", {}, "New terms"),
        field("Kind", kind),
        field("Expires after", expiry),
        el("label", { class: "field inline" }, regex, "RE2 pattern"),
        priv ? el("label", { class: "field inline", title: "Only the owner sees private terms" }, priv, "private (owner only)") : null);

      const text = el("input", { type: "text", maxlength: 500, required: true, "data-testid": "term-text" });
      const addForm = el("form", { class: "row", "aria-label": "Add a term" },
        field("Term, phrase or pattern", text),
        el("button", { type: "submit", class: "btn primary", "data-testid": "term-add" }, "Add term"));
      addForm.addEventListener("submit", (ev) => {
        ev.preventDefault();
        if (!text.value.trim()) return;
        change(`Add the term “${text.value.trim()}” (${describe()})?`,
          () => ctx.api.post(`${path}/automod/terms`, { text: text.value.trim(), ...options() }),
          async () => {
            text.value = "";
            await loadTerms();
          });
      });

      const bulk = el("textarea", { rows: 4, "data-testid": "terms-bulk", "aria-describedby": "terms-bulk-help" });
      const bulkErrors = el("ul", { class: "list", "data-testid": "terms-bulk-errors", "aria-live": "polite" });
      const bulkForm = el("form", { class: "stack", "aria-label": "Add several terms" },
        field("Several terms, one per line", bulk),
        el("small", { class: "muted", id: "terms-bulk-help" }, "Each line is one term with the options above. Lines that cannot be added are listed below and stay in the box; the others are added."),
        el("div", {}, el("button", { type: "submit", class: "btn", "data-testid": "terms-bulk-add" }, "Add all")),
        bulkErrors);
      bulkForm.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        const lines = bulk.value.split("\n").map((l) => l.trim()).filter(Boolean);
        if (!lines.length) return;
        const message = [`Add these ${lines.length} terms (${describe()})?`,
          el("ul", { class: "confirm-list", "data-testid": "terms-bulk-confirm", style: { maxHeight: "12rem", overflow: "auto" } }, lines.map((l) => el("li", {}, el("code", {}, l))))];
        if (!(await ctx.confirm(message, { title: "Add terms", confirmLabel: `Add ${lines.length}` }))) return;
        try {
          const r = await ctx.api.post(`${path}/automod/terms/bulk`, { texts: lines, ...options() });
          clear(bulkErrors, r.errors.map((e) => el("li", { class: "list-item error", "data-testid": "terms-bulk-error" },
            el("code", {}, e.text), ` (line ${e.line}): ${e.error}`)));
          bulk.value = r.errors.map((e) => lines[e.line - 1]).join("\n");
          ctx.toast(`Added ${r.added.length}${r.errors.length ? `; ${r.errors.length} not added (see the list)` : ""} (recorded in the mod log)`, r.errors.length ? "error" : "ok");
          await loadTerms();
        } catch (err) {
          ctx.showError(err);
        }
      });

      const format = el("select", { "aria-label": "Format", "data-testid": "terms-format" }, el("option", { value: "json" }, "JSON"), el("option", { value: "csv" }, "CSV"));
      const data = el("textarea", { rows: 4, "aria-label": "Terms to import, or the export", "data-testid": "terms-data", placeholder: "Paste a JSON or CSV export here to import it" });
      const exportBtn = button("Export", async () => {
        try {
          const out = await ctx.api.get(`${path}/automod/terms/export`, { format: format.value });
          data.value = typeof out === "string" ? out : JSON.stringify(out, null, 2);
          const blob = new Blob([data.value], { type: format.value === "csv" ? "text/csv" : "application/json" });
          const link = el("a", { href: URL.createObjectURL(blob), download: `${ctx.channel}-terms.${format.value}` });
          link.click();
          setTimeout(() => URL.revokeObjectURL(link.href), 1000);
        } catch (err) {
          ctx.showError(err);
        }
      }, { class: "btn", "data-testid": "terms-export" });
      const importBtn = button("Import", () => {
        if (!data.value.trim()) return;
        change("Import these terms? Terms already present are skipped; one bad row rejects the file.", async () => {
          const r = await ctx.api.post(`${path}/automod/terms/import?format=${format.value}`, data.value);
          ctx.toast(`Imported ${r.added}, skipped ${r.skipped}`, "ok");
        }, loadTerms);
      }, { class: "btn", "data-testid": "terms-import" });
      return [optionRow, addForm, bulkForm,
        el("div", { class: "row" }, field("Format", format), exportBtn, importBtn), data];
    }

    // -- chat modes ----------------------------------------------------------------------------
    async function loadModes() {
      const m = await ctx.api.get(`${path}/chat-settings`);
      const editable = ctx.can("update_chat_settings");
      const slow = el("input", { type: "number", min: 0, max: 120, value: String(m.slow_mode_s), disabled: !editable, "data-testid": "mode-slow" });
      const followers = el("input", { type: "checkbox", checked: m.followers_only_min_age_s !== null, disabled: !editable, "data-testid": "mode-followers" });
      const followMin = el("input", { type: "number", min: 0, max: 129600, value: String(Math.round((m.followers_only_min_age_s || 0) / 60)), disabled: !editable, "aria-label": "Minimum follow age in minutes" });
      const subs = el("input", { type: "checkbox", checked: m.subscribers_only, disabled: !editable, "data-testid": "mode-subs" });
      const emote = el("input", { type: "checkbox", checked: m.emote_only, disabled: !editable, "data-testid": "mode-emote" });
      const unique = el("input", { type: "checkbox", checked: m.unique_chat, disabled: !editable, "data-testid": "mode-unique" });
      const delay = el("input", { type: "number", min: 0, max: 6, value: String(m.non_mod_chat_delay_s), disabled: !editable, "data-testid": "mode-delay" });
      const form = el("form", { class: "stack", "aria-label": "Chat modes" },
        el("div", { class: "row" },
          field("Slow mode (seconds between messages, 0 = off)", slow),
          field("Chat delay for non-moderators (seconds)", delay)),
        el("div", { class: "row" },
          el("label", { class: "field inline" }, followers, "Followers-only, after following for"), followMin, el("span", {}, "minutes")),
        el("div", { class: "row" },
          el("label", { class: "field inline" }, subs, "Subscribers-only"),
          el("label", { class: "field inline" }, emote, "Emote-only"),
          el("label", { class: "field inline" }, unique, "Unique chat (no repeats within 30 s)")),
        editable ? el("div", {}, el("button", { type: "submit", class: "btn primary", "data-testid": "modes-save" }, "Save chat modes")) : null);
      form.addEventListener("submit", (ev) => {
        ev.preventDefault();
        const patch = {
          slow_mode_s: Number(slow.value),
          followers_only_min_age_s: followers.checked ? Number(followMin.value) * 60 : null,
          subscribers_only: subs.checked,
          emote_only: emote.checked,
          unique_chat: unique.checked,
          non_mod_chat_delay_s: Number(delay.value),
        };
        const changed = Object.entries(patch).filter(([k, v]) => m[k] !== v);
        if (!changed.length) {
          ctx.toast("Nothing changed");
          return;
        }
        const summary = changed.map(([k, v]) => `${k.replaceAll("_", " ")}: ${v === null ? "off" : v}`).join("; ");
        change(`Change chat modes? ${summary}`, () => ctx.api.patch(`${path}/chat-settings`, Object.fromEntries(changed)), loadModes);
      });
      clear(modesBox, form);
    }

    // -- channel rules -------------------------------------------------------------------------
    const MAX_RULES = 20;
    const MAX_RULE_LENGTH = 200;
    async function loadRules() {
      const { rules } = await ctx.api.get(`${path}/rules`);
      const editable = ctx.can("manage_rules");
      const list = el("ol", { class: "list", "data-testid": "rules-list" },
        rules.length ? rules.map((r) => el("li", { class: "list-item", "data-testid": "rule" }, r))
          : el("li", { class: "empty" }, "No rules yet."));
      if (!editable) {
        clear(rulesBox, list, el("p", { class: "muted", "data-testid": "rules-readonly" }, "Only the owner and lead moderators can change the rules."));
        return;
      }
      const text = el("textarea", { rows: Math.max(3, rules.length + 1), "data-testid": "rules-text", "aria-describedby": "rules-help" });
      text.value = rules.join("\n");
      const form = el("form", { class: "stack", "aria-label": "Channel rules" },
        field("Rules, one per line, in order", text),
        el("small", { class: "muted", id: "rules-help" },
          `At most ${MAX_RULES} rules of up to ${MAX_RULE_LENGTH} characters. Viewers see them on the chat page; moderators pick them as timeout and ban reasons.`),
        el("div", {}, el("button", { type: "submit", class: "btn primary", "data-testid": "rules-save" }, "Save rules")));
      form.addEventListener("submit", (ev) => {
        ev.preventDefault();
        const next = text.value.split("\n").map((r) => r.trim()).filter(Boolean);
        if (next.join("\n") === rules.join("\n")) {
          ctx.toast("Nothing changed");
          return;
        }
        if (next.length > MAX_RULES) {
          ctx.toast(`At most ${MAX_RULES} rules (there are ${next.length})`, "error");
          return;
        }
        const long = next.findIndex((r) => r.length > MAX_RULE_LENGTH);
        if (long >= 0) {
          ctx.toast(`Rule ${long + 1} is ${next[long].length} characters; the limit is ${MAX_RULE_LENGTH}`, "error");
          return;
        }
        change(next.length ? `Save these ${next.length} rules? ${next.map((r, n) => `${n + 1}. ${r}`).join(" ")}` : "Remove every rule?",
          () => ctx.api.put(`${path}/rules`, { rules: next }), loadRules);
      });
      clear(rulesBox, list, form);
    }

    const safe = (fn) => () => fn().catch((err) => ctx.showError(err));
    ctx.live.on("welcome", () => Promise.all([loadAutomod(), loadTerms(), loadModes(), loadRules()]).catch((err) => ctx.showError(err)));
    ctx.live.on("channel.rules.update", safe(loadRules));
    ctx.live.on("automod.settings.update", safe(loadAutomod));
    ctx.live.on("automod.terms.update", safe(loadTerms));
    ctx.live.on("settings", safe(loadModes));
  },
};
