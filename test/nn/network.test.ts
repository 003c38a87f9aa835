/** The actor-critic network: sharing one recurrent pass per episode, inference, init, serialisation. */
import { describe, expect, it } from 'vitest';
import { ActorCritic, type NetConfig, type SeqBatch } from '../../src/nn/network.js';
import { fillRows, gemmNN, gemmNNBias, gemmNT, gemmTN, reluInPlace } from '../../src/nn/kernels.js';
import { INFERENCE_BLOCK_ROWS } from '../../src/nn/gru.js';
import { Rng } from '../../src/util/random.js';
import { maxRelDiff } from '../helpers/numeric.js';

const small: NetConfig = { pubIn: 5, privIn: 2, hidden: 8, mlp: [12, 6], actions: 3 };

function randomArray(n: number, rng: Rng, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rng.uniform() * 2 - 1) * scale;
  return a;
}

/** B episodes of S steps, each read at its private steps 1..S-1, the public step lagging by `lag`. */
function episodeBatch(c: NetConfig, B: number, S: number, rng: Rng, lag = 0): SeqBatch {
  const readSeq: number[] = [];
  const readPub: number[] = [];
  const readPriv: number[] = [];
  for (let b = 0; b < B; b++) {
    for (let t = 1; t < S; t++) {
      readSeq.push(b);
      readPub.push(Math.max(0, t - lag));
      readPriv.push(t);
    }
  }
  return {
    sequences: B,
    pubSteps: S,
    pub: randomArray(B * S * c.pubIn, rng, 2),
    privSteps: S,
    priv: randomArray(B * S * c.privIn, rng, 2),
    readSeq: Int32Array.from(readSeq),
    readPub: Int32Array.from(readPub),
    readPriv: Int32Array.from(readPriv),
  };
}

/** One sequence per read point, truncated at its steps: later steps are NaN so any use of them shows. */
function perTransitionBatch(c: NetConfig, ep: SeqBatch): SeqBatch {
  const R = ep.readSeq.length;
  const S = ep.pubSteps;
  const pub = new Float32Array(R * S * c.pubIn).fill(NaN);
  const priv = new Float32Array(R * ep.privSteps * c.privIn).fill(NaN);
  for (let i = 0; i < R; i++) {
    const b = ep.readSeq[i];
    const np = (ep.readPub[i] + 1) * c.pubIn;
    pub.set(ep.pub.subarray(b * S * c.pubIn, b * S * c.pubIn + np), i * S * c.pubIn);
    const nq = (ep.readPriv[i] + 1) * c.privIn;
    const Sq = ep.privSteps;
    priv.set(ep.priv.subarray(b * Sq * c.privIn, b * Sq * c.privIn + nq), i * Sq * c.privIn);
  }
  return {
    sequences: R,
    pubSteps: S,
    pub,
    privSteps: ep.privSteps,
    priv,
    readSeq: Int32Array.from({ length: R }, (_, i) => i),
    readPub: ep.readPub,
    readPriv: ep.readPriv,
  };
}


describe('kernels', () => {
  it('gemmNN, gemmNT and gemmTN agree with the naive product, edges included', () => {
    const rng = new Rng(3);
    for (const [M, K, N] of [
      [1, 1, 1],
      [5, 3, 7],
      [8, 16, 12],
      [9, 2, 6],
      [4, 5, 1],
    ]) {
      const A = randomArray(M * K, rng);
      const B = randomArray(K * N, rng);
      const ref = new Float64Array(M * N);
      for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) for (let k = 0; k < K; k++) ref[i * N + j] += A[i * K + k] * B[k * N + j];
      const C = new Float32Array(M * N + 3).fill(1);
      gemmNN(A, 0, B, 0, C, 3, M, K, N);
      const Bt = new Float32Array(N * K);
      for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) Bt[j * K + k] = B[k * N + j];
      const At = new Float32Array(K * M);
      for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) At[k * M + i] = A[i * K + k];
      const C2 = new Float32Array(M * N).fill(1);
      gemmNT(A, 0, Bt, 0, C2, 0, M, K, N);
      const C3 = new Float32Array(M * N).fill(1);
      gemmTN(At, 0, B, 0, C3, 0, M, K, N);
      for (let p = 0; p < M * N; p++) {
        expect(C[3 + p]).toBeCloseTo(1 + ref[p], 5);
        // NT sums in four lanes (kernels-js.ts), NN and TN in one sequence: the same order, the same bits.
        expect(C2[p]).toBeCloseTo(1 + ref[p], 5);
        expect(C3[p]).toBe(C[3 + p]);
      }
      expect(C[0]).toBe(1);
      // The fused layer (bias, product, ReLU) is bit-identical to the three steps.
      const bias = randomArray(N + 2, rng);
      const D = new Float32Array(M * N);
      fillRows(D, 0, M, N, bias, 2);
      gemmNN(A, 0, B, 0, D, 0, M, K, N);
      reluInPlace(D, 0, M * N);
      const E = new Float32Array(M * N).fill(7);
      gemmNNBias(A, 0, B, 0, E, 0, M, K, N, bias, 2, true);
      expect(Array.from(E)).toEqual(Array.from(D));
    }
  });
});

