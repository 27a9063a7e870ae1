// The DOM helpers of the four widgets (explorer.js, simplex.js, calibration_demo.js, pipeline_demo.js), written once.
// Each widget imports them with one line, import { ... } from "./widget_dom.js";
// node (the parity tests) and the static site load the widgets as ES modules files, where that import resolves.
// anywidget loads a widget from a blob URL, where a relative import cannot resolve: there
// softmax_lab/course/widget_assets.py puts this file's text, without its `export` keywords, in place of that line.
// So keep this file to plain top-level declarations, with no import of its own.

const SVG = "http://www.w3.org/2000/svg";

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
