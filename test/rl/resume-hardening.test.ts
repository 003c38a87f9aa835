/**
 * Resuming a training run from damaged or mismatched files: a torn last line of metrics.jsonl is
 * dropped (and said), an unreadable checkpoint is named with what to do, and settings that differ
 * from the checkpoint's are refused, each listed.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrderSettingsSchema } from '../../src/data/orders.js';
import { DEFAULT_SIM_SETTINGS } from '../../src/sim/settings.js';
import { prepareTrainingData, trainPolicy, type TrainJob } from '../../src/rl/train.js';
import { PpoSettingsSchema } from '../../src/rl/ppo/settings.js';
import { memoryStore } from '../helpers/memory-store.js';

const small = memoryStore({ instruments: 6, days: 7, validationDays: 2, testDays: 1, seed: 4 }, 4, 2);
const tiny = prepareTrainingData(small, DEFAULT_SIM_SETTINGS, OrderSettingsSchema.parse({}));
const settings = PpoSettingsSchema.parse({ iterations: 4, episodesPerIteration: 16, minibatchTransitions: 64, validateEvery: 2, patience: 100, seed: 3, hidden: 8 });
const job: TrainJob = { algo: 'ppo', name: 'P', settings };

/** A run "killed" after iteration 3: its checkpoint is from iteration 2, its log has 3 lines. */
async function killedRun(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'execlab-resume-h-'));
  await trainPolicy(tiny, DEFAULT_SIM_SETTINGS, job, { outDir: dir, haltAfter: 3 });
  return dir;
}

function captureStderr(): { text: () => string } {
  const lines: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation(((s: string) => (lines.push(String(s)), true)) as never);
  return { text: () => lines.join('') };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('resume from damaged files', () => {
  it('drops a torn last line of metrics.jsonl, says so, and resumes to the uninterrupted result', async () => {
    const full = await trainPolicy(tiny, DEFAULT_SIM_SETTINGS, job, { outDir: mkdtempSync(join(tmpdir(), 'execlab-resume-h-')) });
    const dir = await killedRun();
    const log = join(dir, 'metrics.jsonl');
    appendFileSync(log, '{"iteration":4,"meanRew');
    const err = captureStderr();
    const resumed = await trainPolicy(tiny, DEFAULT_SIM_SETTINGS, job, { outDir: dir, resume: true });
    expect(err.text()).toContain(`${log}: dropped its incomplete last line (a write cut short)`);
    expect(resumed.policy.network.params).toBe(full.policy.network.params);
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { iteration: number }).iteration);
    expect(lines).toEqual([1, 2, 3, 4]);
  });

  it('names a damaged line inside metrics.jsonl', async () => {
    const dir = await killedRun();
    const log = join(dir, 'metrics.jsonl');
    const lines = readFileSync(log, 'utf8').split('\n');
    lines[0] = lines[0].slice(0, 10);
    writeFileSync(log, lines.join('\n'));
    await expect(trainPolicy(tiny, DEFAULT_SIM_SETTINGS, job, { outDir: dir, resume: true })).rejects.toThrow(new RegExp(`${escape(log)}:1: not a JSON log line`));
  });

  it('names a truncated checkpoint.json and says what to do', async () => {
    const dir = await killedRun();
    const ckpt = join(dir, 'checkpoint.json');
    const text = readFileSync(ckpt, 'utf8');
    writeFileSync(ckpt, text.slice(0, text.length >> 1));
    const run = trainPolicy(tiny, DEFAULT_SIM_SETTINGS, job, { outDir: dir, resume: true });
    await expect(run).rejects.toThrow(new RegExp(`^${escape(ckpt)}: cannot resume: the checkpoint is truncated or damaged \\(not JSON.*\\); delete ${escape(dir)} to start over, or run without --resume`));
    await expect(run).rejects.toHaveProperty('name', 'ExecLabError');
  });

  it('names a checkpoint of the wrong shape and the field', async () => {
    const dir = await killedRun();
    const ckpt = join(dir, 'checkpoint.json');
    const doc = JSON.parse(readFileSync(ckpt, 'utf8')) as Record<string, unknown>;
    doc.iteration = 'two';
    writeFileSync(ckpt, JSON.stringify(doc));
    await expect(trainPolicy(tiny, DEFAULT_SIM_SETTINGS, job, { outDir: dir, resume: true })).rejects.toThrow(new RegExp(`^${escape(ckpt)}: cannot resume: .*iteration`));
    doc.iteration = 2;
    doc.params = String(doc.params).slice(0, 400);
    writeFileSync(ckpt, JSON.stringify(doc));
    await expect(trainPolicy(tiny, DEFAULT_SIM_SETTINGS, job, { outDir: dir, resume: true })).rejects.toThrow(/params: 75 values; the network has \d+/);
  });
});

describe('resume with other settings', () => {
  it('refuses another --hidden or --seed, listing each key', async () => {
    const dir = await killedRun();
    const other: TrainJob = { ...job, settings: { ...settings, hidden: 16, seed: 4 } };
    await expect(trainPolicy(tiny, DEFAULT_SIM_SETTINGS, other, { outDir: dir, resume: true })).rejects.toThrow(/other settings than it was checkpointed with: hidden: checkpoint 8, now 16; seed: checkpoint 3, now 4\./);
    const sim = { ...DEFAULT_SIM_SETTINGS, alpha: 50 };
    await expect(trainPolicy(tiny, sim, job, { outDir: dir, resume: true })).rejects.toThrow(/sim\.alpha: checkpoint 100, now 50/);
  });

  it('refuses an older checkpoint (no settings recorded) of another network size, naming the file', async () => {
    const dir = await killedRun();
    const ckpt = join(dir, 'checkpoint.json');
    const doc = JSON.parse(readFileSync(ckpt, 'utf8')) as Record<string, unknown>;
    delete doc.settings;
    writeFileSync(ckpt, JSON.stringify(doc));
    const other: TrainJob = { ...job, settings: { ...settings, hidden: 16 } };
    await expect(trainPolicy(tiny, DEFAULT_SIM_SETTINGS, other, { outDir: dir, resume: true })).rejects.toThrow(new RegExp(`^${escape(ckpt)}: cannot resume: params: \\d+ values; the network has \\d+`));
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
