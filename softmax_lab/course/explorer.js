// The temperature explorer, computed in the browser: an anywidget ES module (JupyterLab, Voila) that the
// static site loads too (tools/build_site.py gives it a small stand-in model). Python sends only the
// settings (logits, labels, T, top-k, top-p, draws, seed); every number on screen is computed here.
//
// The pure functions below are exported so that node can test them against the numpy reference
// (tests/test_explorer_js.py): same formulas, same tie and ordering rules as softmax_lab.softmax,
// softmax_lab.top_k_top_p_mask, softmax_lab.entropy.entropy and softmax_lab.sample_probabilities. Its softmax
// is the widgets' shared softmax.js (tested against softmax_lab.softmax by tests/test_softmax_js.py), which
// accepts what this explorer shows: -inf logits (masked classes), T = 0 and T = Infinity. Its two imports, the
// DOM helpers and T slider of widget_dom.js and softmax.js, are inlined for anywidget by
// softmax_lab/course/widget_assets.py.

import {
  T_MAX, T_MIN, clampT, formatT, htmlEl, numbersTable, slider, svgChart, svgEl, temperatureSlider, widgetRoot,
} from "./widget_dom.js";
import { softmax } from "./softmax.js";

const KEPT_COLOR = "#1f77b4";
const EXCLUDED_COLOR = "#c8c8c8";
const SAMPLE_COLOR = "#2ca02c";
const MARK_COLOR = "#c0392b";

// ------------------------------------------------------------------------------------------ pure part

export { softmax }; // softmax.js's, among the explorer's other pure functions

/** Logits as numbers: null (JSON has no -Infinity) means a masked class, -Infinity. */
export function asLogits(values) {
  return Array.from(values, (v) => (v === null ? -Infinity : Number(v)));
}

/** Shannon entropy -sum_i p_i ln p_i in nats, with 0 ln 0 = 0. */
export function entropy(p) {
  let h = 0;
  for (const v of p) if (v > 0) h -= v * Math.log(v);
  return h === 0 ? 0 : h; // never -0
}

/** Class indices, most probable first; ties keep the lower index first (numpy's stable argsort of -p). */
export function rankOrder(p) {
  return Array.from(p, (_, i) => i).sort((a, b) => p[b] - p[a] || a - b);
}

/**
 * Classes kept by top-k, then top-p (null: no filter). top-k keeps the k most probable classes (ties to
 * the lower index); top-p keeps, among those, the most probable ones whose mass before them is below
 * topP times the survivors' total mass (so always at least one class).
 */
export function topKTopPMask(p, topK = null, topP = null) {
  const c = p.length;
  if (topK !== null && !(Number.isInteger(topK) && topK >= 1 && topK <= c)) {
    throw new Error(`top_k must be an integer between 1 and the number of classes ${c}, got ${topK}`);
  }
  if (topP !== null && !(topP > 0 && topP <= 1)) throw new Error(`top_p must be in (0, 1], got ${topP}`);
  const order = rankOrder(p);
  const keepRanked = order.map((_, r) => topK === null || r < topK);
  if (topP !== null) {
    let total = 0;
    for (let r = 0; r < c; r++) if (keepRanked[r]) total += p[order[r]];
    let before = 0; // mass of the kept classes ranked above this one
    for (let r = 0; r < c; r++) {
      const v = keepRanked[r] ? p[order[r]] : 0;
      keepRanked[r] = keepRanked[r] && before < topP * total;
      before += v;
    }
  }
  const mask = new Array(c).fill(false);
  order.forEach((i, r) => { mask[i] = keepRanked[r]; });
  return mask;
}

/** Everything the explorer shows for one setting (the JavaScript twin of softmax_lab's temperature view). */
export function temperatureView(z, T, topK = null, topP = null) {
  const probs = softmax(z, T);
  const kept = topKTopPMask(probs, topK, topP);
  let keptMass = 0;
  let nKept = 0;
  kept.forEach((k, i) => { if (k) { keptMass += probs[i]; nKept += 1; } });
  const samplingProbs = nKept === probs.length ? probs : probs.map((v, i) => (kept[i] ? v / keptMass : 0));
  let argmax = 0;
  for (let i = 1; i < probs.length; i++) if (probs[i] > probs[argmax]) argmax = i;
  return { temperature: T, probs, kept, samplingProbs, nKept, argmax, maxProb: probs[argmax],
           entropy: entropy(probs), samplingEntropy: entropy(samplingProbs) };
}

