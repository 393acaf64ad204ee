// Channel health: the minute roll-ups of the channel's chat as charts (activity, moderation,
// harm rate per category), a summary of the range, a comparison with the other channels you
// moderate, and CSV/Parquet export. Every metric is defined in docs/analytics.md. Minutes are
// rolled up once finished, so the newest minute appears about a minute later.

import { bars, draw, line, xrange } from "./health-charts.js";
import { categoryName } from "./queue.js";

const RANGES = [
  ["hour", "last 60 minutes", "minute", 60 * 60e3],
  ["day", "last 24 hours", "hour", 24 * 3600e3],
  ["week", "last 7 days", "hour", 7 * 86400e3],
  ["month", "last 30 days", "day", 30 * 86400e3],
];

const COMPARE = [
  ["messages_per_min", "messages / min"],
  ["chatters_per_min", "chatters / min"],
  ["messages_per_chatter", "messages per chatter"],
  ["repetition_ratio", "repetition ratio"],
  ["entropy_bits_per_char", "information (bits / char)"],
  ["emote_only_share", "emote-only share"],
  ["held_rate", "held rate"],
  ["hold_precision", "holds confirmed (denied share)"],
  ["decision_median_s", "hold → decision, median s"],
  ["mod_actions", "moderator actions"],
];

const pct = (v) => (v === null || v === undefined ? "–" : `${(100 * v).toFixed(1)} %`);
const num = (v, digits = 1) => (v === null || v === undefined ? "–" : Number(v).toFixed(digits));

function totals(buckets) {
  const sum = (k) => buckets.reduce((a, b) => a + (b[k] || 0), 0);
  const messages = sum("messages");
  const denied = sum("resolved_denied");
  const allowed = sum("resolved_allowed");
  const workload = {};
  for (const b of buckets) {
    for (const [who, rate] of Object.entries(b.mod_actions_per_min)) {
      workload[who] = (workload[who] || 0) + rate * b.minutes;
    }
  }
  const medians = buckets.map((b) => b.decision_median_s).filter((v) => v !== null);
  return {
    messages, held: sum("held"), blocked: sum("blocked"), allowed, denied,
    precision: allowed + denied ? denied / (allowed + denied) : null,
    median: medians.length ? medians.sort((a, b) => a - b)[Math.floor((medians.length - 1) / 2)] : null,
    first: sum("first_time_chatters"), returned: sum("returned_chatters"),
    raids: sum("raid_events"), waves: sum("bot_wave_events"), workload,
  };
}

