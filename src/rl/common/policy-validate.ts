/**
 * Validation of a policy file, complete, when it is loaded (and before it is saved): a zod schema of
 * the whole document, the agreement of the network with the spec, weights that decode to exactly the
 * network's layout and are all finite, and the integrity hash.
 *
 * The integrity hash is `sha256:<hex>` over a canonical serialisation (keys sorted, no whitespace) of
 * the document without its `integrity` field. It catches edited or damaged files (a teacher relabelled
 * as a student, a changed action map); it is not a signature: whoever edits a file can recompute it.
 * Files written before it existed have none and are accepted with the same validation.
 */
import { createHash } from 'node:crypto';
import { Buffer } from 'node:buffer';
import { z } from 'zod';
import { MINUTE_FEATURES } from '../../data/features.js';
import { ExecLabError } from '../../errors.js';
import { publicWidth } from '../../sim/observation.js';
import { privateWidth } from './observe.js';
import { SimSettingsSchema } from '../../sim/settings.js';
import { buildLayout, type NetConfig } from '../../nn/network.js';
import { decodeFloat32 } from '../../nn/params.js';
import type { PolicyFile } from './policy-file.js';

export const POLICY_FORMAT = 'execlab-policy/1';

const positiveInt = z.number().int().positive();
/** A validation point of the training record; NaN or -Infinity were written as null. */
const point = z.object({ iteration: z.number().int().min(0), paBps: z.number().nullable(), reward: z.number().nullable() });

const PolicyDocumentSchema = z.strictObject({
  format: z.literal(POLICY_FORMAT),
  name: z.string().min(1),
  algo: z.enum(['ppo', 'ddqn']),
  spec: z.strictObject({
    view: z.enum(['student', 'teacher']),
    privateFeatures: z.union([z.literal(2), z.literal(3)]),
    side: z.boolean().optional(),
    mirrorBuys: z.boolean().optional(),
    actionMap: z.array(z.number().min(0).max(1)).min(2),
    market: z.boolean().optional(),
    peers: z.strictObject({ size: positiveInt, groups: z.record(z.string(), z.array(z.string())) }).optional(),
  }),
  network: z.strictObject({
    format: z.literal('execlab-net/1'),
    config: z.strictObject({
      pubIn: positiveInt,
      privIn: positiveInt,
      hidden: positiveInt,
      mlp: z.array(positiveInt).min(1),
      actions: positiveInt,
    }),
    params: z.string(),
  }),
  sim: SimSettingsSchema,
  featureStats: z.strictObject({
    names: z.tuple(MINUTE_FEATURES.map((n) => z.literal(n)) as [z.ZodLiteral<string>, ...z.ZodLiteral<string>[]]),
    median: z.array(z.number()).length(MINUTE_FEATURES.length),
    scale: z.array(z.number().positive()).length(MINUTE_FEATURES.length),
    fittedOn: z.array(z.string()),
  }),
  bars: z
    .strictObject({ barMinutes: positiveInt, barsPerDay: positiveInt, session: z.string().min(1) })
    .refine((b) => b.barMinutes * b.barsPerDay <= 24 * 60, { message: 'barMinutes x barsPerDay is more than the 1,440 minutes of a day' })
    .optional(),
  evaluation: z.enum(['greedy', 'expected']).optional(),
  dataset: z.string(),
  training: z.looseObject({
    settings: z.record(z.string(), z.unknown()),
    distillation: z.object({ mode: z.string(), coef: z.number(), teacher: z.string() }).nullable(),
    best: point,
    validationPaByMode: z.strictObject({ greedy: z.number().nullable(), expected: z.number().nullable() }).optional(),
    iterations: z.number().int().min(0),
    stoppedEarly: z.boolean(),
    history: z.array(point),
  }),
  createdAt: z.iso.datetime(),
  integrity: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256: and 64 hex digits').optional(),
});

/** A field's path as people write it: network.config.mlp[0]. */
export function fieldName(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('') || '(document)';
}

/** JSON with object keys sorted and no whitespace; undefined members left out, as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** The integrity hash of a policy document (as parsed from JSON): sha256 of all but its integrity field. */
export function policyIntegrity(doc: Readonly<Record<string, unknown>>): string {
  const { integrity: _ignored, ...rest } = doc;
  return `sha256:${createHash('sha256').update(canonicalJson(rest)).digest('hex')}`;
}

/**
 * Sim settings with a default in SimSettingsSchema must still be present in a file: a missing one
 * would silently become today's default, not what the policy was trained with. A setting added to
 * the simulator later needs its key here (absent in older files) or a new POLICY_FORMAT.
 */
const SIM_KEYS_OPTIONAL_IN_FILES = new Set<string>([]);