/** mulberry32: a small, fast 32-bit PRNG; the same seed gives the same stream of floats in [0, 1). */
export function seededRandom(seed) {
  let a = seed >>> 0;
  const next32 = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return () => (next32() * 2 ** 21 + (next32() >>> 11)) / 2 ** 53; // 53 random bits
}

/** Inverse-CDF draw: the first class whose cumulative probability exceeds u (numpy searchsorted, side
 * right), never past `last` (the last class with p > 0: u * total can round up to the total itself). */
export function drawIndex(cdf, u, last) {
  let lo = 0;
  let hi = cdf.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid] <= u) lo = mid + 1; else hi = mid;
  }
  return Math.min(lo, last);
}

/** How many of n seeded draws from probabilities q fell in each class (a class with q = 0 never does). */
export function drawCounts(q, n, seed) {
  const cdf = new Float64Array(q.length);
  let acc = 0;
  let last = 0;
  for (let i = 0; i < q.length; i++) {
    acc += q[i];
    cdf[i] = acc;
    if (q[i] > 0) last = i;
  }
  const counts = new Array(q.length).fill(0);
  const random = seededRandom(seed);
  for (let k = 0; k < n; k++) counts[drawIndex(cdf, random() * acc, last)] += 1;
  return counts;
}

/** The line of numbers under the sliders, as softmax_lab's readout_text prints it. (toFixed and Python's
 * format differ only on a value exactly halfway in binary, e.g. 0.0625 to 3 places: "0.063" here, "0.062" in
 * Python, which rounds such ties to even.) */
export function readoutText(view, labels) {
  const c = view.probs.length;
  const name = labels ? labels[view.argmax] : `class ${view.argmax}`;
  return `T = ${formatT(view.temperature)} | entropy ${view.entropy.toFixed(3)} of max ${Math.log(c).toFixed(3)} `
    + `nats | max p = ${view.maxProb.toFixed(3)} (${name}) | sampling from ${view.nKept} of ${c} classes`;
}

// ------------------------------------------------------------------------------------------ the view

