// The sampling-pipeline explorer of notebook 10, computed in the browser: an anywidget ES module (JupyterLab,
// Voila) that the static site loads too (tools/site/explorer-site.js). Python sends only the settings; every
// stage is computed here in the order of softmax_lab/course/pipeline.py: penalties and logit bias ->
// temperature -> softmax -> top-k -> top-p -> min-p, each filter renormalising what it keeps.
//
// Its softmax is the widgets' shared softmax.js, whose rules are the sampler's: a -inf logit bans a class,
// T = 0 and T = Infinity are its limits. Its two imports, the DOM helpers and T slider of widget_dom.js and
// softmax.js, are inlined for anywidget by softmax_lab/course/widget_assets.py. The pure functions are exported
// so that node can test them against softmax_lab.course.pipeline (tests/test_pipeline_js.py).

import {
  clampT, formatT, htmlEl, numbersTable, slider, svgChart, svgEl, temperatureSlider, widgetRoot,
} from "./widget_dom.js";
import { softmax } from "./softmax.js";

const BIAS_MIN = -10, BIAS_MAX = 10, BIAS_STEP = 0.5;
export const STAGES = ["softmax(z)", "penalties", "temperature", "top-k", "top-p", "min-p"];

// ------------------------------------------------------------------------------------------ pure part

export { softmax }; // softmax.js's: -inf bans a class, T = 0 and T = Infinity are its limits

/**
 * Logits after the penalties (pipeline.apply_penalties): a class seen before (n_i > 0) has its logit divided
 * by `repetition` if positive, multiplied by it otherwise; then - presence [n_i > 0] - frequency n_i + bias_i.
 */
export function applyPenalties(z, counts, repetition = 1, presence = 0, frequency = 0, bias = null) {
  if (counts.length !== z.length) throw new Error(`counts must have ${z.length} entries, one per class, got ${counts.length}`);
  if (!(repetition > 0 && Number.isFinite(repetition))) throw new Error(`repetition must be a finite number > 0, got ${repetition}`);
  if (bias !== null && bias.length !== z.length) throw new Error(`bias must have ${z.length} entries, got ${bias.length}`);
  return z.map((v, i) => {
    const n = counts[i];
    if (!(n >= 0 && Number.isFinite(n))) throw new Error(`counts must be finite counts >= 0, got ${n} at index ${i}`);
    const seen = n > 0;
    let out = seen ? (v > 0 ? v / repetition : v * repetition) : v;
    out = out - presence * (seen ? 1 : 0) - frequency * n;
    return bias === null ? out : out + bias[i];
  });
}

/** q_i = p_i / sum_{j kept} p_j for the kept classes, 0 for the others. */
export function renormalise(p, keep) {
  let total = 0;
  for (let i = 0; i < p.length; i++) if (keep[i]) total += p[i];
  if (!(total > 0)) throw new Error("keep must keep at least one class with p > 0");
  return p.map((v, i) => (keep[i] ? v / total : 0));
}

/** Class indices, most probable first; ties keep the lower index first (numpy's stable argsort of -p). */
export function ranking(p) {
  return Array.from(p.keys()).sort((a, b) => p[b] - p[a] || a - b);
}

/** top-k: keep the k most probable classes (ties towards the lower index), renormalised. */
export function topKFilter(p, k) {
  if (!(Number.isInteger(k) && k >= 1 && k <= p.length)) throw new Error(`top_k must be an integer between 1 and ${p.length}, got ${k}`);
  const keep = new Array(p.length).fill(false);
  for (const i of ranking(p).slice(0, k)) keep[i] = true;
  return renormalise(p, keep);
}

/** top-p: keep the fewest most probable classes whose total reaches top_p (the crossing class is kept). */
export function topPFilter(p, topP) {
  if (!(topP > 0 && topP <= 1)) throw new Error(`top_p must be in (0, 1], got ${topP}`);
  let total = 0;
  for (const v of p) total += v;
  const keep = new Array(p.length).fill(false);
  let cum = 0;
  for (const i of ranking(p)) {
    cum += p[i];
    keep[i] = cum - p[i] < topP * total; // the mass ranked above class i (as top_k_top_p_mask computes it)
  }
  return renormalise(p, keep);
}