function missingKeys(parsed: unknown, raw: unknown, path: (string | number)[], out: string[]): void {
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return;
  const given = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  for (const [k, v] of Object.entries(parsed)) {
    const name = fieldName([...path, k]);
    if (!(k in given)) {
      if (!SIM_KEYS_OPTIONAL_IN_FILES.has(name)) out.push(`${name}: missing (expected ${JSON.stringify(v)} or another value)`);
    } else missingKeys(v, given[k], [...path, k], out);
  }
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function checkNetwork(doc: z.infer<typeof PolicyDocumentSchema>, issues: string[]): void {
  const { spec, network } = doc;
  const c: NetConfig = network.config;
  if (spec.mirrorBuys && !spec.side) issues.push('spec.mirrorBuys: a policy that reads buy orders mirrored also reads the side (spec.side true)');
  if (spec.peers && !spec.market) issues.push('spec.peers: a policy that reads the peer context also reads the market context (spec.market true)');
  // The width of a policy with this spec (one with peers reads the market context too, reported above).
  const pubIn = publicWidth({ market: spec.market === true || spec.peers !== undefined, peers: spec.peers });
  if (c.pubIn !== pubIn) issues.push(`network.config.pubIn: ${c.pubIn}, but spec.market is ${spec.market ?? false} and spec.peers ${spec.peers ? 'given' : 'absent'}: expected ${pubIn}`);
  const privIn = privateWidth(spec);
  if (c.privIn !== privIn) issues.push(`network.config.privIn: ${c.privIn}, but spec.privateFeatures is ${spec.privateFeatures} and spec.side ${spec.side ?? false}: expected ${privIn}`);
  if (c.actions !== spec.actionMap.length) issues.push(`network.config.actions: ${c.actions}, but spec.actionMap has ${spec.actionMap.length} actions`);
  if (!sameNumbers(spec.actionMap, doc.sim.actionMap)) {
    issues.push(`spec.actionMap [${spec.actionMap.join(', ')}] differs from sim.actionMap [${doc.sim.actionMap.join(', ')}]`);
  }
  const b64 = network.params;
  if (b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) {
    issues.push('network.params: not base64 (expected the base64 of the float32 weights)');
    return;
  }
  const size = buildLayout(c).layout.size;
  const bytes = Buffer.byteLength(b64, 'base64');
  if (bytes !== size * 4) {
    const shape = `pubIn ${c.pubIn}, privIn ${c.privIn}, hidden ${c.hidden}, mlp [${c.mlp.join(', ')}], actions ${c.actions}`;
    issues.push(`network.params: ${bytes % 4 === 0 ? `${bytes / 4} values` : `${bytes} bytes`}, expected the ${size} float32 values of network.config (${shape})`);
    return;
  }
  const params = decodeFloat32(b64, size, 'network.params');
  let bad = 0;
  for (let i = 0; i < params.length; i++) if (!Number.isFinite(params[i])) bad++;
  if (bad > 0) issues.push(`network.params: ${bad} of ${size} values are not finite`);
}

/**
 * Validates a policy document (parsed JSON) completely; throws an ExecLabError naming `where` and
 * every field at fault. With an integrity hash, it must match the content.
 */
export function validatePolicyDocument(doc: unknown, where: string): PolicyFile {
  const fail = (issues: readonly string[]): never => {
    const shown = issues.slice(0, 8).join('; ');
    throw new ExecLabError(`${where}: ${shown}${issues.length > 8 ? `; and ${issues.length - 8} more` : ''}`);
  };
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) fail([`not an ExecLab policy file (a JSON ${Array.isArray(doc) ? 'array' : doc === null ? 'null' : typeof doc}, expected an object)`]);
  const raw = doc as Record<string, unknown>;
  if (raw.format !== POLICY_FORMAT) fail([`format: ${JSON.stringify(raw.format) ?? 'missing'}: not an ExecLab policy file (expected '${POLICY_FORMAT}')`]);
  const modified = typeof raw.integrity === 'string' && raw.integrity !== policyIntegrity(raw);
  const parsed = PolicyDocumentSchema.safeParse(doc);
  const issues: string[] = [];
  if (!parsed.success) {
    for (const i of parsed.error.issues) issues.push(`${fieldName(i.path)}: ${i.message}`);
  } else {
    missingKeys(parsed.data.sim, raw.sim, ['sim'], issues);
    checkNetwork(parsed.data, issues);
  }
  const changed = 'integrity: the file was modified after it was written (its content no longer matches its sha256 hash); restore the original or train the policy again';
  if (issues.length > 0) fail(modified ? [...issues, changed] : issues);
  if (modified) fail([changed]);
  return doc as PolicyFile;
}
