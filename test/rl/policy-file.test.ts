import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MINUTE_FEATURES } from '../../src/data/features.js';
import { ActorCritic } from '../../src/nn/network.js';
import { decodeFloat32, encodeFloat32 } from '../../src/nn/params.js';
import { POLICY_FORMAT, loadPolicy, savePolicy, type PolicyFile } from '../../src/rl/common/policy-file.js';
import { DEFAULT_SIM_SETTINGS } from '../../src/sim/settings.js';
import { Rng } from '../../src/util/random.js';

/** A small valid policy file, written by savePolicy (so it carries its integrity hash). */
function validPolicy(): PolicyFile {
  const net = ActorCritic.create({ pubIn: 18, privIn: 2, hidden: 6, mlp: [8, 4], actions: 5 }, new Rng(5));
  return {
    format: POLICY_FORMAT,
    name: 'OPD-S',
    algo: 'ppo',
    spec: { view: 'student', privateFeatures: 2, actionMap: [...DEFAULT_SIM_SETTINGS.actionMap], market: false },
    network: net.toJSON(),
    sim: DEFAULT_SIM_SETTINGS,
    featureStats: { names: [...MINUTE_FEATURES], median: [1, 1.01, 0.99, 1, 1, 0.7], scale: [0.01, 0.01, 0.01, 0.012, 0.01, 0.4], fittedOn: ['2024-01-02', '2024-01-03'] },
    bars: { barMinutes: 1, barsPerDay: 240, session: 'ashare' },
    evaluation: 'greedy',
    dataset: 'memory',
    training: {
      settings: { seed: 1, hidden: 6 },
      distillation: null,
      best: { iteration: 2, paBps: 1.5, reward: 0.01 },
      validationPaByMode: { greedy: 1.5, expected: 1.2 },
      iterations: 4,
      stoppedEarly: false,
      history: [
        { iteration: 2, paBps: 1.5, reward: 0.01 },
        { iteration: 4, paBps: 1.1, reward: 0.008 },
      ],
    },
    createdAt: '2025-01-02T03:04:05.000Z',
  };
}

const dir = mkdtempSync(join(tmpdir(), 'execlab-policy-'));
const saved = join(dir, 'policy.json');
savePolicy(saved, validPolicy());
const savedText = readFileSync(saved, 'utf8');

function writeDoc(name: string, doc: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(doc));
  return path;
}

function edited(edit: (doc: Record<string, any>) => void, keepIntegrity = false): Record<string, any> {
  const doc = JSON.parse(savedText) as Record<string, any>;
  if (!keepIntegrity) delete doc.integrity;
  edit(doc);
  return doc;
}

function paramsWith(doc: Record<string, any>, f: (p: Float32Array) => void): string {
  const p = decodeFloat32(doc.network.params as string);
  f(p);
  return encodeFloat32(p);
}

describe('policy file: saved and loaded', () => {
  it('savePolicy writes a sha256 integrity hash and loadPolicy gives back the same policy', () => {
    const doc = JSON.parse(savedText) as { integrity?: string };
    expect(doc.integrity).toMatch(/^sha256:[0-9a-f]{64}$/);
    const back = loadPolicy(saved);
    expect(back.network.params).toBe(validPolicy().network.params);
    expect(back.spec).toEqual(validPolicy().spec);
  });

  it('accepts an older file without integrity (fully validated) and without bars or evaluation', () => {
    const old = writeDoc('old.json', edited((d) => {
      delete d.bars;
      delete d.evaluation;
      delete d.spec.market;
      delete d.training.validationPaByMode;
    }));
    expect(loadPolicy(old).name).toBe('OPD-S');
  });

  it('refuses savePolicy of a policy it could not load back', () => {
    const bad = { ...validPolicy(), featureStats: { ...validPolicy().featureStats, scale: [0, 0, 0, 0, 0, 0] } };
    expect(() => savePolicy(join(dir, 'never.json'), bad)).toThrow(/featureStats\.scale\[0\]/);
  });
});

