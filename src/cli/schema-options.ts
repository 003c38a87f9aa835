/**
 * Derives command-line flags from a zod object schema: one --kebab-case flag per setting, its help
 * text from the schema's description and its default. Values arrive as strings and are converted by
 * the field's type; the schema then validates them like any other input.
 */
import { Option, type Command } from 'commander';
import { z } from 'zod';

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function baseType(t: z.ZodType): z.ZodType {
  let cur: z.ZodType = t;
  for (let k = 0; k < 8; k++) {
    const def = (cur as unknown as { def: { type: string; innerType?: z.ZodType } }).def;
    if (def.innerType && (def.type === 'default' || def.type === 'nullable' || def.type === 'optional' || def.type === 'prefault')) cur = def.innerType;
    else break;
  }
  return cur;
}

function convert(field: z.ZodType, raw: string): unknown {
  const t = (baseType(field) as unknown as { def: { type: string } }).def.type;
  if (raw === 'null') return null;
  if (t === 'number') return raw.trim() === '' ? raw : Number(raw);
  if (t === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  if (t === 'array') return raw.split(',').map((s) => s.trim());
  return raw;
}

/** Adds one flag per key of `schema` (except `skip`) to `cmd`. */
export function addSchemaOptions(cmd: Command, schema: z.ZodObject, skip: readonly string[] = []): Command {
  const defaults = schema.parse({}) as Record<string, unknown>;
  for (const [key, field] of Object.entries(schema.shape)) {
    if (skip.includes(key)) continue;
    const f = field as z.ZodType;
    const type = (baseType(f) as unknown as { def: { type: string; entries?: Record<string, string> } }).def;
    const choices = type.type === 'enum' && type.entries ? ` (${Object.values(type.entries).join(' | ')})` : '';
    const desc = `${f.description ?? key}${choices} [default: ${JSON.stringify(defaults[key])}]`;
    if (type.type === 'boolean') cmd.addOption(new Option(`--${kebab(key)}`, desc));
    else cmd.addOption(new Option(`--${kebab(key)} <value>`, desc).argParser((v: string) => convert(f, v)));
  }
  return cmd;
}
