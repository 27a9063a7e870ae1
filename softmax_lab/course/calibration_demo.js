// The calibration explorer of notebook 09, computed in the browser: an anywidget ES module (JupyterLab, Voila)
// that the static site loads too (tools/site/explorer-site.js gives it a small stand-in model). Python sends a
// FIXED set of held-out logits and labels once; as the T slider moves, this module computes softmax(z / T) of
// every sample, the reliability bins, the expected calibration error and the NLL, and the T that minimises the
// NLL. The pure functions are exported so that node can test them against softmax_lab.softmax and
// softmax_lab.course.calibration (tests/test_calibration_js.py). Its softmax is the widgets' shared softmax.js,
// behind this explorer's own rules: a finite T > 0 (checkT), rows of finite logits (checkData). Its two
// imports, the DOM helpers and T slider of widget_dom.js and softmax.js, are inlined for anywidget by
// softmax_lab/course/widget_assets.py.

import {
  T_MAX, T_MIN, clampT, formatT, htmlEl, numbersTable, svgChart, svgEl, temperatureSlider, widgetRoot,
} from "./widget_dom.js";
import { softmax } from "./softmax.js";

// ------------------------------------------------------------------------------------------ pure part

function checkT(T) {
  if (!(T > 0) || T === Infinity) throw new Error(`temperature must be a finite number > 0, got ${T}`);
}

function checkData(Z, labels) {
  if (!Array.isArray(Z) || Z.length === 0) throw new Error("logits must be a non-empty list of rows");
  const C = Z[0].length;
  if (C < 2) throw new Error(`logits must have at least 2 classes per row, got ${C}`);
  if (!Array.isArray(labels) || labels.length !== Z.length) {
    throw new Error(`labels must have one entry per row of logits (${Z.length}), got ${labels && labels.length}`);
  }
  Z.forEach((row, n) => {
    if (row.length !== C) throw new Error(`logits row ${n} has ${row.length} entries, row 0 has ${C}`);
    row.forEach((v, k) => {
      if (!Number.isFinite(v)) throw new Error(`logits contains ${v} at row ${n}, column ${k}; use finite values`);
    });
    const t = labels[n];
    if (!Number.isInteger(t) || t < 0 || t >= C) throw new Error(`labels must lie in 0..${C - 1}, got ${t} at ${n}`);
  });
}

/** softmax(Z / T) row by row (softmax.js), for a finite T > 0 (checkT). */
export function softmaxRows(Z, T = 1) {
  checkT(T);
  return Z.map((z) => softmax(z, T));
}

/**
 * Reliability bins as softmax_lab.course.calibration.reliability_bins: confidence c = max_k P[n, k], predicted
 * class the first argmax; bin b (0-based) holds edges[b] < c <= edges[b + 1] with edges[i] = i / M computed as
 * numpy.linspace does (i * (1 / M), the last edge exactly 1); c = 0 joins the first bin. Per bin: count, mean
 * confidence and accuracy (NaN for an empty bin), sums taken in sample order.
 */
export function reliabilityBins(P, labels, nBins = 10) {
  if (!Number.isInteger(nBins) || nBins < 1) throw new Error(`n_bins must be an int >= 1, got ${nBins}`);
  const step = 1 / nBins;
  const edges = Array.from({ length: nBins + 1 }, (_, i) => (i === nBins ? 1 : i * step));
  const count = new Array(nBins).fill(0), confSum = new Array(nBins).fill(0), rightSum = new Array(nBins).fill(0);
  P.forEach((p, n) => {
    let k = 0;
    for (let j = 1; j < p.length; j++) if (p[j] > p[k]) k = j;
    const c = p[k];
    let lo = 0, hi = edges.length; // searchsorted(edges, c, side="left"): the first i with edges[i] >= c
    while (lo < hi) { const mid = (lo + hi) >> 1; if (edges[mid] < c) lo = mid + 1; else hi = mid; }
    const b = Math.min(nBins - 1, Math.max(0, lo - 1));
    count[b] += 1;
    confSum[b] += c;
    rightSum[b] += k === labels[n] ? 1 : 0;
  });
  return { edges, count, confidence: confSum.map((s, b) => s / count[b]), accuracy: rightSum.map((s, b) => s / count[b]) };
}

/** ECE = sum over bins of (bin size / N) |accuracy - mean confidence|; empty bins add 0. */
export function expectedCalibrationError(bins) {
  let total = 0, n = 0;
  bins.count.forEach((k, b) => {
    n += k;
    if (k > 0) total += k * Math.abs(bins.accuracy[b] - bins.confidence[b]);
  });
  return total / n;
}

