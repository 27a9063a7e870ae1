// The simplex explorer of notebook 08, computed in the browser: an anywidget ES module (JupyterLab, Voila)
// that the static site loads too (tools/site/explorer-site.js gives it a small stand-in model). Python sends
// only the settings (three logits, T, the shift c); every number and every point on screen is computed here.
//
// Its softmax is the widgets' shared softmax.js, behind the simplex's own rule: finite logits only. Its two
// imports, the DOM helpers and T slider of widget_dom.js and softmax.js, are inlined for anywidget by
// softmax_lab/course/widget_assets.py. The pure functions are exported so that node can test them against
// softmax_lab.softmax and softmax_lab.course.geometry.to_plane (tests/test_simplex_js.py).

import {
  T_MAX, T_MIN, clampT, formatT, htmlEl, numbersTable, slider, svgChart, svgEl, temperatureSlider, widgetRoot,
} from "./widget_dom.js";
import { softmax } from "./softmax.js";

const LOGIT_MIN = -5, LOGIT_MAX = 5, LOGIT_STEP = 0.1;
const SHIFT_MIN = -5, SHIFT_MAX = 5, SHIFT_STEP = 0.5;
/** The corners V_1, V_2, V_3 of the triangle with side 1 (softmax_lab.course.geometry.CORNERS). */
export const CORNERS = [[0, 0], [1, 0], [0.5, Math.sqrt(3) / 2]];
const LABELS = ["class 1", "class 2", "class 3"];

// ------------------------------------------------------------------------------------------ pure part

/** softmax(z / T) of softmax.js for finite logits only (the sliders' values): the simplex has no masked class. */
function finiteSoftmax(z, T = 1) {
  z.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new Error(`logits contains ${v} at index ${i}; use finite values`);
  });
  return softmax(z, T);
}
export { finiteSoftmax as softmax }; // the simplex's softmax, under the name its parity tests call

/** The point sum_i p_i V_i of the plane for a probability vector p of three classes (geometry.to_plane). */
export function toPlane(p) {
  if (p.length !== 3) throw new Error(`p must have 3 entries (three classes), got ${p.length}`);
  return [0, 1].map((k) => p[0] * CORNERS[0][k] + p[1] * CORNERS[1][k] + p[2] * CORNERS[2][k]);
}

/** Temperatures from T_MIN to T_MAX, equally spaced in log10(T) (n + 1 of them, both ends included). */
export function pathTemperatures(n = 120) {
  return Array.from({ length: n + 1 }, (_, j) => T_MIN * (T_MAX / T_MIN) ** (j / n));
}

/** The temperature path: the points of softmax(z / T) for T = 0 (a corner, or the middle of the tied
 * corners), the slider's range of T, and T = Infinity (the centre). */
export function temperaturePath(z, n = 120) {
  return [0, ...pathTemperatures(n), Infinity].map((T) => toPlane(finiteSoftmax(z, T)));
}

/** Everything the view shows for one setting: p = softmax((z + c 1) / T) and its point in the plane. */
export function simplexView(z, T, shift = 0) {
  const shifted = z.map((v) => v + shift);
  const probs = finiteSoftmax(shifted, T);
  let argmax = 0;
  for (let i = 1; i < 3; i++) if (probs[i] > probs[argmax]) argmax = i;
  return { temperature: T, shift, shifted, probs, point: toPlane(probs), argmax };
}

const fmt = (v, d) => (Object.is(Number(v.toFixed(d)), -0) ? (0).toFixed(d) : v.toFixed(d));

/** The line of numbers under the sliders. */
export function readoutText(view) {
  const [x, y] = view.point;
  return `T = ${formatT(view.temperature)} | p = (${view.probs.map((v) => fmt(v, 3)).join(", ")}) | `
    + `point (x, y) = (${fmt(x, 3)}, ${fmt(y, 3)}) | largest: ${LABELS[view.argmax]}`;
}

// ------------------------------------------------------------------------------------------ the view