describe('policy file: refused at load, naming the file and the field', () => {
  const refuse = (name: string, doc: unknown, message: RegExp): void => {
    const path = writeDoc(name, doc);
    let error: Error | null = null;
    try {
      loadPolicy(path);
    } catch (err) {
      error = err as Error;
    }
    expect(error, `${name} should be refused`).not.toBeNull();
    expect(error!.name).toBe('ExecLabError');
    expect(error!.message.startsWith(`${path}: `)).toBe(true);
    expect(error!.message).toMatch(message);
  };

  it('all-NaN or partly infinite weights', () => {
    const size = ActorCritic.fromJSON(validPolicy().network).size;
    refuse('nan.json', edited((d) => (d.network.params = paramsWith(d, (p) => p.fill(NaN)))), new RegExp(`network\\.params: ${size} of ${size} values are not finite`));
    refuse('inf.json', edited((d) => (d.network.params = paramsWith(d, (p) => ((p[0] = Infinity), (p[7] = NaN), (p[9] = -Infinity))))), new RegExp(`network\\.params: 3 of ${size} values are not finite`));
  });

  it('weights of the wrong size or not base64', () => {
    refuse('short.json', edited((d) => (d.network.params = paramsWith(d, () => {}).slice(0, -8))), /network\.params: .*expected the 806 float32 values of network\.config/);
    refuse('notb64.json', edited((d) => (d.network.params = '@@@@')), /network\.params: not base64/);
  });

  it('zero, negative or string feature statistics, or none', () => {
    refuse('scale0.json', edited((d) => (d.featureStats.scale[2] = 0)), /featureStats\.scale\[2\]/);
    refuse('scaleneg.json', edited((d) => (d.featureStats.scale[5] = -0.4)), /featureStats\.scale\[5\]/);
    refuse('medstr.json', edited((d) => (d.featureStats.median[1] = '1.01')), /featureStats\.median\[1\]/);
    refuse('short-stats.json', edited((d) => d.featureStats.median.pop()), /featureStats\.median: .*6/);
    refuse('no-stats.json', edited((d) => delete d.featureStats), /featureStats: /);
  });

  it('an action map with shares outside [0, 1]', () => {
    refuse('map-neg.json', edited((d) => (d.spec.actionMap[1] = -1)), /spec\.actionMap\[1\]/);
    refuse('map-5.json', edited((d) => (d.spec.actionMap[4] = 5)), /spec\.actionMap\[4\]/);
  });

  it('a network config that disagrees with the spec', () => {
    refuse('market.json', edited((d) => (d.spec.market = true)), /network\.config\.pubIn: 18.*spec\.market/);
    const peers = { size: 1, groups: { A: ['B'], B: ['A'] } };
    refuse('peers-alone.json', edited((d) => (d.spec.peers = peers)), /spec\.peers: a policy that reads the peer context also reads the market context/);
    refuse('peers.json', edited((d) => ((d.spec.market = true), (d.spec.peers = peers))), /network\.config\.pubIn: 18.*spec\.peers given: expected 54/);
    refuse('peers-bad.json', edited((d) => ((d.spec.market = true), (d.spec.peers = { size: 0, groups: { A: [1] } }))), /spec\.peers/);
    refuse('priv.json', edited((d) => (d.spec.privateFeatures = 3)), /network\.config\.privIn: 2.*spec\.privateFeatures/);
    refuse('side.json', edited((d) => (d.spec.side = true)), /network\.config\.privIn: 2, but spec\.privateFeatures is 2 and spec\.side true: expected 3/);
    refuse('mirror-alone.json', edited((d) => (d.spec.mirrorBuys = true)), /spec\.mirrorBuys: a policy that reads buy orders mirrored also reads the side/);
    refuse('mirror-str.json', edited((d) => (d.spec.mirrorBuys = 'yes')), /spec\.mirrorBuys/);
    refuse('map4.json', edited((d) => ((d.spec.actionMap = [0, 0.5, 0.75, 1]), (d.sim.actionMap = [0, 0.5, 0.75, 1]))), /network\.config\.actions: 5.*spec\.actionMap has 4/);
    refuse('simmap.json', edited((d) => (d.sim.actionMap = [0, 0.1, 0.5, 0.75, 1])), /spec\.actionMap.*sim\.actionMap/);
  });

  it('an edited file with a hash: a teacher relabelled student, or any other change', () => {
    const teacher = (() => {
      const p = validPolicy();
      return { ...p, spec: { ...p.spec, view: 'teacher' as const } };
    })();
    const path = join(dir, 'teacher.json');
    savePolicy(path, teacher);
    const doc = JSON.parse(readFileSync(path, 'utf8')) as Record<string, any>;
    doc.spec.view = 'student';
    refuse('relabelled.json', doc, /integrity: the file was modified after it was written/);
    refuse('renamed.json', edited((d) => (d.name = 'OPD'), true), /integrity: the file was modified/);
    refuse('no-bars.json', edited((d) => delete d.bars, true), /integrity: the file was modified/);
  });

  it('a file that is not JSON or not a policy', () => {
    const torn = join(dir, 'torn2.json');
    writeFileSync(torn, savedText.slice(0, 100));
    expect(() => loadPolicy(torn)).toThrow(new RegExp(`^${torn.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not JSON`));
    refuse('array.json', [1, 2], /not an ExecLab policy file/);
    refuse('format.json', edited((d) => (d.format = 'execlab-policy/0')), /format/);
  });
});