/** Draw the explorer into `el` and keep it in step with `model` (anywidget's model, or the site's shim). */
function render({ model, el }) {
  const { uid, root } = widgetRoot(el, model, "softmax-explorer", "Temperature explorer", null,
    "Use the arrow keys on a focused slider for small steps; Page Up and Page Down for large ones.");

  const controls = htmlEl(root, "div", { class: "softmax-explorer-controls" });
  const t = temperatureSlider(controls, "softmax-explorer", uid);
  const k = slider(controls, "softmax-explorer", `${uid}-k`, "top-k", { min: 1, step: 1 });
  const p = slider(controls, "softmax-explorer", `${uid}-p`, "top-p", { min: 0.05, max: 1, step: 0.05 });
  const d = slider(controls, "softmax-explorer", `${uid}-d`, "draws", { min: 10, max: 10000, step: 10 });
  const resample = htmlEl(d.input.parentElement, "button", { type: "button", class: "softmax-explorer-resample",
                                                             title: "new seeded draws (seed + 1)" });
  htmlEl(resample, "span", { "aria-hidden": "true" }, "\u21bb ");
  resample.appendChild(document.createTextNode("Resample"));
  const readout = htmlEl(root, "p", { class: "softmax-readout", "aria-live": "polite" });

  const W = 720, H = 470;
  const { svg, title, desc } = svgChart(root, "softmax-explorer", uid, W, H);
  const { caption, tbody } = numbersTable(root, "softmax-explorer",
    ["class", "logit", "softmax(z / T)", "kept", "sampling probability", "draws"]);

  let chart = null; // the SVG elements, rebuilt when the logits change
  let logits = [];

  function build() {
    logits = asLogits(model.get("logits"));
    const labels = model.get("labels");
    const c = logits.length;
    k.input.max = String(c);
    while (svg.childNodes.length > 2) svg.removeChild(svg.lastChild);
    tbody.textContent = "";
    const annotate = c <= 12;
    const x0 = 52, x1 = W - 10, slot = (x1 - x0) / c, bw = slot * 0.8;
    const top = { y0: 34, y1: 230 }, bottom = { y0: 300, y1: 420 };
    const panel = (x, y, text) => svgEl(svg, "text", { x, y, class: "softmax-explorer-panel-title" }).textContent = text;
    panel(x0, 18, "probabilities at the slider's T (grey: excluded by top-k / top-p)");
    panel(x0, 286, "seeded draws: frequency (bars), probability (black)");
    const yAxis = (box, x, right) => {
      for (const v of [0, 0.5, 1]) {
        const y = box.y1 - v / 1.13 * (box.y1 - box.y0);
        svgEl(svg, "line", { x1: x - 4, x2: right, y1: y, y2: y, class: "softmax-explorer-grid" });
        svgEl(svg, "text", { x: x - 6, y: y + 4, "text-anchor": "end", class: "softmax-explorer-tick" }).textContent = String(v);
      }
    };
    const half = x0 + (x1 - x0) * 0.55;
    yAxis(top, x0, x1);
    const slot2 = (half - 20 - x0) / c, bw2 = slot2 * 0.8;
    yAxis(bottom, x0, half - 20);
    const bars = [], values = [], freq = [], expected = [], rows = [];
    for (let i = 0; i < c; i++) {
      const cx = x0 + slot * (i + 0.5);
      bars.push(svgEl(svg, "rect", { x: cx - bw / 2, width: bw, y: top.y1, height: 0 }));
      values.push(annotate ? svgEl(svg, "text", { x: cx, "text-anchor": "middle", class: "softmax-explorer-tick" }) : null);
      const lab = svgEl(svg, "text", { class: "softmax-explorer-tick", "text-anchor": annotate ? "middle" : "end",
                                       transform: annotate ? `translate(${cx},${top.y1 + 16})`
                                                           : `translate(${cx + 3},${top.y1 + 6}) rotate(-90)` });
      lab.textContent = labels[i];
      const cx2 = x0 + slot2 * (i + 0.5);
      freq.push(svgEl(svg, "rect", { x: cx2 - bw2 / 2, width: bw2, y: bottom.y1, height: 0, fill: SAMPLE_COLOR }));
      expected.push(svgEl(svg, "line", { x1: cx2 - bw2 / 2, x2: cx2 + bw2 / 2, class: "softmax-explorer-expected" }));
      const tr = htmlEl(tbody, "tr");
      htmlEl(tr, "th", { scope: "row" }, labels[i]);
      rows.push([logits[i], 0, 0, 0, 0].map(() => htmlEl(tr, "td")));
      rows[i][0].textContent = Number.isFinite(logits[i]) ? String(logits[i]) : "-inf (masked)";
    }
    // entropy against T (log scale), computed once per set of logits
    const e0 = half + 40, e1 = x1, allowed = logits.filter(Number.isFinite).length, lnC = Math.log(allowed);
    const ex = (T) => e0 + (Math.log10(T) - Math.log10(T_MIN)) / (Math.log10(T_MAX) - Math.log10(T_MIN)) * (e1 - e0);
    const ey = (h) => bottom.y1 - h / (Math.max(lnC, 1e-9) * 1.15) * (bottom.y1 - bottom.y0);
    panel(e0, 286, "entropy (nats); dot: the slider's T");
    const pts = [];
    for (let j = 0; j <= 200; j++) {
      const T = T_MIN * (T_MAX / T_MIN) ** (j / 200);
      pts.push(`${ex(T).toFixed(1)},${ey(entropy(softmax(logits, T))).toFixed(1)}`);
    }
    svgEl(svg, "line", { x1: e0, x2: e1, y1: ey(lnC), y2: ey(lnC), class: "softmax-explorer-uniform" });
    svgEl(svg, "text", { x: e0 + 4, y: ey(lnC) - 4, class: "softmax-explorer-tick" }).textContent = `ln ${allowed} (uniform)`;
    svgEl(svg, "line", { x1: e0, x2: e1, y1: bottom.y1, y2: bottom.y1, class: "softmax-explorer-grid" });
    for (const [T, anchor] of [[T_MIN, "start"], [1, "middle"], [T_MAX, "end"]]) {
      svgEl(svg, "text", { x: ex(T), y: bottom.y1 + 16, "text-anchor": anchor, class: "softmax-explorer-tick" }).textContent = `T = ${T}`;
    }
    svgEl(svg, "polyline", { points: pts.join(" "), class: "softmax-explorer-curve" });
    const vline = svgEl(svg, "line", { y1: bottom.y0, y2: bottom.y1, stroke: MARK_COLOR });
    const dot = svgEl(svg, "circle", { r: 6, fill: MARK_COLOR });
    chart = { top, bottom, bars, values, freq, expected, rows, ex, ey, vline, dot };
  }

  function update() {
    const labels = model.get("labels");
    const c = logits.length;
    const T = clampT(model.get("temperature"));
    const topK = Math.min(model.get("top_k") || c, c);
    const topP = model.get("top_p");
    const n = model.get("n_draws");
    const seed = model.get("seed");
    const view = temperatureView(logits, T, topK >= c ? null : topK, topP >= 1 ? null : topP);
    const counts = drawCounts(view.samplingProbs, n, seed);
    const { top, bottom } = chart;
    const yTop = (v) => top.y1 - v / 1.13 * (top.y1 - top.y0);
    const yBot = (v) => bottom.y1 - v / 1.13 * (bottom.y1 - bottom.y0);
    for (let i = 0; i < c; i++) {
      const pi = view.probs[i];
      const bar = chart.bars[i];
      bar.setAttribute("y", yTop(pi));
      bar.setAttribute("height", top.y1 - yTop(pi));
      bar.setAttribute("fill", view.kept[i] ? KEPT_COLOR : EXCLUDED_COLOR);
      if (chart.values[i]) {
        chart.values[i].setAttribute("y", yTop(pi) - 4);
        chart.values[i].textContent = view.kept[i] ? pi.toFixed(3) : `${pi.toFixed(3)} (out)`;
      }
      const f = n > 0 ? counts[i] / n : 0;
      chart.freq[i].setAttribute("y", yBot(f));
      chart.freq[i].setAttribute("height", bottom.y1 - yBot(f));
      const yq = yBot(view.samplingProbs[i]);
      chart.expected[i].setAttribute("y1", yq);
      chart.expected[i].setAttribute("y2", yq);
      const cells = chart.rows[i];
      cells[1].textContent = pi.toFixed(4);
      cells[2].textContent = view.kept[i] ? "yes" : "no";
      cells[3].textContent = view.samplingProbs[i].toFixed(4);
      cells[4].textContent = String(counts[i]);
    }
    const xT = chart.ex(T);
    chart.vline.setAttribute("x1", xT);
    chart.vline.setAttribute("x2", xT);
    chart.dot.setAttribute("cx", xT);
    chart.dot.setAttribute("cy", chart.ey(view.entropy));
    const line = readoutText(view, labels);
    readout.textContent = `${line} | draws: seed ${seed}`;
    title.textContent = `Bar chart of softmax(z / T) over ${c} classes at T = ${formatT(T)}`;
    const ranked = rankOrder(view.probs).slice(0, 3).map((i) => `${labels[i]} ${view.probs[i].toFixed(3)}`);
    desc.textContent = `Most probable: ${ranked.join(", ")}. ${view.nKept} of ${c} classes kept for sampling; `
      + `entropy ${view.entropy.toFixed(3)} nats. ${n} seeded draws below; the table after the chart has every number.`;
    caption.textContent = `Probabilities at T = ${formatT(T)}, top-k ${topK}, top-p ${topP.toFixed(2)}, seed ${seed}`;

    t.show(T);
    k.input.value = String(topK);
    k.value.textContent = String(topK);
    p.input.value = String(topP);
    p.value.textContent = topP.toFixed(2);
    d.input.value = String(n);
    d.value.textContent = String(n);
  }

  const send = (name, value) => { model.set(name, value); model.save_changes(); };
  t.input.addEventListener("input", () => send("temperature", t.read()));
  k.input.addEventListener("input", () => send("top_k", Number(k.input.value)));
  p.input.addEventListener("input", () => send("top_p", Number(p.input.value)));
  d.input.addEventListener("change", () => send("n_draws", Number(d.input.value)));
  d.input.addEventListener("input", () => { d.value.textContent = d.input.value; });
  resample.addEventListener("click", () => send("seed", model.get("seed") + 1));

  const rebuild = () => { build(); update(); };
  const names = ["temperature", "top_k", "top_p", "n_draws", "seed"];
  for (const name of names) model.on(`change:${name}`, update);
  model.on("change:logits", rebuild);
  model.on("change:labels", rebuild);
  rebuild();
  return () => {
    for (const name of names) model.off(`change:${name}`, update);
    model.off("change:logits", rebuild);
    model.off("change:labels", rebuild);
  };
}

export default { render };