/** min-p: keep the classes with p_i >= p_min max_j p_j, renormalised. */
export function minPFilter(p, pMin) {
  if (!(pMin >= 0 && pMin <= 1)) throw new Error(`p_min must be a number in [0, 1], got ${pMin}`);
  const threshold = pMin * Math.max(...p);
  return renormalise(p, p.map((v) => v >= threshold));
}

/**
 * Every stage's distribution (pipeline.sampler_stages), keyed as there. `opts`: repetition, presence,
 * frequency, bias (array or null), temperature, topK, topP, minP (null switches a filter off: it passes its
 * input on).
 */
export function samplerStages(z, counts, opts = {}) {
  const { repetition = 1, presence = 0, frequency = 0, bias = null, temperature = 1,
          topK = null, topP = null, minP = null } = opts;
  if (!(temperature > 0)) throw new Error(`temperature must be > 0 (T = 0 is greedy decoding), got ${temperature}`);
  const zp = applyPenalties(z, counts ?? z.map(() => 0), repetition, presence, frequency, bias);
  const stages = { "softmax(z)": softmax(z), penalties: softmax(zp), temperature: softmax(zp, temperature) };
  let q = stages.temperature;
  q = stages["top-k"] = topK === null ? q : topKFilter(q, topK);
  q = stages["top-p"] = topP === null ? q : topPFilter(q, topP);
  stages["min-p"] = minP === null ? q : minPFilter(q, minP);
  return { penalised: zp, stages };
}

/** The settings of the widget's model -> the arguments of samplerStages (the filters' "off" positions:
 * top_k = number of classes, top_p = 1, min_p = 0). */
export function pipelineView(s) {
  const C = s.logits.length;
  const bias = s.logits.map((_, i) => (s.banned.includes(i) ? -Infinity : 0) + (i === s.bias_class ? s.bias : 0));
  const { penalised, stages } = samplerStages(s.logits, s.counts, {
    repetition: s.repetition, presence: s.presence, frequency: s.frequency, bias, temperature: s.temperature,
    topK: s.top_k >= C ? null : s.top_k, topP: s.top_p >= 1 ? null : s.top_p, minP: s.min_p <= 0 ? null : s.min_p });
  const kept = Object.fromEntries(STAGES.map((k) => [k, stages[k].filter((v) => v > 0).length]));
  const final = stages["min-p"];
  const top = ranking(final)[0];
  return { bias, penalised, stages, kept, top, temperature: s.temperature };
}

const fmt = (v, d) => (v === -Infinity ? "-inf" : Object.is(Number(v.toFixed(d)), -0) ? (0).toFixed(d) : v.toFixed(d));

/** The line of numbers under the sliders. */
export function readoutText(view, labels) {
  const k = view.kept;
  return `T = ${formatT(view.temperature)} | classes left: ${k["softmax(z)"]} -> penalties ${k.penalties} -> `
    + `top-k ${k["top-k"]} -> top-p ${k["top-p"]} -> min-p ${k["min-p"]} | most probable: `
    + `${labels[view.top]} ${view.stages["min-p"][view.top].toFixed(3)}`;
}

// ------------------------------------------------------------------------------------------ the view

const SETTINGS = ["labels", "logits", "counts", "banned", "repetition", "presence", "frequency", "bias_class", "bias",
                  "temperature", "top_k", "top_p", "min_p"];