/** Draw the simplex explorer into `el` and keep it in step with `model` (anywidget's, or the site's shim). */
function render({ model, el }) {
  const { uid, root } = widgetRoot(el, model, "softmax-simplex", "Simplex explorer",
    "Before you move T: where does the point go as T \u2192 0? As T \u2192 \u221e? "
    + "And if you add the same number c to all three logits, where does it go?",
    "Use the arrow keys on a focused slider for small steps; Page Up and Page Down for large ones.");

  const controls = htmlEl(root, "div", { class: "softmax-simplex-controls" });
  const row = (id, label, attrs) => slider(controls, "softmax-simplex", `${uid}-${id}`, label, attrs, `${uid}-hint`);
  const zs = [0, 1, 2].map((i) => row(`z${i}`, `z${i + 1}`,
    { min: LOGIT_MIN, max: LOGIT_MAX, step: LOGIT_STEP, class: "softmax-simplex-logit" }));
  const t = temperatureSlider(controls, "softmax-simplex", uid);
  const c = row("c", "shift c", { min: SHIFT_MIN, max: SHIFT_MAX, step: SHIFT_STEP, class: "softmax-simplex-shift" });
  const readout = htmlEl(root, "p", { class: "softmax-readout", "aria-live": "polite" });
  const shiftNote = htmlEl(root, "p", { class: "softmax-simplex-note" });

  const W = 560, H = 480, S = 400, X0 = 80, Y0 = 390; // plane (x, y) -> pixels (X0 + S x, Y0 - S y)
  const px = ([x, y]) => [X0 + S * x, Y0 - S * y];
  const { svg, title, desc } = svgChart(root, "softmax-simplex", uid, W, H);
  const corners = CORNERS.map(px);
  svgEl(svg, "polygon", { points: corners.map((q) => q.join(",")).join(" "), class: "softmax-simplex-edge" });
  const anchors = [["start", -12, 24], ["end", 12, 24], ["middle", 0, -12]]; // inside the picture's width
  corners.forEach(([x, y], i) => {
    const [anchor, dx, dy] = anchors[i];
    svgEl(svg, "text", { x: x + dx, y: y + dy, "text-anchor": anchor }, `${LABELS[i]} (one-hot e${i + 1})`);
  });
  const [cx, cy] = px(toPlane([1 / 3, 1 / 3, 1 / 3]));
  svgEl(svg, "path", { d: `M${cx - 7},${cy}h14M${cx},${cy - 7}v14`, class: "softmax-simplex-centre" });
  svgEl(svg, "text", { x: cx, y: cy - 12, "text-anchor": "middle" }, "centre: uniform");
  const path = svgEl(svg, "polyline", { class: "softmax-simplex-path" });
  const start = svgEl(svg, "circle", { r: 5, class: "softmax-simplex-start" });
  const dot = svgEl(svg, "circle", { r: 8, class: "softmax-simplex-point" });
  svgEl(svg, "text", { x: 10, y: H - 28, class: "softmax-simplex-legend" },
    "red: the point softmax((z + c) / T); dashed: the edges, never reached;");
  svgEl(svg, "text", { x: 10, y: H - 10, class: "softmax-simplex-legend" },
    "blue: its path from T \u2192 0 (dot, the corner of the largest logit) to T \u2192 \u221e (the centre)");

  const { caption, tbody } = numbersTable(root, "softmax-simplex", ["class", "logit z", "z + c", "softmax((z + c) / T)"]);
  const rows = LABELS.map((label) => {
    const tr = htmlEl(tbody, "tr");
    htmlEl(tr, "th", { scope: "row" }, label);
    return [0, 1, 2].map(() => htmlEl(tr, "td"));
  });

  function update() {
    const z = model.get("logits").map(Number);
    const T = clampT(model.get("temperature"));
    const shift = model.get("shift");
    const view = simplexView(z, T, shift);
    const [x, y] = px(view.point);
    dot.setAttribute("cx", x.toFixed(2));
    dot.setAttribute("cy", y.toFixed(2));
    const pts = temperaturePath(view.shifted).map(px);
    path.setAttribute("points", pts.map(([a, b]) => `${a.toFixed(2)},${b.toFixed(2)}`).join(" "));
    start.setAttribute("cx", pts[0][0].toFixed(2));
    start.setAttribute("cy", pts[0][1].toFixed(2));
    readout.textContent = readoutText(view);
    const same = simplexView(z, T, 0).probs;
    shiftNote.textContent = `Shift invariance: z + c\u00b71 with c = ${fmt(shift, 1)} has the same softmax as z `
      + `(p = (${same.map((v) => fmt(v, 3)).join(", ")}) at c = 0): moving all three logits together does not `
      + "move the point; the whole line z + c\u00b71 lands on it.";
    title.textContent = `The triangle of probability vectors for three classes, with softmax(z / T) at T = ${formatT(T)}`;
    desc.textContent = `The point p = (${view.probs.map((v) => fmt(v, 3)).join(", ")}) lies nearest the corner of `
      + `${LABELS[view.argmax]}. The temperature path runs from the corner of the largest logit (T \u2192 0) to the `
      + "centre (T \u2192 \u221e). The table after the picture has every number.";
    caption.textContent = `Logits z = (${z.map((v) => fmt(v, 1)).join(", ")}), shift c = ${fmt(shift, 1)}, T = ${formatT(T)}`;
    rows.forEach((cells, i) => {
      cells[0].textContent = fmt(z[i], 2);
      cells[1].textContent = fmt(view.shifted[i], 2);
      cells[2].textContent = view.probs[i].toFixed(4);
    });
    zs.forEach((s, i) => {
      if (Number(s.input.value) !== z[i]) s.input.value = String(z[i]);
      s.value.textContent = fmt(z[i], 1);
      s.input.setAttribute("aria-valuetext", `z${i + 1} = ${fmt(z[i], 1)}`);
    });
    t.show(T);
    c.input.value = String(shift);
    c.value.textContent = fmt(shift, 1);
    c.input.setAttribute("aria-valuetext", `c = ${fmt(shift, 1)}`);
  }

  const send = (name, value) => { model.set(name, value); model.save_changes(); };
  zs.forEach((s, i) => s.input.addEventListener("input", () => {
    const z = model.get("logits").slice();
    z[i] = Number(Number(s.input.value).toFixed(6));
    send("logits", z);
  }));
  t.input.addEventListener("input", () => send("temperature", t.read()));
  c.input.addEventListener("input", () => send("shift", Number(c.input.value)));

  const names = ["logits", "temperature", "shift"];
  for (const name of names) model.on(`change:${name}`, update);
  update();
  return () => { for (const name of names) model.off(`change:${name}`, update); };
}

export default { render };