/** The mean negative log-likelihood of the labels under softmax(Z / T): mean_n (LSE(z_n / T) - z_{n,t_n} / T). */
export function nll(Z, labels, T = 1) {
  checkT(T);
  let total = 0;
  Z.forEach((z, n) => {
    let m = -Infinity;
    for (const v of z) if (v > m) m = v;
    let s = 0;
    for (const v of z) s += Math.exp((v - m) / T);
    total += Math.log(s) - (z[labels[n]] - m) / T;
  });
  return total / Z.length;
}

/** The T in [T_MIN, T_MAX] that minimises nll(Z, labels, T): a golden-section search on log10(T) (the NLL
 * of temperature scaling has a single minimum in log T), to |interval| < tol. */
export function bestTemperature(Z, labels, tol = 1e-7) {
  checkData(Z, labels);
  const f = (u) => nll(Z, labels, 10 ** u);
  const r = (Math.sqrt(5) - 1) / 2;
  let lo = Math.log10(T_MIN), hi = Math.log10(T_MAX);
  let a = hi - r * (hi - lo), b = lo + r * (hi - lo), fa = f(a), fb = f(b);
  while (hi - lo > tol) {
    if (fa < fb) { hi = b; b = a; fb = fa; a = hi - r * (hi - lo); fa = f(a); }
    else { lo = a; a = b; fa = fb; b = lo + r * (hi - lo); fb = f(b); }
  }
  return 10 ** ((lo + hi) / 2);
}

/** Everything the view shows at one T: the bins, the ECE, the NLL, the accuracy and the mean confidence. */
export function calibrationView(Z, labels, T, nBins = 10) {
  checkData(Z, labels);
  const P = softmaxRows(Z, T);
  const bins = reliabilityBins(P, labels, nBins);
  let right = 0, conf = 0;
  for (let b = 0; b < nBins; b++) {
    if (bins.count[b] > 0) { right += bins.accuracy[b] * bins.count[b]; conf += bins.confidence[b] * bins.count[b]; }
  }
  return { temperature: T, bins, ece: expectedCalibrationError(bins), nll: nll(Z, labels, T),
           accuracy: right / Z.length, meanConfidence: conf / Z.length };
}

/** The line of numbers under the slider. */
export function readoutText(view, best) {
  return `T = ${formatT(view.temperature)} | ECE = ${view.ece.toFixed(3)} | NLL = ${view.nll.toFixed(3)} | `
    + `mean confidence ${view.meanConfidence.toFixed(3)}, accuracy ${view.accuracy.toFixed(3)} | `
    + `lowest NLL at T = ${formatT(best)}`;
}

// ------------------------------------------------------------------------------------------ the view