/** Draw the pipeline explorer into `el` and keep it in step with `model` (anywidget's, or the site's shim). */
function render({ model, el }) {
  const labels = model.get("labels");
  const C = labels.length;
  const { uid, root } = widgetRoot(el, model, "softmax-pipeline", "Sampling pipeline explorer",
    "With top-p at 0.9: if you raise T, does top-p keep more classes or fewer? "
    + "And top-k at 3: does the number it keeps change with T? Which stage removes the banned class?",
    "Use the arrow keys on a focused slider for small steps; Page Up and Page Down for large ones. "
    + "A filter at its end position (top-k = all, top-p = 1, min-p = 0) is off.");

  const controls = htmlEl(root, "div", { class: "softmax-pipeline-controls" });
  const row = (id, label, attrs) => slider(controls, "softmax-pipeline", `${uid}-${id}`, label, attrs, `${uid}-hint`);
  const t = temperatureSlider(controls, "softmax-pipeline", uid);
  const k = row("k", "top-k", { min: 1, max: C, step: 1, class: "softmax-pipeline-topk" });
  const tp = row("p", "top-p", { min: 0.01, max: 1, step: 0.01, class: "softmax-pipeline-topp" });
  const mp = row("m", "min-p", { min: 0, max: 1, step: 0.01, class: "softmax-pipeline-minp" });
  const biasRow = htmlEl(controls, "div", { class: "softmax-pipeline-row" });
  htmlEl(biasRow, "label", { for: `${uid}-bc` }, "bias on");
  const select = htmlEl(biasRow, "select", { id: `${uid}-bc`, class: "softmax-pipeline-biasclass" });
  labels.forEach((l, i) => htmlEl(select, "option", { value: String(i) }, l));
  const b = row("b", "bias", { min: BIAS_MIN, max: BIAS_MAX, step: BIAS_STEP, class: "softmax-pipeline-bias" });
  const readout = htmlEl(root, "p", { class: "softmax-readout", "aria-live": "polite" });
  const note = htmlEl(root, "p", { class: "softmax-pipeline-note" });

  // six panels, 3 x 2, each a bar chart of the C classes on one shared probability scale
  const PW = 260, PH = 170, TOP = 26, BOTTOM = 24, LEFT = 10, W = 3 * PW, H = 2 * PH + 48;
  const { svg, title, desc } = svgChart(root, "softmax-pipeline", uid, W, H);
  const slot = (PW - 2 * LEFT) / C, bw = slot * 0.7, plotH = PH - TOP - BOTTOM;
  const panels = STAGES.map((name, s) => {
    const x0 = (s % 3) * PW + LEFT, y0 = Math.floor(s / 3) * PH;
    const g = svgEl(svg, "g", { class: "softmax-pipeline-panel" });
    svgEl(g, "text", { x: x0, y: y0 + 16, class: "softmax-pipeline-stage" }, `${s + 1}. ${name}`);
    const count = svgEl(g, "text", { x: x0 + PW - 2 * LEFT, y: y0 + 16, "text-anchor": "end", class: "softmax-pipeline-count" });
    svgEl(g, "line", { x1: x0, x2: x0 + PW - 2 * LEFT, y1: y0 + TOP + plotH, y2: y0 + TOP + plotH, class: "softmax-pipeline-axis" });
    const bars = labels.map((l, i) => {
      const x = x0 + i * slot + (slot - bw) / 2;
      svgEl(g, "text", { x: x + bw / 2, y: y0 + TOP + plotH + 15, "text-anchor": "middle", class: "softmax-pipeline-label" }, l);
      return { x, rect: svgEl(g, "rect", { x: x.toFixed(2), width: bw.toFixed(2), class: "softmax-pipeline-bar" }),
               cross: svgEl(g, "text", { x: x + bw / 2, y: y0 + TOP + plotH - 3, "text-anchor": "middle", class: "softmax-pipeline-cut" }) };
    });
    return { y0, count, bars };
  });
  svgEl(svg, "text", { x: LEFT, y: H - 26, class: "softmax-pipeline-legend" },
    "Bars: the probability of each class after each stage, on one scale for all six;");
  svgEl(svg, "text", { x: LEFT, y: H - 8, class: "softmax-pipeline-legend" },
    "\u00d7: removed at or before this stage. Stage 6 is the distribution a token is drawn from.");

  const { caption, tbody } = numbersTable(root, "softmax-pipeline",
    ["class", "logit z", "times seen", "bias", "after penalties", ...STAGES]);
  const rows = labels.map((label) => {
    const tr = htmlEl(tbody, "tr");
    htmlEl(tr, "th", { scope: "row" }, label);
    return Array.from({ length: 4 + STAGES.length }, () => htmlEl(tr, "td"));
  });

  const settings = () => Object.fromEntries(SETTINGS.map((n) => [n, model.get(n)]));

  function update() {
    const s = settings();
    s.temperature = clampT(s.temperature);
    const view = pipelineView(s);
    let top = 0;
    for (const name of STAGES) for (const v of view.stages[name]) top = Math.max(top, v);
    panels.forEach((panel, j) => {
      const p = view.stages[STAGES[j]];
      panel.count.textContent = `${view.kept[STAGES[j]]} of ${C} left`;
      panel.bars.forEach((bar, i) => {
        const h = (p[i] / top) * plotH;
        bar.rect.setAttribute("y", (panel.y0 + TOP + plotH - h).toFixed(2));
        bar.rect.setAttribute("height", h.toFixed(2));
        bar.cross.textContent = p[i] > 0 ? "" : "\u00d7";
      });
    });
    readout.textContent = readoutText(view, labels);
    const banned = s.banned.map((i) => labels[i]).join(", ") || "none";
    note.textContent = `Penalties: repetition ${s.repetition}, presence ${s.presence}, frequency ${s.frequency} on the `
      + `classes seen before; banned (bias -inf): ${banned}; bias ${fmt(s.bias, 1)} on ${labels[s.bias_class]}.`;
    title.textContent = `The six stages of the sampler for ${C} classes at T = ${formatT(s.temperature)}`;
    desc.textContent = `Bar charts of the distribution after each stage. Classes left: `
      + STAGES.map((n) => `${n} ${view.kept[n]}`).join(", ") + `. Most probable at the end: ${labels[view.top]} `
      + `with ${view.stages["min-p"][view.top].toFixed(3)}. The table after the picture has every number.`;
    caption.textContent = `T = ${formatT(s.temperature)}, top-k ${s.top_k >= C ? "off" : s.top_k}, `
      + `top-p ${s.top_p >= 1 ? "off" : fmt(s.top_p, 2)}, min-p ${s.min_p <= 0 ? "off" : fmt(s.min_p, 2)}`;
    rows.forEach((cells, i) => {
      cells[0].textContent = fmt(s.logits[i], 2);
      cells[1].textContent = String(s.counts[i]);
      cells[2].textContent = fmt(view.bias[i], 1);
      cells[3].textContent = fmt(view.penalised[i], 2);
      STAGES.forEach((n, j) => { cells[4 + j].textContent = view.stages[n][i].toFixed(4); });
    });
    t.show(s.temperature);
    const show = (sl, v, text, name) => {
      if (Number(sl.input.value) !== v) sl.input.value = String(v);
      sl.value.textContent = text;
      sl.input.setAttribute("aria-valuetext", `${name} ${text}`);
    };
    show(k, s.top_k, s.top_k >= C ? `${C} (off)` : String(s.top_k), "top-k");
    show(tp, s.top_p, s.top_p >= 1 ? "1 (off)" : fmt(s.top_p, 2), "top-p");
    show(mp, s.min_p, s.min_p <= 0 ? "0 (off)" : fmt(s.min_p, 2), "min-p");
    show(b, s.bias, fmt(s.bias, 1), `bias on ${labels[s.bias_class]}`);
    select.value = String(s.bias_class);
  }

  const send = (name, value) => { model.set(name, value); model.save_changes(); };
  t.input.addEventListener("input", () => send("temperature", t.read()));
  k.input.addEventListener("input", () => send("top_k", Math.round(Number(k.input.value))));
  tp.input.addEventListener("input", () => send("top_p", Number(Number(tp.input.value).toFixed(6))));
  mp.input.addEventListener("input", () => send("min_p", Number(Number(mp.input.value).toFixed(6))));
  b.input.addEventListener("input", () => send("bias", Number(b.input.value)));
  select.addEventListener("change", () => send("bias_class", Number(select.value)));

  for (const name of SETTINGS) model.on(`change:${name}`, update);
  update();
  return () => { for (const name of SETTINGS) model.off(`change:${name}`, update); };
}

export default { render };
