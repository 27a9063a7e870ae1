// The static site has no kernel: this stand-in for the anywidget model keeps the explorer's settings in
// the page (get / set / on / off / save_changes, the part of the model API explorer.js uses) and mounts
// explorer.js, the same module JupyterLab and the presenter load, on every [data-softmax-explorer] element.
import explorer from "./explorer.js";

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

for (const el of document.querySelectorAll("[data-softmax-explorer]")) {
  explorer.render({ model: new PageModel(JSON.parse(el.dataset.softmaxExplorer)), el });
  el.dataset.ready = "true";
  el.dataset.mountedMs = performance.now().toFixed(0); // since navigation start (benchmarks/static_site.py)
}
