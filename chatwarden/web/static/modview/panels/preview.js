// Preview a change: pick AutoMod levels (and optionally a term to block), see what would have
// been held or blocked over the channel's last days of chat, beside the current settings, with
// the messages whose outcome changes. Nothing is changed: POST /automod/preview only replays
// the stored history (docs/replay.md). Chat text is rendered as text only (ctx.dom).

import { categoryName } from "./queue.js";

const CATEGORIES = ["disability", "sexuality_sex_or_gender", "misogyny", "race_ethnicity_or_religion",
  "sex_based_terms", "aggression", "bullying", "swearing"];

function reasonText(side) {
  if (side.action === "rejected") return `rejected (${side.rule})`;
  const why = (side.reasons || []).map((r) => (r.kind === "category"
    ? categoryName(r.category)
    : `term ${r.term === null || r.term === undefined ? "(private)" : `“${r.term}”`}`));
  return why.length ? `${side.action} · ${why.join(", ")}` : side.action;
}

export default {
  id: "preview",
  title: "Preview a change",
  requires: ["preview_automod"],
  size: "wide",
  css: true,
  mount(body, ctx) {
    const { el, button, clear, field, highlight } = ctx.dom;
    const path = `/channels/${ctx.seg(ctx.channel)}/automod/preview`;

    const overall = el("select", { "aria-label": "Overall level to preview", "data-testid": "preview-level" },
      el("option", { value: "" }, "keep current"),
      [0, 1, 2, 3, 4].map((n) => el("option", { value: String(n) }, `overall level ${n}`)));
    const category = el("select", { "aria-label": "Category to change", "data-testid": "preview-category" },
      el("option", { value: "" }, "no single category"),
      CATEGORIES.map((c) => el("option", { value: c }, categoryName(c))));
    const categoryLevel = el("select", { "aria-label": "Level for that category", "data-testid": "preview-category-level" },
      [0, 1, 2, 3, 4].map((n) => el("option", { value: String(n) }, `level ${n}`)));
    const term = el("input", { type: "text", maxlength: "100", placeholder: "e.g. noob",
      "aria-label": "A term to block", "data-testid": "preview-term" });
    const days = el("select", { "aria-label": "Days of history", "data-testid": "preview-days" },
      [1, 3, 7, 14, 30].map((n) => el("option", { value: String(n), selected: n === 7 }, `last ${n} days`)));
    const out = el("div", { class: "stack", "data-testid": "preview-result" },
      el("p", { class: "empty" }, "Pick a change and press Preview: nothing is saved."));
    const run = button("Preview", preview, { class: "btn primary", "data-testid": "preview-run" });

    const exportLink = el("a", { href: `/api/v1${exportPath(7)}`, download: "", "data-testid": "preview-export" },
      "Download this history for ", el("code", {}, "chatwarden replay"));
    days.addEventListener("change", () => exportLink.setAttribute("href", `/api/v1${exportPath(Number(days.value))}`));
    const levelField = field("to", categoryLevel);
    levelField.hidden = true; // a level only means something once a category is picked
    category.addEventListener("change", () => { levelField.hidden = !category.value; });
    body.append(
      el("div", { class: "row toolbar" },
        field("Levels", overall), field("Category", category), levelField),
      el("div", { class: "row toolbar" }, field("Block a term", term), field("History", days), run),
      out,
      el("p", { class: "muted" }, exportLink));

    function exportPath(n) {
      return `/channels/${ctx.seg(ctx.channel)}/history/export?days=${n}`;
    }

    // The body is a PATCH of the AutoMod settings (as the Settings panel saves it): a new overall
    // level is a preset that resets per-category levels; "levels" replaces the custom levels, so
    // a single category change keeps the channel's other custom levels.
    async function proposal() {
      const p = {};
      if (overall.value !== "") p.overall_level = Number(overall.value);
      if (category.value) {
        const custom = overall.value === ""
          ? ((await ctx.api.get(`/channels/${ctx.seg(ctx.channel)}/automod/settings`)).levels || {})
          : {};
        p.levels = { ...custom, [category.value]: Number(categoryLevel.value) };
      }
      if (term.value.trim()) p.add_terms = [{ text: term.value.trim() }];
      return p;
    }

    async function preview() {
      if (overall.value === "" && !category.value && !term.value.trim()) {
        ctx.toast("Pick a level, a category or a term to preview", "info");
        return;
      }
      run.disabled = true;
      clear(out, el("p", { class: "muted" }, "Replaying the channel's history…"));
      try {
        const p = await proposal();
        const res = await ctx.api.post(`${path}?days=${Number(days.value)}`, p);
        render(res);
      } catch (err) {
        clear(out, el("p", { class: "error" }, err.message || "The preview failed."));
        ctx.showError(err);
      } finally {
        run.disabled = false;
      }
    }

    function render(res) {
      const w = res.window;
      const cur = res.current.counts;
      const pro = res.proposed.counts;
      const c = res.comparison;
      const cats = [...new Set([...Object.keys(res.current.held_by_category),
        ...Object.keys(res.proposed.held_by_category)])];
      clear(out,
        el("p", { "data-testid": "preview-window" },
          `Replayed ${w.messages_replayed} messages from the last ${w.days} days`,
          w.capped ? ` (the newest ${w.max_messages} of ${w.messages_in_window})` : "", "."),
        el("table", { class: "preview-table", "data-testid": "preview-summary" },
          el("thead", {}, el("tr", {}, el("th", {}, ""), el("th", {}, "now"), el("th", {}, "with the change"))),
          el("tbody", {},
            [["allowed", "allow"], ["held", "hold"], ["blocked", "block"]].map(([label, key]) =>
              el("tr", { dataset: { action: key } }, el("th", {}, label),
                el("td", {}, String(cur[key])), el("td", {}, String(pro[key])))),
            // proactive detection runs in the preview too (the channel's detection settings)
            el("tr", { dataset: { action: "detection" } }, el("th", {}, "held or blocked by detection"),
              el("td", {}, String(res.current.detection ? res.current.detection.decided : 0)),
              el("td", {}, String(res.proposed.detection ? res.proposed.detection.decided : 0))),
            cats.map((cat) => el("tr", { dataset: { category: cat } },
              el("th", {}, `held: ${categoryName(cat)}`),
              el("td", {}, String(res.current.held_by_category[cat] || 0)),
              el("td", {}, String(res.proposed.held_by_category[cat] || 0)))))),
        el("p", { "data-testid": "preview-differ" },
          `${c.differ} ${c.differ === 1 ? "message" : "messages"} would get a different outcome (${c.stricter_in_b} stricter, ${c.looser_in_b} looser).`),
        c.samples.length
          ? el("ul", { class: "list scroll", "data-testid": "preview-diff" },
            c.samples.map((s) => el("li", { class: "list-item", "data-testid": "preview-sample" },
              el("div", {}, el("b", {}, s.user), " · ", ctx.dom.clock(s.time)),
              el("div", {}, highlight(s.text, [...(s.b.reasons || []), ...(s.a.reasons || [])]
                .flatMap((r) => r.spans || []))),
              el("div", { class: "muted" }, `now: ${reasonText(s.a)} → with the change: ${reasonText(s.b)}`))))
          : el("p", { class: "empty" }, "No message would change."));
    }
  },
};
