// The static site has no kernel: this stand-in for the anywidget model keeps a widget's settings in the page
// (get / set / on / off / save_changes, the part of the model API the widgets use) and mounts each live
// widget's ES module, the same one JupyterLab and the presenter load, on every [data-softmax-NAME] element.
// NAME is the name tools/build_site.py's LIVE_WIDGETS gives the widget (its module is _static/NAME.js).
import explorer from "./explorer.js";
import simplex from "./simplex.js";
import pipeline from "./pipeline.js";
import calibration from "./calibration.js";

const WIDGETS = { explorer, simplex, pipeline, calibration };

class PageModel {
  constructor(state) {
    this.state = { ...state };
    this.handlers = new Map();
  }
  get(name) { return this.state[name]; }
  set(name, value) {
    const changed = this.state[name] !== value;
    this.state[name] = value;
    if (changed) for (const h of this.handlers.get(`change:${name}`) || []) h();
  }
  on(event, handler) {
    if (!this.handlers.has(event)) this.handlers.set(event, []);
    this.handlers.get(event).push(handler);
  }
  off(event, handler) {
    this.handlers.set(event, (this.handlers.get(event) || []).filter((h) => h !== handler));
  }
  save_changes() {} // nothing to sync with
  send() {}
}

for (const [name, widget] of Object.entries(WIDGETS)) {
  for (const el of document.querySelectorAll(`[data-softmax-${name}]`)) {
    widget.render({ model: new PageModel(JSON.parse(el.getAttribute(`data-softmax-${name}`))), el });
    el.dataset.ready = "true";
    el.dataset.mountedMs = performance.now().toFixed(0); // since navigation start (benchmarks/static_site.py)
  }
}
