/**
 * Multi-output ridge regression from streamed sufficient statistics: the rows are added one at a
 * time (no design matrix is kept), then any number of penalties are solved from the same moments.
 *
 * The inputs are standardised on the fitting rows (mean 0, standard deviation 1), so one penalty
 * `lambda` means the same for every feature: the coefficients solve  (R + lambda I) b = c,  with R
 * the inputs' correlation matrix and c their covariance with each output over their deviation.
 * Constant inputs get weight 0. With `intercept` the fit predicts the outputs' training mean plus
 * the features' effect; without it, only the effect (a prediction of 0 on the average row).
 */

export interface RidgeModel {
  readonly inputs: number;
  readonly outputs: number;
  /** Weights on the raw inputs, [input * outputs + output]. */
  readonly weights: Float64Array;
  /** Constant term per output. */
  readonly bias: Float64Array;
}

export class MomentAccumulator {
  count = 0;
  readonly sumX: Float64Array;
  readonly sumY: Float64Array;
  /** Sum of x x' (full square). */
  readonly sumXX: Float64Array;
  /** Sum of x y' [input * outputs + output]. */
  readonly sumXY: Float64Array;

  constructor(
    readonly inputs: number,
    readonly outputs: number,
  ) {
    this.sumX = new Float64Array(inputs);
    this.sumY = new Float64Array(outputs);
    this.sumXX = new Float64Array(inputs * inputs);
    this.sumXY = new Float64Array(inputs * outputs);
  }

  add(x: ArrayLike<number>, y: ArrayLike<number>): void {
    const d = this.inputs;
    const k = this.outputs;
    this.count++;
    for (let j = 0; j < k; j++) this.sumY[j] += y[j];
    for (let a = 0; a < d; a++) {
      const xa = x[a];
      if (xa === 0) continue;
      this.sumX[a] += xa;
      const row = a * d;
      for (let b = a; b < d; b++) this.sumXX[row + b] += xa * x[b];
      const out = a * k;
      for (let j = 0; j < k; j++) this.sumXY[out + j] += xa * y[j];
    }
  }
}

/** Solves the ridge problem for one penalty. Needs at least two rows. */
export function solveRidge(m: MomentAccumulator, lambda: number, intercept: boolean): RidgeModel {
  const { inputs: d, outputs: k, count: n } = m;
  if (n < 2) throw new Error('solveRidge: need at least two rows');
  if (!(lambda >= 0)) throw new Error('solveRidge: the penalty must be >= 0');
  const mean = m.sumX.map((s) => s / n);
  const meanY = m.sumY.map((s) => s / n);
  const sd = new Float64Array(d);
  for (let a = 0; a < d; a++) {
    const v = m.sumXX[a * d + a] / n - mean[a] * mean[a];
    sd[a] = v > 1e-12 * Math.max(1, mean[a] * mean[a]) ? Math.sqrt(v) : 0;
  }
  const live = [...Array(d).keys()].filter((a) => sd[a] > 0);
  const p = live.length;
  // A = R + lambda I over the live inputs; B = standardised covariances with the outputs.
  const A = new Float64Array(p * p);
  const B = new Float64Array(p * k);
  for (let u = 0; u < p; u++) {
    const a = live[u];
    for (let v = u; v < p; v++) {
      const b = live[v];
      const cov = m.sumXX[a * d + b] / n - mean[a] * mean[b];
      const r = cov / (sd[a] * sd[b]);
      A[u * p + v] = r;
      A[v * p + u] = r;
    }
    A[u * p + u] += lambda;
    for (let j = 0; j < k; j++) B[u * k + j] = (m.sumXY[a * k + j] / n - mean[a] * meanY[j]) / sd[a];
  }
  const beta = choleskySolve(A, B, p, k);
  const weights = new Float64Array(d * k);
  const bias = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    let shift = 0;
    for (let u = 0; u < p; u++) {
      const a = live[u];
      const w = beta[u * k + j] / sd[a];
      weights[a * k + j] = w;
      shift += w * mean[a];
    }
    bias[j] = (intercept ? meanY[j] : 0) - shift;
  }
  return { inputs: d, outputs: k, weights, bias };
}

/** out[j] = bias[j] + sum_a x[a] w[a][j]. */
export function predictRidge(model: RidgeModel, x: ArrayLike<number>, out: Float64Array): void {
  const { inputs: d, outputs: k, weights, bias } = model;
  for (let j = 0; j < k; j++) out[j] = bias[j];
  for (let a = 0; a < d; a++) {
    const xa = x[a];
    if (xa === 0) continue;
    for (let j = 0; j < k; j++) out[j] += xa * weights[a * k + j];
  }
}

/**
 * Solves A X = B for a symmetric positive-definite A (p x p) and B (p x k), both row-major; returns X.
 * Throws when A is not positive definite.
 */
export function choleskySolve(A: Float64Array, B: Float64Array, p: number, k: number): Float64Array {
  const L = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * p + j];
      for (let q = 0; q < j; q++) s -= L[i * p + q] * L[j * p + q];
      if (i === j) {
        if (!(s > 0)) throw new Error('choleskySolve: the matrix is not positive definite');
        L[i * p + i] = Math.sqrt(s);
      } else {
        L[i * p + j] = s / L[j * p + j];
      }
    }
  }
  const X = new Float64Array(p * k);
  for (let c = 0; c < k; c++) {
    // L z = b, then L' x = z.
    const z = new Float64Array(p);
    for (let i = 0; i < p; i++) {
      let s = B[i * k + c];
      for (let q = 0; q < i; q++) s -= L[i * p + q] * z[q];
      z[i] = s / L[i * p + i];
    }
    for (let i = p - 1; i >= 0; i--) {
      let s = z[i];
      for (let q = i + 1; q < p; q++) s -= L[q * p + i] * X[q * k + c];
      X[i * k + c] = s / L[i * p + i];
    }
  }
  return X;
}