/**
 * Property: any single corrupted field of a valid policy file (a wrong type, NaN, a negative or
 * out-of-range value, or the field deleted) is refused at load, naming the field.
 */
type Kind = 'wrongType' | 'nan' | 'negative' | 'outOfRange' | 'delete';
interface Field {
  readonly path: readonly (string | number)[];
  readonly kinds: readonly Kind[];
}

/** Fields that may be absent (their deletion is a valid older file; with a hash it is caught as an edit). */
const OPTIONAL = new Set(['spec.market', 'bars', 'evaluation', 'integrity', 'training.validationPaByMode']);
/** Numbers that may be negative. */
const SIGNED = /^featureStats\.median\[|(paBps|reward)$|^training\.validationPaByMode\./;
/** Numbers that may be null (NaN is written as null). */
const NULLABLE = /(paBps|reward)$|^training\.validationPaByMode\./;
/** Arrays of any length: deleting an element leaves a valid file. */
const ANY_LENGTH = /^featureStats\.fittedOn\[|^training\.history\[|^network\.config\.mlp\[/;
/** Fields whose values are free (informational): only their type is checked. */
const FREE = /^training\.settings\.|^featureStats\.fittedOn\[|^dataset$|^training\.distillation$/;

const OUT_OF_RANGE: Array<[RegExp, unknown]> = [
  [/^format$/, 'execlab-policy/0'],
  [/^name$/, ''],
  [/^algo$/, 'sac'],
  [/^spec\.view$/, 'oracle'],
  [/^spec\.privateFeatures$/, 4],
  [/actionMap\[\d+\]$/, 1.5],
  [/^network\.format$/, 'execlab-net/2'],
  [/^network\.params$/, 'AAAAAAAAAAA='],
  [/^network\.config\.(pubIn|privIn|hidden|actions)$|^network\.config\.mlp\[/, 0],
  [/^sim\.(horizonMinutes|periodMinutes)$/, 2.5],
  [/^sim\.fill\.lotSize$/, 0.5],
  [/^sim\.fill\.participationCap$/, 1.5],
  [/^featureStats\.scale\[/, 0],
  [/^featureStats\.names\[/, 'turnover'],
  [/^bars\.(barMinutes|barsPerDay)$/, 0],
  [/^bars\.session$/, ''],
  [/^evaluation$/, 'sampled'],
  [/^createdAt$/, 'yesterday'],
  [/^integrity$/, `sha256:${'0'.repeat(64)}`],
  [/^training\.iterations$/, 1.5],
];

function label(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function fieldsOf(value: unknown, path: (string | number)[] = [], out: Field[] = []): Field[] {
  if (path.length > 0) {
    const name = label(path);
    const kinds: Kind[] = [];
    kinds.push('wrongType');
    if (typeof value === 'number' && !FREE.test(name)) {
      if (!NULLABLE.test(name)) kinds.push('nan');
      if (!SIGNED.test(name)) kinds.push('negative');
    }
    if (OUT_OF_RANGE.some(([re]) => re.test(name))) kinds.push('outOfRange');
    if (!OPTIONAL.has(name) && !ANY_LENGTH.test(name) && !FREE.test(name)) kinds.push('delete');
    out.push({ path: [...path], kinds });
  }
  if (value !== null && typeof value === 'object') {
    // The learner's settings are a free record (only its type is checked).
    if (label(path) === 'training.settings') return out;
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
    for (const [k, v] of entries) fieldsOf(v, [...path, k], out);
  }
  return out;
}

function wrongTypeFor(value: unknown): unknown {
  if (typeof value === 'number') return 'x';
  if (typeof value === 'string') return 12;
  if (typeof value === 'boolean') return 'yes';
  if (value === null) return 'none';
  if (Array.isArray(value)) return { length: value.length };
  return 7;
}

function corrupt(doc: Record<string, any>, field: Field, kind: Kind): void {
  const parent = field.path.slice(0, -1).reduce((o: any, k) => o[k], doc);
  const key = field.path[field.path.length - 1];
  const value = parent[key];
  if (kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
    return;
  }
  parent[key] =
    kind === 'wrongType' ? wrongTypeFor(value) : kind === 'nan' ? NaN : kind === 'negative' ? -Math.abs(value as number) - 1 : OUT_OF_RANGE.find(([re]) => re.test(label(field.path)))![1];
}

describe('policy file: property', () => {
  const fields = fieldsOf(JSON.parse(savedText));
  const cases = fields.flatMap((f) => f.kinds.map((kind) => ({ field: f, kind })));

  it('lists the fields it corrupts', () => {
    const names = new Set(fields.map((f) => label(f.path)));
    for (const n of ['format', 'name', 'algo', 'spec.view', 'spec.actionMap[3]', 'network.params', 'network.config.hidden', 'sim.alpha', 'sim.fill.lotSize', 'featureStats.scale[0]', 'bars.barsPerDay', 'evaluation', 'training', 'createdAt', 'integrity']) {
      expect(names.has(n), n).toBe(true);
    }
  });

  it('any single corrupted field is refused at load, naming the field', () => {
    let k = 0;
    fc.assert(
      fc.property(fc.constantFrom(...cases), fc.boolean(), ({ field, kind }, keepIntegrity) => {
        const doc = JSON.parse(savedText) as Record<string, any>;
        if (!keepIntegrity) delete doc.integrity;
        corrupt(doc, field, kind);
        const path = writeDoc(`corrupt-${k++ % 8}.json`, doc);
        let message = '';
        try {
          loadPolicy(path);
        } catch (err) {
          message = (err as Error).message;
        }
        // The field's own name; a deleted array element is named by its array.
        const named = kind === 'delete' ? label(field.path).replace(/\[\d+\]$/, '') : label(field.path);
        if (!message.startsWith(`${path}: `) || !message.includes(named)) {
          throw new Error(`${kind} of ${label(field.path)} (hash ${keepIntegrity}): got '${message.slice(0, 300)}'`);
        }
      }),
      { numRuns: 400, seed: 20250101 },
    );
  });
});
