// A tiny SVG chart writer for the benchmark reports: grouped bars and lines, no dependency. The
// charts are committed beside RESULTS.md, so the output is plain, stable text (fixed layout,
// numbers rounded) that diffs well.

const COLOURS = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
];

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const r1 = (n: number) => (Math.round(n * 10) / 10).toString();

/** A "nice" upper bound for an axis (1, 2 or 5 times a power of ten) and its tick step. */
function niceScale(max: number, ticks = 5): { top: number; step: number } {
  if (!(max > 0)) return { top: 1, step: 0.2 };
  const raw = max / ticks;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
  return { top: Math.ceil(max / step) * step, step };
}

const tickLabel = (v: number) =>
  v >= 10_000 ? `${r1(v / 1000)}k` : Number.isInteger(v) ? String(v) : v.toPrecision(3);

interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

function header(f: Frame, title: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${f.width}" height="${f.height}" viewBox="0 0 ${f.width} ${f.height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${f.width}" height="${f.height}" fill="#fff"/>`,
    `<text x="${f.width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
}

function yAxis(f: Frame, top: number, step: number, label: string): string[] {
  const out: string[] = [];
  const plotH = f.height - f.top - f.bottom;
  for (let v = 0; v <= top + step / 1000; v += step) {
    const y = f.height - f.bottom - (v / top) * plotH;
    out.push(
      `<line x1="${f.left}" y1="${r1(y)}" x2="${f.width - f.right}" y2="${r1(y)}" stroke="#ddd"/>`,
      `<text x="${f.left - 6}" y="${r1(y + 4)}" text-anchor="end">${tickLabel(v)}</text>`,
    );
  }
  const mid = f.top + plotH / 2;
  out.push(
    `<text x="14" y="${r1(mid)}" text-anchor="middle" transform="rotate(-90 14 ${r1(mid)})">${esc(label)}</text>`,
    `<line x1="${f.left}" y1="${f.top}" x2="${f.left}" y2="${f.height - f.bottom}" stroke="#333"/>`,
    `<line x1="${f.left}" y1="${f.height - f.bottom}" x2="${f.width - f.right}" y2="${f.height - f.bottom}" stroke="#333"/>`,
  );
  return out;
}

function legend(f: Frame, names: string[]): string[] {
  const out: string[] = [];
  const x = f.width - f.right + 12;
  names.forEach((name, i) => {
    const y = f.top + i * 18;
    out.push(
      `<rect x="${x}" y="${y}" width="12" height="12" fill="${COLOURS[i % COLOURS.length]}"/>`,
      `<text x="${x + 18}" y="${y + 10}">${esc(name)}</text>`,
    );
  });
  return out;
}

/**
 * Dashed horizontal lines across the plot, coloured after the `after` series before them; their
 * names join `names` for the legend.
 */
function referenceLines(
  f: Frame,
  refs: { name: string; value: number }[] | undefined,
  after: number,
  py: (v: number) => number,
  names: string[],
): string[] {
  return (refs ?? []).map((ref, j) => {
    const y = r1(py(ref.value));
    names.push(ref.name);
    return `<line x1="${f.left}" y1="${y}" x2="${f.width - f.right}" y2="${y}" stroke="${COLOURS[(after + j) % COLOURS.length]}" stroke-dasharray="6 4" stroke-width="1.5"/>`;
  });
}

export interface BarChart {
  title: string;
  yLabel: string;
  /** The groups along the x axis (e.g. size classes). */
  groups: string[];
  /** One bar per series in each group (e.g. tools); NaN or undefined draws no bar. */
  series: { name: string; values: (number | undefined)[] }[];
}

/** Grouped vertical bars with the value printed above each bar. */
export function barChart(c: BarChart): string {
  const f: Frame = { width: 960, height: 420, left: 70, right: 250, top: 40, bottom: 50 };
  const max = Math.max(
    0,
    ...c.series.flatMap((s) => s.values.filter((v): v is number => Number.isFinite(v))),
  );
  const { top, step } = niceScale(max);
  const plotW = f.width - f.left - f.right;
  const plotH = f.height - f.top - f.bottom;
  const groupW = plotW / Math.max(1, c.groups.length);
  const barW = (groupW * 0.8) / Math.max(1, c.series.length);
  const out = [...header(f, c.title), ...yAxis(f, top, step, c.yLabel)];
  c.groups.forEach((group, g) => {
    const gx = f.left + g * groupW + groupW * 0.1;
    c.series.forEach((s, i) => {
      const v = s.values[g];
      if (v === undefined || !Number.isFinite(v)) return;
      const h = (v / top) * plotH;
      const x = gx + i * barW;
      const y = f.height - f.bottom - h;
      out.push(
        `<rect x="${r1(x)}" y="${r1(y)}" width="${r1(barW * 0.9)}" height="${r1(h)}" fill="${COLOURS[i % COLOURS.length]}"/>`,
        `<text x="${r1(x + barW * 0.45)}" y="${r1(y - 3)}" text-anchor="middle" font-size="9">${tickLabel(Math.round(v))}</text>`,
      );
    });
    out.push(
      `<text x="${r1(f.left + g * groupW + groupW / 2)}" y="${f.height - f.bottom + 18}" text-anchor="middle">${esc(group)}</text>`,
    );
  });
  out.push(
    ...legend(
      f,
      c.series.map((s) => s.name),
    ),
    "</svg>",
    "",
  );
  return out.join("\n");
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  /** x positions, drawn evenly spaced and labelled as given (e.g. concurrency 8 ... 256). */
  x: number[];
  series: { name: string; values: (number | undefined)[] }[];
  /** Optional dashed horizontal reference lines (e.g. a lower bound). */
  references?: { name: string; value: number }[];
}

/** Lines over categorical x positions (evenly spaced), with a point marker at each value. */
export function lineChart(c: LineChart): string {
  const f: Frame = { width: 860, height: 420, left: 70, right: 230, top: 40, bottom: 60 };
  const values = c.series.flatMap((s) => s.values.filter((v): v is number => Number.isFinite(v)));
  const max = Math.max(0, ...values, ...(c.references ?? []).map((r) => r.value));
  const { top, step } = niceScale(max);
  const plotW = f.width - f.left - f.right;
  const plotH = f.height - f.top - f.bottom;
  const px = (i: number) => f.left + (c.x.length <= 1 ? plotW / 2 : (i / (c.x.length - 1)) * plotW);
  const py = (v: number) => f.height - f.bottom - (v / top) * plotH;
  const out = [...header(f, c.title), ...yAxis(f, top, step, c.yLabel)];
  c.x.forEach((x, i) =>
    out.push(
      `<text x="${r1(px(i))}" y="${f.height - f.bottom + 18}" text-anchor="middle">${tickLabel(x)}</text>`,
    ),
  );
  out.push(
    `<text x="${r1(f.left + plotW / 2)}" y="${f.height - 16}" text-anchor="middle">${esc(c.xLabel)}</text>`,
  );
  const names = c.series.map((s) => s.name);
  c.series.forEach((s, k) => {
    const colour = COLOURS[k % COLOURS.length];
    const pts = s.values
      .map((v, i) => (v !== undefined && Number.isFinite(v) ? `${r1(px(i))},${r1(py(v))}` : undefined))
      .filter((p): p is string => p !== undefined);
    if (pts.length > 1)
      out.push(`<polyline points="${pts.join(" ")}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    for (const p of pts) {
      const [x, y] = p.split(",");
      out.push(`<circle cx="${x}" cy="${y}" r="3.5" fill="${colour}"/>`);
    }
  });
  out.push(...referenceLines(f, c.references, c.series.length, py, names));
  out.push(...legend(f, names), "</svg>", "");
  return out.join("\n");
}