describe('ActorCritic', () => {
  it('has the reference parameter count for the paper network', () => {
    const net = ActorCritic.create({}, new Rng(1));
    expect(net.size).toBe(61_862);
    expect(net.config).toEqual({ pubIn: 18, privIn: 2, hidden: 64, mlp: [64, 32], actions: 5 });
  });

  it('initialises deterministically by seed, within PyTorch default bounds', () => {
    const a = ActorCritic.create(small, new Rng(42));
    const b = ActorCritic.create(small, new Rng(42));
    const c = ActorCritic.create(small, new Rng(43));
    expect(a.params).toEqual(b.params);
    expect(a.params).not.toEqual(c.params);
    for (const spec of a.layout.tensors) {
      for (let i = 0; i < spec.size; i++) expect(Math.abs(a.params[spec.offset + i])).toBeLessThanOrEqual(spec.initBound);
    }
    // GRU tensors use 1/sqrt(hidden); a Linear uses 1/sqrt(fan_in).
    expect(a.layout.get('pub.gru.weightIh').initBound).toBeCloseTo(1 / Math.sqrt(8));
    expect(a.layout.get('trunk.0.weight').initBound).toBeCloseTo(1 / Math.sqrt(16));
  });

  it('serialises to JSON and back exactly', () => {
    const net = ActorCritic.create(small, new Rng(5));
    const json = JSON.parse(JSON.stringify(net.toJSON()));
    const back = ActorCritic.fromJSON(json);
    expect(back.config).toEqual(net.config);
    expect(back.params).toEqual(net.params);
    const batch = episodeBatch(small, 2, 5, new Rng(6));
    expect(Array.from(back.forward(batch).logits)).toEqual(Array.from(net.forward(batch).logits));
    expect(() => ActorCritic.fromJSON({ ...json, params: json.params.slice(0, 40) })).toThrow(/float32/);
  });

  it('episode sharing gives the same outputs and gradients as one sequence per read point', () => {
    const rng = new Rng(7);
    const net = ActorCritic.create(small, rng);
    for (const lag of [0, 2]) {
      const ep = episodeBatch(small, 5, 9, rng, lag);
      const pt = perTransitionBatch(small, ep);
      const R = ep.readSeq.length;
      const dLogits = randomArray(R * small.actions, rng);
      const dValues = randomArray(R, rng);

      const outEp = net.forward(ep);
      const logitsEp = Float32Array.from(outEp.logits);
      const valuesEp = Float32Array.from(outEp.values);
      const gEp = new Float32Array(net.size);
      net.backward(dLogits, dValues, gEp);

      const outPt = net.forward(pt);
      const gPt = new Float32Array(net.size);
      net.backward(dLogits, dValues, gPt);

      // Forward values are bit-identical: a row's result does not depend on the rest of the batch.
      expect(Array.from(outPt.logits)).toEqual(Array.from(logitsEp));
      expect(Array.from(outPt.values)).toEqual(Array.from(valuesEp));
      expect(gPt.every(Number.isFinite)).toBe(true);
      // Gradients differ only in the order of float32 sums.
      expect(maxRelDiff(gEp, gPt)).toBeLessThan(1e-5);
    }
  });

  it('accumulates gradients across backward calls and accepts null head gradients', () => {
    const rng = new Rng(8);
    const net = ActorCritic.create(small, rng);
    const batch = episodeBatch(small, 3, 6, rng);
    const R = batch.readSeq.length;
    const dL = randomArray(R * small.actions, rng);
    net.forward(batch);
    const g1 = new Float32Array(net.size);
    net.backward(dL, null, g1);
    const g2 = new Float32Array(net.size);
    net.backward(dL, new Float32Array(R), g2);
    net.backward(dL, new Float32Array(R), g2);
    for (let i = 0; i < net.size; i++) expect(g2[i]).toBeCloseTo(2 * g1[i], 6);
    const cw = net.layout.get('critic.weight');
    expect(Array.from(g1.subarray(cw.offset, cw.offset + cw.size + 1)).every((v) => v === 0)).toBe(true);
  });

  it('keeps two workspaces apart', () => {
    const rng = new Rng(9);
    const net = ActorCritic.create(small, rng);
    const b1 = episodeBatch(small, 2, 5, rng);
    const b2 = episodeBatch(small, 3, 4, rng);
    const R = b1.readSeq.length;
    const dL = randomArray(R * small.actions, rng);
    net.forward(b1);
    const gRef = new Float32Array(net.size);
    net.backward(dL, null, gRef);
    net.forward(b1);
    const ws = net.createWorkspace();
    net.forward(b2, ws);
    const g = new Float32Array(net.size);
    net.backward(dL, null, g);
    expect(g).toEqual(gRef);
  });

  it('rejects read points outside the batch', () => {
    const net = ActorCritic.create(small, new Rng(1));
    const batch = episodeBatch(small, 2, 4, new Rng(2));
    expect(() => net.forward({ ...batch, readPub: Int32Array.from(batch.readPub, () => 4) })).toThrow(/public step/);
    expect(() => net.forward({ ...batch, readSeq: Int32Array.from(batch.readSeq, () => 2) })).toThrow(/sequence/);
  });
});

