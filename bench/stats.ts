/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) {
    throw new Error('median() of an empty list; every measurement needs at least one sample.');
  }
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** A least-squares line y = a + b·x, with each point's residual. */
export interface LinearFit {
  /** Intercept: the fixed cost. */
  readonly a: number;
  /** Slope: the cost per unit of x. */
  readonly b: number;
  /** Coefficient of determination. */
  readonly r2: number;
  /** Measured minus fitted, per point, in the order given. */
  readonly residuals: number[];
}

/** Fits y = a + b·x by least squares. */
export function fitLine(xs: readonly number[], ys: readonly number[]): LinearFit {
  if (xs.length !== ys.length || xs.length < 2) {
    throw new Error(`fitLine() needs at least two (x, y) points of equal count; got ${xs.length} x and ${ys.length} y.`);
  }
  const n = xs.length;
  const meanX = xs.reduce((s, x) => s + x, 0) / n;
  const meanY = ys.reduce((s, y) => s + y, 0) / n;
  const sxx = xs.reduce((s, x) => s + (x - meanX) ** 2, 0);
  const sxy = xs.reduce((s, x, i) => s + (x - meanX) * (ys[i] - meanY), 0);
  const b = sxy / sxx;
  const a = meanY - b * meanX;
  const residuals = xs.map((x, i) => ys[i] - (a + b * x));
  const ssRes = residuals.reduce((s, r) => s + r ** 2, 0);
  const ssTot = ys.reduce((s, y) => s + (y - meanY) ** 2, 0);
  return { a, b, r2: ssTot === 0 ? 1 : 1 - ssRes / ssTot, residuals };
}

/** A number with `digits` decimals, for tables. */
export function fixed(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '-';
}