export interface TimePanel {
  title: string;
  yLabel: string;
  /** Lines over a numeric x axis (time), as [x, y] points in x order; no markers. */
  series: { name: string; points: [number, number][] }[];
  /** Optional dashed horizontal reference lines (e.g. a rate limit). */
  references?: { name: string; value: number }[];
}

export interface TimeChart {
  title: string;
  xLabel: string;
  /** Stacked top to bottom, each with its own x range (from 0 to its last point). */
  panels: TimePanel[];
}

/** Panels of lines against a numeric x axis (time): one SVG, the panels stacked. */
export function timeChart(c: TimeChart): string {
  const panelH = 230;
  const width = 860;
  const f0: Frame = {
    width,
    height: 40 + panelH * c.panels.length,
    left: 70,
    right: 230,
    top: 40,
    bottom: 0,
  };
  const plotW = width - f0.left - f0.right;
  const out = [...header(f0, c.title)];
  c.panels.forEach((panel, i) => {
    const xs = niceScale(Math.max(0, ...panel.series.flatMap((s) => s.points.map(([x]) => x))), 8);
    const px = (x: number) => f0.left + (x / xs.top) * plotW;
    // Each panel is a frame of its own, offset downward; its y axis is scaled to its own values.
    const top = 40 + i * panelH;
    const f: Frame = { width, height: top + panelH, left: 70, right: 230, top: top + 22, bottom: 46 };
    const values = panel.series.flatMap((s) => s.points.map(([, y]) => y));
    const ys = niceScale(Math.max(0, ...values, ...(panel.references ?? []).map((r) => r.value)));
    const plotH = f.height - f.top - f.bottom;
    const py = (v: number) => f.height - f.bottom - (v / ys.top) * plotH;
    out.push(
      `<text x="${f.left}" y="${top + 14}" font-weight="bold">${esc(panel.title)}</text>`,
      ...yAxis(f, ys.top, ys.step, panel.yLabel),
    );
    for (let x = 0; x <= xs.top + xs.step / 1000; x += xs.step) {
      out.push(
        `<text x="${r1(px(x))}" y="${f.height - f.bottom + 16}" text-anchor="middle">${tickLabel(x)}</text>`,
      );
    }
    out.push(
      `<text x="${r1(f.left + plotW / 2)}" y="${f.height - f.bottom + 32}" text-anchor="middle">${esc(c.xLabel)}</text>`,
    );
    const names = panel.series.map((s) => s.name);
    panel.series.forEach((s, k) => {
      if (s.points.length < 2) return;
      const pts = s.points.map(([x, y]) => `${r1(px(x))},${r1(py(y))}`).join(" ");
      out.push(
        `<polyline points="${pts}" fill="none" stroke="${COLOURS[k % COLOURS.length]}" stroke-width="1.5"/>`,
      );
    });
    out.push(...referenceLines(f, panel.references, panel.series.length, py, names));
    out.push(...legend(f, names));
  });
  out.push("</svg>", "");
  return out.join("\n");
}
