/**
 * Matrix products over Float32Array in plain TypeScript: the reference implementation of the kernels
 * in kernels.ts, used where WebAssembly SIMD is unavailable or EXECLAB_KERNELS=js (docs/NETWORK.md).
 *
 * All matrices are row-major and contiguous; each operand is given as (array, element offset) so
 * that blocks of larger buffers (one time step of a packed sequence batch, one tensor of the flat
 * parameter vector) are used without creating views in hot paths.
 *
 * Speed: every product is computed in 4x4 register tiles (16 double accumulators, 8 loads per 16
 * multiply-adds), which runs at about 4.5 GFLOP/s in V8 versus about 2.2 for the row-axpy loop.
 *
 * Exactness: every output element is `C + sum_k a_k * b_k` with the sum accumulated in double from
 * zero in increasing k, whichever path (tile or edge) computes it. A row's result therefore does not
 * depend on how many other rows are in the batch or where it sits, which makes the batched training
 * forward and the step-by-step inference bit-identical.
 */

/** C[M,N] += A[M,K] * B[K,N]. */
export function gemmNN(
  A: Float32Array,
  ao: number,
  B: Float32Array,
  bo: number,
  C: Float32Array,
  co: number,
  M: number,
  K: number,
  N: number,
): void {
  nn(A, ao, B, bo, C, co, M, K, N, null, 0, false);
}

/**
 * C[M,N] = bias + A[M,K] * B[K,N] (bias[N] from offset biasOff added to every row), then ReLU if
 * `relu`: a layer's forward in one pass. Bit-identical to fillRows + gemmNN + reluInPlace.
 */
export function gemmNNBias(
  A: Float32Array,
  ao: number,
  B: Float32Array,
  bo: number,
  C: Float32Array,
  co: number,
  M: number,
  K: number,
  N: number,
  bias: Float32Array,
  biasOff: number,
  relu: boolean,
): void {
  nn(A, ao, B, bo, C, co, M, K, N, bias, biasOff, relu);
}

function nn(
  A: Float32Array,
  ao: number,
  B: Float32Array,
  bo: number,
  C: Float32Array,
  co: number,
  M: number,
  K: number,
  N: number,
  bias: Float32Array | null,
  biasOff: number,
  relu: boolean,
): void {
  const M4 = M - (M & 3);
  const N4 = N - (N & 3);
  if (M4 > 0 && N4 > 0) nnTiles(A, ao, B, bo, C, co, K, N, M4, N4, bias, biasOff, relu);
  if (N4 < N && M4 > 0) nnEdgeColumns(A, ao, B, bo, C, co, K, N, M4, N4, bias, biasOff, relu);
  if (M4 < M) nnEdgeRows(A, ao, B, bo, C, co, M, K, N, M4, N4, bias, biasOff, relu);
}

/** The store of one output: accumulate (no bias) or bias + sum with optional ReLU. */
function put(C: Float32Array, o: number, s: number, bias: Float32Array | null, bp: number, relu: boolean): void {
  if (bias === null) {
    C[o] += s;
  } else {
    const v = bias[bp] + s;
    C[o] = relu && v < 0 ? 0 : v;
  }
}

function nnTiles(
  A: Float32Array,
  ao: number,
  B: Float32Array,
  bo: number,
  C: Float32Array,
  co: number,
  K: number,
  N: number,
  M4: number,
  N4: number,
  bias: Float32Array | null,
  biasOff: number,
  relu: boolean,
): void {
  for (let i = 0; i < M4; i += 4) {
    const a0 = ao + i * K;
    const a1 = a0 + K;
    const a2 = a1 + K;
    const a3 = a2 + K;
    const r0 = co + i * N;
    const r1 = r0 + N;
    const r2 = r1 + N;
    const r3 = r2 + N;
    for (let j = 0; j < N4; j += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      let bp = bo + j;
      for (let k = 0; k < K; k++, bp += N) {
        const b0 = B[bp];
        const b1 = B[bp + 1];
        const b2 = B[bp + 2];
        const b3 = B[bp + 3];
        let a = A[a0 + k];
        c00 += a * b0; c01 += a * b1; c02 += a * b2; c03 += a * b3;
        a = A[a1 + k];
        c10 += a * b0; c11 += a * b1; c12 += a * b2; c13 += a * b3;
        a = A[a2 + k];
        c20 += a * b0; c21 += a * b1; c22 += a * b2; c23 += a * b3;
        a = A[a3 + k];
        c30 += a * b0; c31 += a * b1; c32 += a * b2; c33 += a * b3;
      }
      const q = biasOff + j;
      put(C, r0 + j, c00, bias, q, relu); put(C, r0 + j + 1, c01, bias, q + 1, relu);
      put(C, r0 + j + 2, c02, bias, q + 2, relu); put(C, r0 + j + 3, c03, bias, q + 3, relu);
      put(C, r1 + j, c10, bias, q, relu); put(C, r1 + j + 1, c11, bias, q + 1, relu);
      put(C, r1 + j + 2, c12, bias, q + 2, relu); put(C, r1 + j + 3, c13, bias, q + 3, relu);
      put(C, r2 + j, c20, bias, q, relu); put(C, r2 + j + 1, c21, bias, q + 1, relu);
      put(C, r2 + j + 2, c22, bias, q + 2, relu); put(C, r2 + j + 3, c23, bias, q + 3, relu);
      put(C, r3 + j, c30, bias, q, relu); put(C, r3 + j + 1, c31, bias, q + 1, relu);
      put(C, r3 + j + 2, c32, bias, q + 2, relu); put(C, r3 + j + 3, c33, bias, q + 3, relu);
    }
  }
}