export default {
  id: "health",
  title: "Channel health",
  requires: ["view_health"],
  size: "wide",
  css: true,
  mount(body, ctx) {
    const { el, clear, field, button } = ctx.dom;
    const base = `/channels/${ctx.seg(ctx.channel)}/health`;
    const range = el("select", { "aria-label": "Time range", "data-testid": "health-range" },
      RANGES.map(([id, label]) => el("option", { value: id }, label)));
    const csv = el("a", { class: "btn small", "data-testid": "health-export-csv" }, "Export CSV");
    const parquet = el("a", { class: "btn small", "data-testid": "health-export-parquet" }, "Export Parquet");
    const status = el("p", { class: "muted", "data-testid": "health-status" }, "Loading…");
    const summary = el("dl", { class: "health-summary", "data-testid": "health-summary" });
    const activity = el("div", { class: "health-chart", "data-testid": "health-activity" });
    const moderation = el("div", { class: "health-chart", "data-testid": "health-moderation" });
    const harm = el("div", { class: "health-chart", "data-testid": "health-harm" });
    const metric = el("select", { "aria-label": "Metric to compare", "data-testid": "health-compare-metric" },
      COMPARE.map(([id, label]) => el("option", { value: id }, label)));
    const compare = el("div", { class: "health-chart", "data-testid": "health-compare" });

    body.append(
      el("div", { class: "row toolbar" }, field("Range", range),
        button("Refresh", reload, { class: "btn small" }), csv, parquet),
      status, summary,
      el("h3", {}, "Activity"), activity,
      el("h3", {}, "Moderation"), moderation,
      el("h3", {}, "Harm rate by category"), harm,
      el("h3", {}, "Compare the channels you moderate"),
      el("div", { class: "row toolbar" }, field("Metric", metric)), compare);

    let offset = null; // server clock minus browser clock, learned from the first answer

    function params() {
      const [, , resolution, span] = RANGES.find(([id]) => id === range.value);
      if (resolution === "minute" || offset === null) return { resolution };
      const end = Date.now() + offset;
      return { resolution, start: new Date(end - span).toISOString(), end: new Date(end).toISOString() };
    }

    async function reload() {
      const p = params();
      for (const [link, format] of [[csv, "csv"], [parquet, "parquet"]]) {
        link.setAttribute("href", `/api/v1${base}/export?${new URLSearchParams({ ...p, format })}`);
        link.setAttribute("download", "");
      }
      try {
        const series = await ctx.api.get(base, p);
        if (offset === null) offset = Date.parse(series.end) - Date.now();
        lastSeries = series;
        await render(series);
        await renderCompare({ ...p, start: series.start, end: series.end });
      } catch (err) {
        clear(status, err.message || "Could not load the health metrics.");
        ctx.showError(err);
      }
    }

    async function render(series) {
      const b = series.buckets;
      const t = totals(b);
      clear(status, series.rolled_until
        ? `Rolled up to ${ctx.dom.clock(series.rolled_until)} (${series.resolution} buckets).`
        : "Nothing rolled up yet: the first finished minute appears about a minute after chat starts.");
      const item = (label, value, id) => el("div", {}, el("dt", {}, label), el("dd", { "data-testid": id }, value));
      const top = Object.entries(t.workload).sort((a, c) => c[1] - a[1]).slice(0, 3)
        .map(([who, n]) => `${who} ${Math.round(n)}`).join(", ");
      clear(summary,
        item("messages", String(t.messages), "health-total-messages"),
        item("held / blocked", `${t.held} / ${t.blocked}`, "health-total-held"),
        item("holds confirmed", `${pct(t.precision)} (${t.denied} denied, ${t.allowed} allowed)`, "health-precision"),
        item("hold → decision (median)", t.median === null ? "–" : `${num(t.median, 0)} s`, "health-median"),
        item("first-time chatters", `${t.first} (${t.returned} came back)`, "health-first"),
        item("raids / bot waves", `${t.raids} / ${t.waves}`, "health-events"),
        item("moderator actions", top || "none", "health-workload"));
      await draw(activity, [
        bars(b, "messages_per_min", "messages / min"),
        line(b, "chatters_per_min", "chatters / min"),
      ], xrange(b));
      await draw(moderation, [
        line(b, "held_rate", "held rate"),
        line(b, "repetition_ratio", "repetition"),
        line(b, "emote_only_share", "emote-only"),
        line(b, "hold_precision", "holds confirmed"),
      ], { ...xrange(b), yaxis: { range: [0, 1], tickformat: ".0%" } });
      const cats = Object.keys(b[0] ? b[0].harm_rate : {})
        .filter((c) => b.some((x) => (x.harm_rate[c] || 0) > 0));
      await draw(harm, cats.length
        ? cats.map((c) => line(b, `harm_rate.${c}`, categoryName(c)))
        : [line([], "messages", "no findings")],
      { ...xrange(b), yaxis: { tickformat: ".1%", rangemode: "tozero" } });
    }

    async function renderCompare(params) {
      const res = await ctx.api.get("/health/compare", { ...params, metric: metric.value });
      const traces = Object.entries(res.channels).map(([name, values]) => (
        { type: "scatter", mode: "lines+markers", name, connectgaps: false, x: res.starts, y: values }));
      lastCompare = traces;
      await draw(compare, traces);
    }

    // the charts take their text and grid colours from the theme when drawn: draw them again
    // (from the data already here) when the theme changes, by the picker or by the system
    let lastSeries = null;
    let lastCompare = null;
    async function redraw() {
      if (!lastSeries) return;
      try {
        await render(lastSeries);
        if (lastCompare) await draw(compare, lastCompare);
      } catch (err) {
        ctx.showError(err);
      }
    }
    document.addEventListener("cw-themechange", redraw);
    matchMedia("(prefers-color-scheme: dark)").addEventListener("change", redraw);

    range.addEventListener("change", reload);
    metric.addEventListener("change", reload);
    reload();
    setInterval(() => { if (document.visibilityState === "visible") reload(); }, 60_000);
  },
};
