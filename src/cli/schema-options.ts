/**
 * Derives command-line flags from a zod object schema, so that a command's flags, their defaults,
 * their help and the keys of its config file come from one place: one --kebab-case flag per
 * setting, its help text from the schema's description, its default from the schema. Values arrive
 * as strings and are converted by the field's type (a number that is not one is refused with what
 * was given); the schema then validates them like any other input, once, with the config file.
 */
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { ExecLabError } from '../errors.js';

export function kebab(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

interface Def {
  readonly type: string;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly defaultValue?: unknown;
  readonly entries?: Record<string, string>;
  readonly element?: z.ZodType;
  readonly options?: readonly z.ZodType[];
}

function defOf(t: z.ZodType): Def {
  return (t as unknown as { def: Def }).def;
}

const WRAPPERS = new Set(['default', 'nullable', 'optional', 'prefault', 'readonly', 'catch']);

/** The field's type under default / nullable / optional wrappers (and the input side of a pipe). */
export function baseType(t: z.ZodType): z.ZodType {
  let cur: z.ZodType = t;
  for (let k = 0; k < 12; k++) {
    const def = defOf(cur);
    if (def.innerType && WRAPPERS.has(def.type)) cur = def.innerType;
    else if (def.type === 'pipe' && def.in) cur = def.in;
    else break;
  }
  return cur;
}

/** The field's default, or `required` when it has none and undefined is not accepted. */
export function fieldDefault(field: z.ZodType): { readonly required: boolean; readonly value: unknown } {
  const r = field.safeParse(undefined);
  return r.success ? { required: false, value: r.data } : { required: true, value: undefined };
}

function numberOf(flag: string, raw: string, integer: boolean): number {
  const s = raw.trim();
  const n = s === '' ? NaN : Number(s);
  if (!Number.isFinite(n)) throw new ExecLabError(`option ${flag}: got '${raw}', expected ${integer ? 'a whole number' : 'a number'}`, 2);
  return n;
}

function isInteger(t: z.ZodType): boolean {
  return (t as unknown as { isInt?: boolean }).isInt === true;
}

/** Converts a flag's text to the field's type; 'null' is null for a nullable field. */
function convert(flag: string, field: z.ZodType, raw: string): unknown {
  const base = baseType(field);
  const t = defOf(base).type;
  if (raw === 'null' && field.safeParse(null).success) return null;
  if (t === 'number') return numberOf(flag, raw, isInteger(base));
  if (t === 'boolean') {
    if (raw === 'true' || raw === 'false') return raw === 'true';
    throw new ExecLabError(`option ${flag}: got '${raw}', expected true or false`, 2);
  }
  if (t === 'array') {
    const items = raw.split(',').map((s) => s.trim());
    const el = defOf(base).element;
    return el && defOf(baseType(el)).type === 'number' ? items.map((x) => numberOf(flag, x, isInteger(baseType(el)))) : items;
  }
  return raw;
}

function choicesOf(field: z.ZodType): string {
  const def = defOf(baseType(field));
  if (def.type === 'enum' && def.entries) return ` (${Object.values(def.entries).join(' | ')})`;
  if (def.type === 'array' && def.element) {
    const el = defOf(baseType(def.element));
    if (el.type === 'enum' && el.entries) return ` (comma-separated: ${Object.values(el.entries).join(', ')})`;
  }
  return '';
}

function defaultText(value: unknown): string {
  if (Array.isArray(value)) return value.length > 0 ? value.join(',') : 'none';
  return JSON.stringify(value);
}

export interface SchemaOptionsSpec {
  /** Keys that get no flag (a positional argument, a setting of the config file only). */
  readonly skip?: readonly string[];
  /** Only these keys get a flag. */
  readonly only?: readonly string[];
  /** Help text per key, over the schema's description. */
  readonly help?: Readonly<Record<string, string>>;
  /** Help suffix per key instead of `[default: ...]` (a default that depends on other settings). */
  readonly defaultHelp?: Readonly<Record<string, string>>;
}

/**
 * What the flags of a command map to: commander's attribute name -> the setting's key, and the
 * value a negated boolean flag (`--no-fill-without-volume`) stands for. Read by userSettings.
 */
const flagKeys = new WeakMap<Command, Map<string, { readonly key: string; readonly negated: boolean }>>();

/** The setting key of a commander option attribute (itself unless a schema flag maps it). */
export function settingOfAttribute(cmd: Command, attribute: string): { readonly key: string; readonly negated: boolean } {
  return flagKeys.get(cmd)?.get(attribute) ?? { key: attribute, negated: false };
}

/**
 * Adds one flag per key of `schema` to `cmd` (`spec` as an array: the keys to skip). A boolean
 * setting is a flag without a value (a key `noX` is commander's negation `--no-x`, which still sets
 * `noX: true`); a nullable setting also takes `null`; an array takes comma-separated values.
 */
export function addSchemaOptions(cmd: Command, schema: z.ZodObject, spec: SchemaOptionsSpec | readonly string[] = {}): Command {
  const s: SchemaOptionsSpec = Array.isArray(spec) ? { skip: spec as readonly string[] } : (spec as SchemaOptionsSpec);
  let map = flagKeys.get(cmd);
  if (!map) flagKeys.set(cmd, (map = new Map()));
  for (const [key, value] of Object.entries(schema.shape)) {
    if (s.skip?.includes(key) || (s.only && !s.only.includes(key))) continue;
    const field = value as z.ZodType;
    const flag = kebab(key);
    const d = fieldDefault(field);
    const help = s.help?.[key] ?? field.description ?? key;
    const tail = s.defaultHelp?.[key] ?? (d.required ? '(required)' : d.value === undefined ? '' : `[default: ${defaultText(d.value)}]`);
    const desc = `${help}${choicesOf(field)}${tail ? ` ${tail}` : ''}`;
    if (defOf(baseType(field)).type === 'boolean') {
      const option = new Option(flag, desc);
      cmd.addOption(option);
      map.set(option.attributeName(), { key, negated: option.negate });
    } else {
      const option = new Option(`${flag} <value>`, desc).argParser((v: string) => convert(flag, field, v));
      cmd.addOption(option);
      map.set(option.attributeName(), { key, negated: false });
    }
  }
  return cmd;
}

/**
 * `schema` with the numeric fields of `bounds` narrowed (e.g. a learning rate at most 1), keeping
 * each field's default and description: the library's schema stays as it is, the CLI refuses values
 * no practitioner would use before anything runs.
 */
export function narrowNumbers<S extends z.ZodObject>(schema: S, bounds: Readonly<Record<string, (n: z.ZodNumber) => z.ZodNumber>>): S {
  const rebuild = (field: z.ZodType, narrow: (n: z.ZodNumber) => z.ZodNumber): z.ZodType => {
    const def = defOf(field);
    if (def.type === 'default' && def.innerType) return rebuild(def.innerType, narrow).default(def.defaultValue as never);
    if (def.type === 'nullable' && def.innerType) return rebuild(def.innerType, narrow).nullable();
    if (def.type === 'optional' && def.innerType) return rebuild(def.innerType, narrow).optional();
    if (def.type === 'number') return narrow(field as z.ZodNumber);
    throw new Error(`narrowNumbers: not a number field (${def.type})`);
  };
  const shape: Record<string, z.ZodType> = {};
  for (const [key, narrow] of Object.entries(bounds)) {
    const field = schema.shape[key] as z.ZodType | undefined;
    if (!field) throw new Error(`narrowNumbers: no field '${key}'`);
    const next = rebuild(field, narrow);
    shape[key] = field.description ? next.describe(field.description) : next;
  }
  return schema.extend(shape) as unknown as S;
}