function nnEdgeColumns(
  A: Float32Array,
  ao: number,
  B: Float32Array,
  bo: number,
  C: Float32Array,
  co: number,
  K: number,
  N: number,
  M4: number,
  N4: number,
  bias: Float32Array | null,
  biasOff: number,
  relu: boolean,
): void {
  for (let i = 0; i < M4; i += 4) {
    const a0 = ao + i * K;
    const a1 = a0 + K;
    const a2 = a1 + K;
    const a3 = a2 + K;
    const r0 = co + i * N;
    for (let j = N4; j < N; j++) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let bp = bo + j;
      for (let k = 0; k < K; k++, bp += N) {
        const b = B[bp];
        s0 += A[a0 + k] * b;
        s1 += A[a1 + k] * b;
        s2 += A[a2 + k] * b;
        s3 += A[a3 + k] * b;
      }
      const q = biasOff + j;
      put(C, r0 + j, s0, bias, q, relu);
      put(C, r0 + N + j, s1, bias, q, relu);
      put(C, r0 + 2 * N + j, s2, bias, q, relu);
      put(C, r0 + 3 * N + j, s3, bias, q, relu);
    }
  }
}

function nnEdgeRows(
  A: Float32Array,
  ao: number,
  B: Float32Array,
  bo: number,
  C: Float32Array,
  co: number,
  M: number,
  K: number,
  N: number,
  M4: number,
  N4: number,
  bias: Float32Array | null,
  biasOff: number,
  relu: boolean,
): void {
  for (let i = M4; i < M; i++) {
    const a0 = ao + i * K;
    const r0 = co + i * N;
    let j = 0;
    for (; j < N4; j += 4) {
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      let bp = bo + j;
      for (let k = 0; k < K; k++, bp += N) {
        const a = A[a0 + k];
        c0 += a * B[bp];
        c1 += a * B[bp + 1];
        c2 += a * B[bp + 2];
        c3 += a * B[bp + 3];
      }
      const q = biasOff + j;
      put(C, r0 + j, c0, bias, q, relu);
      put(C, r0 + j + 1, c1, bias, q + 1, relu);
      put(C, r0 + j + 2, c2, bias, q + 2, relu);
      put(C, r0 + j + 3, c3, bias, q + 3, relu);
    }
    for (; j < N; j++) {
      let s = 0;
      let bp = bo + j;
      for (let k = 0; k < K; k++, bp += N) s += A[a0 + k] * B[bp];
      put(C, r0 + j, s, bias, biasOff + j, relu);
    }
  }
}

/** C[M,N] += A[M,K] * B[N,K]^T (both operands read along their rows: dot products). */
export function gemmNT(
  A: Float32Array,
  ao: number,
  B: Float32Array,
  bo: number,
  C: Float32Array,
  co: number,
  M: number,
  K: number,
  N: number,
): void {
  const M4 = M - (M & 3);
  const N4 = N - (N & 3);
  if (M4 > 0 && N4 > 0) ntTiles(A, ao, B, bo, C, co, M, K, N, M4, N4);
  if (N4 < N && M4 > 0) ntEdgeColumns(A, ao, B, bo, C, co, M, K, N, M4, N4);
  if (M4 < M) ntEdgeRows(A, ao, B, bo, C, co, M, K, N, M4, N4);
}

