// The softmax of the four widgets (explorer.js, simplex.js, calibration_demo.js, pipeline_demo.js), written once:
// the JavaScript twin of softmax_lab.softmax(z, temperature=T) for one vector of logits, tested against it by
// tests/test_softmax_js.py. Each widget imports it in one statement, import { softmax } from "./softmax.js";
// and puts its own input rules in front (simplex: finite logits only; calibration: T in the slider's range).
// anywidget loads a widget from a blob URL, where a relative import cannot resolve:
// softmax_lab/course/widget_assets.py puts this file's text, without its `export` keywords, in place of the
// import. So keep this file to plain top-level declarations, with no import of its own.

/**
 * softmax(z / T) with the max shift: p_i = w_i / sum_j w_j, w_i = exp((z_i - m) / T), m = max_j z_j.
 * T = 0 is the argmax limit (tied maxima share the mass evenly), T = Infinity is uniform over the classes with
 * a finite logit; a -Infinity logit is a masked class, probability exactly 0. Empty z, NaN, +Infinity, z -Infinity
 * everywhere or a T that is not a number >= 0 throw an Error naming the argument. Returns an Array.
 */
export function softmax(z, T = 1) {
  if (typeof T !== "number" || !(T >= 0)) throw new Error(`temperature must be a number >= 0, got ${T}`);
  if (z.length === 0) throw new Error("z is empty: softmax over no classes is undefined");
  let m = -Infinity;
  for (let i = 0; i < z.length; i++) {
    if (Number.isNaN(z[i])) throw new Error(`z contains NaN at index ${i}`);
    if (z[i] === Infinity) throw new Error(`z contains +inf at index ${i}; use -inf to mask a class`);
    if (z[i] > m) m = z[i];
  }
  if (m === -Infinity) throw new Error("z is -inf everywhere: every class is masked");
  const w = softmaxExponents(z, m, T).map((s) => Math.exp(s));
  let total = 0;
  for (const v of w) total += v; // >= 1: the largest class contributes exp(0) = 1
  return w.map((v) => v / total);
}

/**
 * (z_i - m) / T for every class: <= 0, -Infinity for a masked class (weight 0). The limits are exact: T = 0
 * gives 0 at the maxima and -Infinity elsewhere, T = Infinity 0 for every class with a finite logit. z_i - m
 * overflows to -Infinity only when the spread of z exceeds float64's range (|z| near 1e308): for T <= 1 that
 * is the correctly rounded quotient (weight 0); for T > 1 the quotient may be finite, so then every exponent is
 * formed as z_i / T - m / T, as numpy's softmax does (softmax_lab/_validate.py, Logits.shift).
 */
function softmaxExponents(z, m, T) {
  if (T === 0) return Array.from(z, (v) => (v === m ? 0 : -Infinity));
  if (T === Infinity) return Array.from(z, (v) => (v === -Infinity ? -Infinity : 0));
  const d = Array.from(z, (v) => v - m);
  const overflow = d.some((s, i) => s === -Infinity && z[i] !== -Infinity);
  return overflow && T > 1 ? Array.from(z, (v) => v / T - m / T) : d.map((s) => s / T);
}
