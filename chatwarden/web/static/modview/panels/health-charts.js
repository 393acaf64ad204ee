// Charts for the health and shadow panels: plotly.js, served by our own origin from the
// installed plotly Python package (GET /vendor/plotly.min.js; no CDN, works offline). Loaded
// once, on first use, as a same-origin script (allowed by script-src 'self').

let loading = null;

export function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = "/vendor/plotly.min.js";
      script.async = true;
      script.addEventListener("load", () => resolve(window.Plotly));
      script.addEventListener("error", () => {
        loading = null;
        reject(new Error("The charting library could not be loaded."));
      });
      document.head.append(script);
    });
  }
  return loading;
}

const css = (name, fallback) =>
  getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

/** Draw (or redraw) ``traces`` into ``node``; traces are plotly trace objects. */
export async function draw(node, traces, layout = {}) {
  const Plotly = await loadPlotly();
  const fg = css("--fg", "#222");
  const border = css("--border", "#ccc");
  await Plotly.react(node, traces, {
    margin: { l: 48, r: 12, t: 8, b: 36 },
    height: 220,
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
    font: { color: fg, size: 11 },
    xaxis: { type: "date", gridcolor: border, automargin: true },
    yaxis: { gridcolor: border, rangemode: "tozero", automargin: true },
    legend: { orientation: "h", y: -0.25 },
    showlegend: true,
    ...layout,
  }, { displayModeBar: false, responsive: true, staticPlot: false });
}

/** A line trace over buckets; a null value (no data, not 0) is a gap in the line. */
export function line(buckets, key, name, extra = {}) {
  return {
    type: "scatter", mode: "lines+markers", name, connectgaps: false,
    x: buckets.map((b) => b.start),
    y: buckets.map((b) => { const v = valueOf(b, key); return v === undefined ? null : v; }),
    ...extra,
  };
}

/** The x-axis of a bucket series: from the first bucket's start to the last one's end. */
export function xrange(buckets) {
  if (!buckets.length) return {};
  const last = buckets[buckets.length - 1];
  const end = new Date(Date.parse(last.start) + last.minutes * 60e3).toISOString();
  return { xaxis: { type: "date", range: [buckets[0].start, end], automargin: true } };
}

/** A bar trace of the buckets where ``key`` is above 0 (each bar 80 % of its bucket wide). */
export function bars(buckets, key, name, extra = {}) {
  const kept = buckets.filter((b) => (valueOf(b, key) || 0) > 0);
  const width = buckets.length ? 0.8 * buckets[0].minutes * 60e3 : undefined;
  return { type: "bar", name, width, x: kept.map((b) => b.start), y: kept.map((b) => valueOf(b, key)), ...extra };
}

/** ``bucket[key]``, or ``bucket[a][b]`` for a dotted key such as "harm_rate.bullying". */
export function valueOf(bucket, key) {
  if (key in bucket) return bucket[key];
  const [a, b] = key.split(".", 2);
  return bucket[a] ? bucket[a][b] : undefined;
}