function ntTiles(
  A: Float32Array,
  ao: number,
  B: Float32Array,
  bo: number,
  C: Float32Array,
  co: number,
  M: number,
  K: number,
  N: number,
  M4: number,
  N4: number,
): void {
  for (let i = 0; i < M4; i += 4) {
    const a0 = ao + i * K;
    const a1 = a0 + K;
    const a2 = a1 + K;
    const a3 = a2 + K;
    const r0 = co + i * N;
    const r1 = r0 + N;
    const r2 = r1 + N;
    const r3 = r2 + N;
    let j = 0;
    for (; j < N4; j += 4) {
      const b0p = bo + j * K;
      const b1p = b0p + K;
      const b2p = b1p + K;
      const b3p = b2p + K;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let k = 0; k < K; k++) {
        const b0 = B[b0p + k];
        const b1 = B[b1p + k];
        const b2 = B[b2p + k];
        const b3 = B[b3p + k];
        let a = A[a0 + k];
        c00 += a * b0; c01 += a * b1; c02 += a * b2; c03 += a * b3;
        a = A[a1 + k];
        c10 += a * b0; c11 += a * b1; c12 += a * b2; c13 += a * b3;
        a = A[a2 + k];
        c20 += a * b0; c21 += a * b1; c22 += a * b2; c23 += a * b3;
        a = A[a3 + k];
        c30 += a * b0; c31 += a * b1; c32 += a * b2; c33 += a * b3;
      }
      let o = r0 + j;
      C[o] += c00; C[o + 1] += c01; C[o + 2] += c02; C[o + 3] += c03;
      o = r1 + j;
      C[o] += c10; C[o + 1] += c11; C[o + 2] += c12; C[o + 3] += c13;
      o = r2 + j;
      C[o] += c20; C[o + 1] += c21; C[o + 2] += c22; C[o + 3] += c23;
      o = r3 + j;
      C[o] += c30; C[o + 1] += c31; C[o + 2] += c32; C[o + 3] += c33;
    }
  }
}

function ntEdgeColumns(
  A: Float32Array,
  ao: number,
  B: Float32Array,
  bo: number,
  C: Float32Array,
  co: number,
  M: number,
  K: number,
  N: number,
  M4: number,
  N4: number,
): void {
  for (let i = 0; i < M4; i += 4) {
    const a0 = ao + i * K;
    const a1 = a0 + K;
    const a2 = a1 + K;
    const a3 = a2 + K;
    const r0 = co + i * N;
    const r1 = r0 + N;
    const r2 = r1 + N;
    const r3 = r2 + N;
    let j = N4;
    for (; j < N; j++) {
      const bp = bo + j * K;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < K; k++) {
        const b = B[bp + k];
        s0 += A[a0 + k] * b;
        s1 += A[a1 + k] * b;
        s2 += A[a2 + k] * b;
        s3 += A[a3 + k] * b;
      }
      C[r0 + j] += s0;
      C[r1 + j] += s1;
      C[r2 + j] += s2;
      C[r3 + j] += s3;
    }
  }
}

function ntEdgeRows(
  A: Float32Array,
  ao: number,
  B: Float32Array,
  bo: number,
  C: Float32Array,
  co: number,
  M: number,
  K: number,
  N: number,
  M4: number,
  N4: number,
): void {
  for (let i = M4; i < M; i++) {
    const a0 = ao + i * K;
    const r0 = co + i * N;
    let j = 0;
    for (; j < N4; j += 4) {
      const b0p = bo + j * K;
      const b1p = b0p + K;
      const b2p = b1p + K;
      const b3p = b2p + K;
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      for (let k = 0; k < K; k++) {
        const a = A[a0 + k];
        c0 += a * B[b0p + k];
        c1 += a * B[b1p + k];
        c2 += a * B[b2p + k];
        c3 += a * B[b3p + k];
      }
      C[r0 + j] += c0;
      C[r0 + j + 1] += c1;
      C[r0 + j + 2] += c2;
      C[r0 + j + 3] += c3;
    }
    for (; j < N; j++) {
      const bp = bo + j * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += A[a0 + k] * B[bp + k];
      C[r0 + j] += s;
    }
  }
}

/** C[M,N] += A[K,M]^T * B[K,N] (the weight-gradient product: a sum over batch rows k). */
export function gemmTN(
  A: Float32Array,
  ao: number,
  B: Float32Array,
  bo: number,
  C: Float32Array,
  co: number,
  M: number,
  K: number,
  N: number,
): void {
  const M4 = M - (M & 3);
  const N4 = N - (N & 3);
  if (M4 > 0 && N4 > 0) tnTiles(A, ao, B, bo, C, co, M, K, N, M4, N4);
  if (N4 < N && M4 > 0) tnEdgeColumns(A, ao, B, bo, C, co, M, K, N, M4, N4);
  if (M4 < M) tnEdgeRows(A, ao, B, bo, C, co, M, K, N, M4, N4);
}

