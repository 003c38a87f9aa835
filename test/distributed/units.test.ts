/** The distributed run's pure parts: shards of whole dates, the results codec, refusals, the dataset hash. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Order } from '../../src/data/orders.js';
import { decodeOrdersRun, encodeOrdersRun } from '../../src/distributed/codec.js';
import { datasetHash, findDataset } from '../../src/distributed/dataset.js';
import { jobId, refusal } from '../../src/distributed/jobs.js';
import { shardsOfDates } from '../../src/distributed/shards.js';
import type { OrdersRun } from '../../src/eval/backtest.js';
import type { StrategyRun } from '../../src/eval/run.js';
import { runCli } from '../cli/run-cli.js';
import { tempDirs } from '../helpers/tmp.js';

const DATES = ['2024-03-01', '2024-03-04', '2024-03-05', '2024-03-06'];
const order = (date: string, k: number): Order => ({ instrument: `S${k}`, date, side: 'sell', quantity: 100 + k });
const { tmp } = tempDirs('execlab-distributed-');

describe('shards of whole dates', () => {
  it('groups orders by date in dataset order, unknown dates first, n dates a shard', () => {
    const orders = [order(DATES[2], 0), order(DATES[0], 1), order(DATES[3], 2), order(DATES[0], 3), order('2030-01-01', 4), order(DATES[2], 5)];
    const names = (shards: Order[][]) => shards.map((s) => s.map((o) => o.instrument));
    expect(names(shardsOfDates(DATES, orders, 1))).toEqual([['S4'], ['S1', 'S3'], ['S0', 'S5'], ['S2']]);
    expect(names(shardsOfDates(DATES, orders, 2))).toEqual([['S4', 'S1', 'S3'], ['S0', 'S5', 'S2']]);
    expect(names(shardsOfDates(DATES, orders, 9))).toEqual([['S4', 'S1', 'S3', 'S0', 'S5', 'S2']]);
    expect(() => shardsOfDates(DATES, orders, 0)).toThrow(/integer >= 1, got 0/);
  });

  it('never splits a date, and concatenates to every order once in episode order (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: DATES.length - 1 }), { maxLength: 50 }), fc.integer({ min: 1, max: 5 }), (days, n) => {
        const orders = days.map((d, k) => order(DATES[d], k));
        const shards = shardsOfDates(DATES, orders, n);
        const dateSets = shards.map((s) => new Set(s.map((o) => o.date)));
        for (const s of dateSets) expect(s.size).toBeLessThanOrEqual(n);
        for (let a = 0; a < dateSets.length; a++) for (let b = a + 1; b < dateSets.length; b++) for (const d of dateSets[a]) expect(dateSets[b].has(d)).toBe(false);
        const expected = [...orders].sort((x, y) => DATES.indexOf(x.date) - DATES.indexOf(y.date) || Number(x.instrument.slice(1)) - Number(y.instrument.slice(1)));
        expect(shards.flat()).toEqual(expected);
      }),
    );
  });
});

describe('the per-order results codec', () => {
  it('gives back every number bit for bit, NaN and -0 included', () => {
    const run: StrategyRun = {
      strategy: 'TWAP',
      kind: 'rule',
      count: 2,
      paBps: Float64Array.from([NaN, -0]),
      reward: Float64Array.from([0.1 + 0.2, -1 / 3]),
      executedQty: Float64Array.from([0, 5e-324]),
      quantity: Float64Array.from([100, 200]),
      periodQty: Float64Array.from([1, 2, 3, 4]),
      periods: 2,
      minuteFills: null,
    };
    const r: OrdersRun = { runs: [run], twap: run, ran: { orders: [order(DATES[0], 1), order(DATES[1], 2)], date: [DATES[0], DATES[1]], liquidity: [0.25, Math.PI] }, skipped: [{ order: order('2030-01-01', 3), reason: 'no such date' }], parts: 1 };
    const back = decodeOrdersRun(encodeOrdersRun(r));
    expect(Object.is(back.runs[0].paBps[1], -0)).toBe(true);
    expect(Number.isNaN(back.runs[0].paBps[0])).toBe(true);
    expect(Array.from(back.runs[0].reward)).toEqual([0.1 + 0.2, -1 / 3]);
    expect(back.runs[0].executedQty[1]).toBe(5e-324);
    expect(back.ran).toEqual(r.ran);
    expect(back.skipped).toEqual(r.skipped);
    expect(decodeOrdersRun(encodeOrdersRun({ ...r, runs: [], twap: null })).twap).toBeNull();
  });
});

describe('what a worker refuses', () => {
  const ok = { kind: 'train', execlab: '0.1.0', dataset: { name: 'd', hash: 'a'.repeat(64) }, label: 'OPD-S-s1' };
  it('another ExecLab version, or a malformed payload, with the reason', () => {
    expect(refusal(ok, '0.1.0')).toBeNull();
    expect(refusal(ok, '0.2.0')).toBe('the job was made by ExecLab 0.1.0 and this worker runs 0.2.0: results would differ; run the same version on every machine');
    expect(refusal({ ...ok, dataset: { name: 'd', hash: 'xyz' } }, '0.1.0')).toMatch(/^malformed job payload \(dataset\.hash: /);
    expect(refusal({ ...ok, kind: 'dance' }, '0.1.0')).toMatch(/kind/);
  });

  it('job ids hold no colon (BullMQ reserves it)', () => {
    expect(jobId('ab12', 'evaluate-1 2/3')).toBe('ab12.evaluate-1_2_3');
    expect(jobId('ab12', 'OPD-S-s1:x')).toBe('ab12.OPD-S-s1_x');
  });

  it('a dataset is found by its content, not its path or provenance; another one is named', async () => {
    const root = tmp('datasets');
    const a = join(root, 'one');
    expect((await runCli('data', 'synth', '--out', a, '--instruments', '2', '--days', '4', '--validation-days', '1', '--test-days', '1', '--quiet')).code).toBe(0);
    const hash = datasetHash(a);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(findDataset(root, { name: 'synthetic', hash })).toBe(a);
    // Provenance is where the data came from, not what it is.
    const meta = JSON.parse(readFileSync(join(a, 'meta.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(a, 'meta.json'), JSON.stringify({ ...meta, provenance: { inputs: ['/elsewhere'] } }));
    expect(datasetHash(a)).toBe(hash);
    // One changed split is another dataset.
    const split = meta.split as { validation: string[]; test: string[] };
    writeFileSync(join(a, 'meta.json'), JSON.stringify({ ...meta, split: { ...split, test: [] } }));
    const changed = datasetHash(a);
    expect(changed).not.toBe(hash);
    expect(() => findDataset(root, { name: 'synthetic', hash })).toThrow(
      `dataset synthetic with content hash ${hash.slice(0, 12)} is not under this worker's --data-root ${root}: synthetic (${changed.slice(0, 12)}) in ${a}`,
    );
  });
});
