import { readFileSync, existsSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ExecLabError } from '../errors.js';
import { nearestName } from '../util/text.js';

/**
 * Where each setting of a loose settings object came from ('config file x.yaml', '--clip'), kept on
 * the object under this symbol (not enumerable, so it is invisible to the schema) by mergeSettings,
 * and named by validateSettings next to a bad value.
 */
export const SETTING_SOURCES: unique symbol = Symbol('execlab.settingSources');

type WithSources = Record<string, unknown> & { [SETTING_SOURCES]?: Readonly<Record<string, string>> };

/** The source of each key of `settings`, when mergeSettings recorded it. */
export function settingSources(settings: object): Readonly<Record<string, string>> {
  return (settings as WithSources)[SETTING_SOURCES] ?? {};
}

/** A value as the user wrote it: strings quoted, NaN and Infinity by name (JSON would say null). */
export function shownValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return `${value}`;
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

interface Def {
  readonly type: string;
  readonly shape?: Record<string, z.ZodType>;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly out?: z.ZodType;
}

/** The object keys a schema accepts at `path` (through defaults, optionals, pipes), or null. */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] | null {
  let cur: z.ZodType | undefined = schema;
  let k = 0;
  for (let guard = 0; cur && guard < 64; guard++) {
    const def: Def = (cur as unknown as { def: Def }).def;
    if (def.innerType) cur = def.innerType;
    else if (def.type === 'pipe') cur = def.in && (def.in as unknown as { def: Def }).def.type !== 'unknown' ? def.in : def.out;
    else if (def.type === 'object' && def.shape) {
      if (k === path.length) return Object.keys(def.shape);
      cur = def.shape[String(path[k++])];
    } else return null;
  }
  return null;
}

/**
 * Validates loose user input (flags merged over a config file) against a schema, once, at the
 * boundary. A bad value is reported with its key, the value given, what is allowed and where it
 * came from; an unknown key (a strict schema) with the nearest valid name.
 */
export function validateSettings<S extends z.ZodType>(schema: S, input: unknown, origin = 'settings'): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const sources = input && typeof input === 'object' ? settingSources(input) : {};
  const from = (key: string): string => (sources[key] ? ` (${sources[key]})` : '');
  const lines: string[] = [];
  for (const issue of result.error.issues) {
    const prefix = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      const valid = keysAt(schema, issue.path) ?? [];
      for (const key of issue.keys) {
        const name = [...prefix, key].join('.');
        const near = nearestName(key, valid);
        const hint = near !== null ? `did you mean '${near}'?` : valid.length > 0 ? `valid settings: ${valid.join(', ')}` : 'not a setting';
        lines.push(`  ${name}: unknown setting${from(prefix.length === 0 ? key : prefix[0])}; ${hint}`);
      }
      continue;
    }
    const key = prefix.join('.') || '(root)';
    const value = issue.path.reduce<unknown>((obj, k) => (obj && typeof obj === 'object' ? (obj as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined), input);
    const source = sources[prefix[0] ?? ''] ? ` (from ${sources[prefix[0]]})` : '';
    if (value === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_value')) lines.push(`  ${key}: required, not given; ${issue.message}`);
    else if (value === undefined) lines.push(`  ${key}: ${issue.message}`);
    else lines.push(`  ${key}: got ${shownValue(value)}; ${issue.message}${source}`);
  }
  throw new ExecLabError(`invalid ${origin}:\n${lines.join('\n')}`, 2);
}

/** Reads a YAML or JSON config file into a plain object. */
export function readConfigFile(path: string): Record<string, unknown> {
  if (!existsSync(path)) throw new ExecLabError(`config file not found: ${path}`, 2);
  const text = readFileSync(path, 'utf8');
  let value: unknown;
  try {
    value = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ExecLabError(`config file ${path}: ${(err as Error).message}`, 2);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ExecLabError(`config file ${path}: expected a mapping of settings at the top level`, 2);
  return value as Record<string, unknown>;
}

/**
 * Flags given on the command line win over the config file, which wins over defaults (the schema's).
 * `flags` holds only what the user actually typed (commander's option sources tell which). With
 * `sources`, the result records where each key came from (see SETTING_SOURCES): `sources.file`
 * names the config file, `sources.flags` the flag of each key.
 */
export function mergeSettings(
  file: Record<string, unknown>,
  flags: Record<string, unknown>,
  sources?: { readonly file?: string; readonly flags?: Readonly<Record<string, string>> },
): Record<string, unknown> {
  const out: WithSources = { ...file };
  const where: Record<string, string> = {};
  if (sources?.file) for (const k of Object.keys(file)) where[k] = `config file ${sources.file}`;
  for (const [k, v] of Object.entries(flags)) {
    if (v === undefined) continue;
    out[k] = v;
    if (sources?.flags?.[k]) where[k] = sources.flags[k];
    else if (sources) delete where[k];
  }
  if (sources) Object.defineProperty(out, SETTING_SOURCES, { value: where, enumerable: false });
  return out;
}