function tnTiles(
  A: Float32Array,
  ao: number,
  B: Float32Array,
  bo: number,
  C: Float32Array,
  co: number,
  M: number,
  K: number,
  N: number,
  M4: number,
  N4: number,
): void {
  for (let i = 0; i < M4; i += 4) {
    const r0 = co + i * N;
    const r1 = r0 + N;
    const r2 = r1 + N;
    const r3 = r2 + N;
    let j = 0;
    for (; j < N4; j += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      let ap = ao + i;
      let bp = bo + j;
      for (let k = 0; k < K; k++, ap += M, bp += N) {
        const b0 = B[bp];
        const b1 = B[bp + 1];
        const b2 = B[bp + 2];
        const b3 = B[bp + 3];
        let a = A[ap];
        c00 += a * b0; c01 += a * b1; c02 += a * b2; c03 += a * b3;
        a = A[ap + 1];
        c10 += a * b0; c11 += a * b1; c12 += a * b2; c13 += a * b3;
        a = A[ap + 2];
        c20 += a * b0; c21 += a * b1; c22 += a * b2; c23 += a * b3;
        a = A[ap + 3];
        c30 += a * b0; c31 += a * b1; c32 += a * b2; c33 += a * b3;
      }
      let o = r0 + j;
      C[o] += c00; C[o + 1] += c01; C[o + 2] += c02; C[o + 3] += c03;
      o = r1 + j;
      C[o] += c10; C[o + 1] += c11; C[o + 2] += c12; C[o + 3] += c13;
      o = r2 + j;
      C[o] += c20; C[o + 1] += c21; C[o + 2] += c22; C[o + 3] += c23;
      o = r3 + j;
      C[o] += c30; C[o + 1] += c31; C[o + 2] += c32; C[o + 3] += c33;
    }
  }
}

function tnEdgeColumns(
  A: Float32Array,
  ao: number,
  B: Float32Array,
  bo: number,
  C: Float32Array,
  co: number,
  M: number,
  K: number,
  N: number,
  M4: number,
  N4: number,
): void {
  for (let i = 0; i < M4; i += 4) {
    const r0 = co + i * N;
    const r1 = r0 + N;
    const r2 = r1 + N;
    const r3 = r2 + N;
    let j = N4;
    for (; j < N; j++) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let ap = ao + i;
      let bp = bo + j;
      for (let k = 0; k < K; k++, ap += M, bp += N) {
        const b = B[bp];
        s0 += A[ap] * b;
        s1 += A[ap + 1] * b;
        s2 += A[ap + 2] * b;
        s3 += A[ap + 3] * b;
      }
      C[r0 + j] += s0;
      C[r1 + j] += s1;
      C[r2 + j] += s2;
      C[r3 + j] += s3;
    }
  }
}

function tnEdgeRows(
  A: Float32Array,
  ao: number,
  B: Float32Array,
  bo: number,
  C: Float32Array,
  co: number,
  M: number,
  K: number,
  N: number,
  M4: number,
  N4: number,
): void {
  for (let i = M4; i < M; i++) {
    const r0 = co + i * N;
    let j = 0;
    for (; j < N4; j += 4) {
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      let ap = ao + i;
      let bp = bo + j;
      for (let k = 0; k < K; k++, ap += M, bp += N) {
        const a = A[ap];
        c0 += a * B[bp];
        c1 += a * B[bp + 1];
        c2 += a * B[bp + 2];
        c3 += a * B[bp + 3];
      }
      C[r0 + j] += c0;
      C[r0 + j + 1] += c1;
      C[r0 + j + 2] += c2;
      C[r0 + j + 3] += c3;
    }
    for (; j < N; j++) {
      let s = 0;
      let ap = ao + i;
      let bp = bo + j;
      for (let k = 0; k < K; k++, ap += M, bp += N) s += A[ap] * B[bp];
      C[r0 + j] += s;
    }
  }
}

/**
 * Runs every path of every kernel (full tiles, edge rows, edge columns) once on tiny inputs at module
 * load. Without it, V8 optimises a kernel on the shapes seen first and compiles the other paths as
 * bailouts; a later call with another shape then deoptimises it again and again (measured: the
 * 1024 x 64 x 192 product fell from 4.5 to 1.9 GFLOP/s after calls with N = 5 and N = 1).
 */
function warmUp(): void {
  const A = new Float32Array(64);
  const B = new Float32Array(64);
  const C = new Float32Array(64);
  for (let i = 0; i < 64; i++) {
    A[i] = (i % 7) - 3;
    B[i] = (i % 5) - 2;
  }
  for (let rep = 0; rep < 3; rep++) {
    for (const [M, K, N] of [
      [5, 3, 5],
      [4, 2, 4],
      [1, 1, 1],
      [3, 2, 6],
    ]) {
      gemmNN(A, 0, B, 0, C, 0, M, K, N);
      gemmNNBias(A, 0, B, 0, C, 0, M, K, N, B, 1, rep > 0);
      gemmNT(A, 0, B, 0, C, 0, M, K, N);
      gemmTN(A, 0, B, 0, C, 0, M, K, N);
    }
  }
}
warmUp();