describe('InferenceSession', () => {
  // 6 rows fit one block; 549 run as two whole blocks and a partial one.
  it.each([6, 2 * INFERENCE_BLOCK_ROWS + 37])('step by step gives exactly the training forward outputs (%i environments)', (B) => {
    const rng = new Rng(11);
    const net = ActorCritic.create(small, rng);
    const S = 7;
    const batch = episodeBatch(small, B, S, rng);
    // Read every episode at every step 0..S-1.
    const readSeq: number[] = [];
    const readStep: number[] = [];
    for (let t = 0; t < S; t++) for (let b = 0; b < B; b++) (readSeq.push(b), readStep.push(t));
    const full = { ...batch, readSeq: Int32Array.from(readSeq), readPub: Int32Array.from(readStep), readPriv: Int32Array.from(readStep) };
    const out = net.forward(full);
    const A = small.actions;

    const session = net.inference(B);
    const xp = new Float32Array(B * small.pubIn);
    const xq = new Float32Array(B * small.privIn);
    const logits = new Float32Array(B * A);
    const values = new Float32Array(B);
    for (let t = 0; t < S; t++) {
      for (let b = 0; b < B; b++) {
        xp.set(batch.pub.subarray((b * S + t) * small.pubIn, (b * S + t + 1) * small.pubIn), b * small.pubIn);
        xq.set(batch.priv.subarray((b * S + t) * small.privIn, (b * S + t + 1) * small.privIn), b * small.privIn);
      }
      session.stepPublic(xp);
      session.stepPrivate(xq);
      session.heads(logits, values);
      expect(Array.from(logits)).toEqual(Array.from(out.logits.subarray(t * B * A, (t + 1) * B * A)));
      expect(Array.from(values)).toEqual(Array.from(out.values.subarray(t * B, (t + 1) * B)));
    }

    // A reset environment starts again from h = 0.
    session.reset(2);
    expect(session.hPub.subarray(2 * 8, 3 * 8).every((v) => v === 0)).toBe(true);
    expect(session.hPriv.subarray(1 * 8, 2 * 8).some((v) => v !== 0)).toBe(true);
  });

  it.each([4, INFERENCE_BLOCK_ROWS + 3])('encodePublic reads the whole public sequence like the training forward at its last step (%i environments)', (B) => {
    const rng = new Rng(12);
    const net = ActorCritic.create(small, rng);
    const S = 9;
    const batch = episodeBatch(small, B, S, rng);
    const reads = { readSeq: Int32Array.from({ length: B }, (_, b) => b), readPub: new Int32Array(B).fill(S - 1), readPriv: new Int32Array(B).fill(0) };
    const out = net.forward({ ...batch, ...reads });
    const session = net.inference(B);
    session.encodePublic(batch.pub, S);
    const xq = new Float32Array(B * small.privIn);
    for (let b = 0; b < B; b++) xq.set(batch.priv.subarray(b * S * small.privIn, (b * S + 1) * small.privIn), b * small.privIn);
    session.stepPrivate(xq);
    const logits = new Float32Array(B * small.actions);
    session.heads(logits, null);
    expect(Array.from(logits)).toEqual(Array.from(out.logits));
  });

  it('handles a partial batch (count < envs)', () => {
    const rng = new Rng(13);
    const net = ActorCritic.create(small, rng);
    const session = net.inference(8);
    const x = randomArray(3 * small.pubIn, rng);
    session.stepPublic(x, 3);
    expect(session.hPub.subarray(3 * 8).every((v) => v === 0)).toBe(true);
    expect(session.hPub.subarray(0, 3 * 8).some((v) => v !== 0)).toBe(true);
    expect(() => session.stepPublic(x, 4)).toThrow(/expected 4 x 5/);
  });
});
