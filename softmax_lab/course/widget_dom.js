// The DOM helpers of the four widgets (explorer.js, simplex.js, calibration_demo.js, pipeline_demo.js) and their
// T slider, written once. Each widget imports what it uses in one statement, import { ... } from "./widget_dom.js";
// node (the parity tests) loads the widgets as ES module files, where that import resolves. anywidget loads a
// widget from a blob URL, where a relative import cannot resolve: softmax_lab/course/widget_assets.py puts this
// file's text, without its `export` keywords, in place of the import (the static site serves that text too).
// So keep this file to plain top-level declarations, with no import of its own.

const SVG = "http://www.w3.org/2000/svg";
/** The T sliders' range, log10(T) from -2 to 2 (softmax_lab.course.explorer.T_MIN / T_MAX). */
export const T_MIN = 0.01;
export const T_MAX = 100;
const LOG_STEP = 0.02; // the T sliders move log10(T) in steps of 0.02 (as the ipywidgets slider did)

/** An SVG element `tag` with the attributes `attrs` (and the text `text`), appended to `parent`. */
export function svgEl(parent, tag, attrs = {}, text = "") {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text) e.textContent = text;
  parent.appendChild(e);
  return e;
}

/** An HTML element `tag` with the attributes `attrs` (and the text `text`), appended to `parent`. */
export function htmlEl(parent, tag, attrs = {}, text = "") {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text) e.textContent = text;
  parent.appendChild(e);
  return e;
}

/**
 * A slider row appended to `parent`: a label, a range input with the id `id` and the attributes `attrs`, and an
 * output showing its value; returns {input, value}. `prefix` is the widget's class prefix (the row is
 * PREFIX-row, the output PREFIX-value, as widget_base.css styles them); `hint`, if given, is the id of the text
 * that describes the input (aria-describedby).
 */
export function slider(parent, prefix, id, label, attrs, hint) {
  const row = htmlEl(parent, "div", { class: `${prefix}-row` });
  htmlEl(row, "label", { for: id }, label);
  const input = htmlEl(row, "input", { type: "range", id, ...attrs });
  if (hint) input.setAttribute("aria-describedby", hint);
  const value = htmlEl(row, "output", { for: id, class: `${prefix}-value` });
  return { input, value };
}

/** Python's "{:.3g}" for the T sliders' range (0.01 to 100): 3 significant digits, no trailing zeros. */
export function formatT(T) {
  let s = T.toPrecision(3);
  if (s.includes(".") && !s.includes("e")) s = s.replace(/0+$/, "").replace(/\.$/, "");
  return s;
}

/** T within the sliders' range [T_MIN, T_MAX]. */
export function clampT(T) {
  return Math.min(T_MAX, Math.max(T_MIN, T));
}

/**
 * The T slider row, appended to `parent`: a slider over log10(T) from T_MIN to T_MAX (id `${uid}-T`, class
 * PREFIX-temperature, described by the hint `${uid}-hint`). Returns {input, value, show, read}: show(T) moves the
 * thumb to T (unless it stands there already) and writes T in the output and the input's aria-valuetext; read()
 * is the T the thumb stands at, to 12 significant digits, so that T reads 0.5, not 0.50118723362727.
 */
export function temperatureSlider(parent, prefix, uid) {
  const { input, value } = slider(parent, prefix, `${uid}-T`, "T", { min: Math.log10(T_MIN), max: Math.log10(T_MAX),
                                  step: LOG_STEP, class: `${prefix}-temperature` }, `${uid}-hint`);
  const show = (T) => {
    const lt = Math.log10(T);
    if (Math.abs(Number(input.value) - lt) > 1e-9) input.value = String(lt);
    value.textContent = formatT(T);
    input.setAttribute("aria-valuetext", `T = ${formatT(T)}`);
  };
  const read = () => Number((10 ** Number(input.value)).toPrecision(12));
  return { input, value, show, read };
}

let instances = 0;

/**
 * The top of a widget, appended to `el`: the root, a group named `label` with the class `prefix` (and
 * PREFIX--presenter when the model's `presenter` is set), which keeps key presses to itself (the sliders' arrows,
 * not JupyterLab's notebook's); a "Predict first" disclosure asking `predict`, unless it is null; and the hint
 * paragraph `hint`, whose id `${uid}-hint` the sliders name in aria-describedby. Returns {uid, root}: uid is
 * unique in the page and begins every id the widget gives.
 */
export function widgetRoot(el, model, prefix, label, predict, hint) {
  const uid = `${prefix}-${++instances}-${Math.random().toString(36).slice(2, 8)}`;
  const root = htmlEl(el, "div", { class: prefix, role: "group", "aria-label": label });
  root.addEventListener("keydown", (event) => event.stopPropagation());
  if (model.get("presenter")) root.classList.add(`${prefix}--presenter`);
  if (predict !== null) {
    const details = htmlEl(root, "details", { class: `${prefix}-predict` });
    htmlEl(details, "summary", {}, "Predict first");
    htmlEl(details, "p", {}, predict);
  }
  htmlEl(root, "p", { id: `${uid}-hint`, class: `${prefix}-hint` }, hint);
  return { uid, root };
}

/** The chart, appended to `parent`: an SVG image of `width` x `height` user units (class PREFIX-chart), labelled by
 * its title and desc, whose text the widget sets as it updates. Returns {svg, title, desc}. */
export function svgChart(parent, prefix, uid, width, height) {
  const svg = svgEl(parent, "svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: `${prefix}-chart`,
                                     "aria-labelledby": `${uid}-title ${uid}-desc` });
  const title = svgEl(svg, "title", { id: `${uid}-title` });
  const desc = svgEl(svg, "desc", { id: `${uid}-desc` });
  return { svg, title, desc };
}

/** "The numbers as a table", appended to `parent`: a disclosure (class PREFIX-table) holding a table with the
 * column headers `headers`. Returns {caption, tbody}, for the widget to fill as it updates. */
export function numbersTable(parent, prefix, headers) {
  const details = htmlEl(parent, "details", { class: `${prefix}-table` });
  htmlEl(details, "summary", {}, "The numbers as a table");
  const table = htmlEl(details, "table");
  const caption = htmlEl(table, "caption");
  const head = htmlEl(htmlEl(table, "thead"), "tr");
  for (const h of headers) htmlEl(head, "th", { scope: "col" }, h);
  return { caption, tbody: htmlEl(table, "tbody") };
}