/** Draw the calibration explorer into `el` and keep it in step with `model` (anywidget's, or the site's shim). */
function render({ model, el }) {
  const { uid, root } = widgetRoot(el, model, "softmax-calibration", "Calibration explorer",
    "At T = 1 the model is overconfident: its bars sit below the diagonal. Should T go up or "
    + "down to repair it? And does the accuracy change as T moves?",
    "Use the arrow keys on the focused slider for small steps; Page Up and Page Down for large ones.");

  const t = temperatureSlider(root, "softmax-calibration", uid);
  const jump = htmlEl(t.input.parentElement, "button", { type: "button", class: "softmax-calibration-best" });
  const readout = htmlEl(root, "p", { class: "softmax-readout", "aria-live": "polite" });

  const W = 560, H = 520, S = 380, X0 = 70, Y0 = 410; // (confidence, accuracy) in [0, 1]^2 -> pixels
  const px = (x, y) => [X0 + S * x, Y0 - S * y];
  const { svg, title, desc } = svgChart(root, "softmax-calibration", uid, W, H);
  svgEl(svg, "rect", { x: X0, y: Y0 - S, width: S, height: S, class: "softmax-calibration-frame" });
  for (const v of [0, 0.2, 0.4, 0.6, 0.8, 1]) {
    const [x, y0] = px(v, 0), [x0, y] = px(0, v);
    svgEl(svg, "text", { x, y: y0 + 18, "text-anchor": "middle" }, v.toFixed(1));
    svgEl(svg, "text", { x: x0 - 8, y: y + 4, "text-anchor": "end" }, v.toFixed(1));
  }
  svgEl(svg, "text", { x: X0 + S / 2, y: Y0 + 40, "text-anchor": "middle" }, "confidence (max probability)");
  svgEl(svg, "text", { x: 16, y: Y0 - S / 2, "text-anchor": "middle", transform: `rotate(-90 16 ${Y0 - S / 2})` },
    "accuracy");
  const bars = svgEl(svg, "g", { class: "softmax-calibration-bars" });
  const [dx0, dy0] = px(0, 0), [dx1, dy1] = px(1, 1);
  svgEl(svg, "line", { x1: dx0, y1: dy0, x2: dx1, y2: dy1, class: "softmax-calibration-diagonal" });
  svgEl(svg, "text", { x: 10, y: Y0 + 64, class: "softmax-calibration-legend" },
    "blue bars: the accuracy in each confidence bin; orange: the gap to the bin's");
  svgEl(svg, "text", { x: 10, y: Y0 + 82, class: "softmax-calibration-legend" },
    "mean confidence; dashed: perfect calibration; red dot: all samples,");
  svgEl(svg, "text", { x: 10, y: Y0 + 100, class: "softmax-calibration-legend" },
    "at (mean confidence, accuracy)");
  const dot = svgEl(svg, "circle", { r: 7, class: "softmax-calibration-point" });

  const { caption, tbody } = numbersTable(root, "softmax-calibration",
    ["confidence bin", "samples", "mean confidence", "accuracy"]);

  const Z = model.get("logits"), labels = model.get("labels"), nBins = model.get("n_bins");
  const best = bestTemperature(Z, labels);
  const bestView = calibrationView(Z, labels, best, nBins);
  jump.textContent = `T = ${formatT(best)}: the lowest NLL`;
  jump.addEventListener("click", () => { model.set("temperature", best); model.save_changes(); });
  const rows = Array.from({ length: nBins }, (_, b) => {
    const tr = htmlEl(tbody, "tr");
    htmlEl(tr, "th", { scope: "row" }, `(${(b / nBins).toFixed(2)}, ${((b + 1) / nBins).toFixed(2)}]`);
    return [0, 1, 2].map(() => htmlEl(tr, "td"));
  });

  function update() {
    const T = clampT(model.get("temperature"));
    const view = calibrationView(Z, labels, T, nBins);
    const w = S / nBins;
    bars.replaceChildren();
    view.bins.count.forEach((k, b) => {
      if (k === 0) return;
      const acc = view.bins.accuracy[b], conf = view.bins.confidence[b];
      const [x, y] = px(b / nBins, acc);
      svgEl(bars, "rect", { x: x.toFixed(2), y: y.toFixed(2), width: (w - 1).toFixed(2), height: (S * acc).toFixed(2),
                            class: "softmax-calibration-bar" });
      const top = Math.max(acc, conf), low = Math.min(acc, conf);
      svgEl(bars, "rect", { x: x.toFixed(2), y: px(0, top)[1].toFixed(2), width: (w - 1).toFixed(2),
                            height: (S * (top - low)).toFixed(2), class: "softmax-calibration-gap" });
    });
    const [mx, my] = px(view.meanConfidence, view.accuracy);
    dot.setAttribute("cx", mx.toFixed(2));
    dot.setAttribute("cy", my.toFixed(2));
    readout.textContent = readoutText(view, best);
    const used = view.bins.count.filter((k) => k > 0).length;
    title.textContent = `Reliability diagram of ${Z.length} held-out samples at T = ${formatT(T)}: ECE = ${view.ece.toFixed(3)}`;
    desc.textContent = `Accuracy against confidence in ${nBins} equal-width bins (${used} not empty). Mean confidence `
      + `${view.meanConfidence.toFixed(3)} against accuracy ${view.accuracy.toFixed(3)}: the model is `
      + `${view.meanConfidence > view.accuracy ? "overconfident" : "underconfident"} on average. The NLL is lowest at `
      + `T = ${formatT(best)} (ECE ${bestView.ece.toFixed(3)} there). The table after the picture has every number.`;
    caption.textContent = `T = ${formatT(T)}: ECE ${view.ece.toFixed(3)}, NLL ${view.nll.toFixed(3)}; lowest NLL at `
      + `T = ${formatT(best)} (NLL ${bestView.nll.toFixed(3)})`;
    rows.forEach((cells, b) => {
      const k = view.bins.count[b];
      cells[0].textContent = String(k);
      cells[1].textContent = k ? view.bins.confidence[b].toFixed(3) : "-";
      cells[2].textContent = k ? view.bins.accuracy[b].toFixed(3) : "-";
    });
    t.show(T);
  }

  t.input.addEventListener("input", () => {
    model.set("temperature", t.read());
    model.save_changes();
  });
  model.on("change:temperature", update);
  update();
  return () => model.off("change:temperature", update);
}

export default { render };
