import { readFileSync, existsSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ExecLabError } from '../errors.js';

/**
 * Validates loose user input (flags merged over a config file) against a schema, once, at the
 * boundary. A bad value is reported with its key, the value given and what is allowed.
 */
export function validateSettings<S extends z.ZodType>(schema: S, input: unknown, origin = 'settings'): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const key = issue.path.join('.') || '(root)';
    const value = issue.path.reduce<unknown>((obj, k) => (obj && typeof obj === 'object' ? (obj as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined), input);
    return `  ${key}: got ${JSON.stringify(value)}; ${issue.message}`;
  });
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
 * `flags` holds only what the user actually typed (commander's option sources tell which).
 */
export function mergeSettings(file: Record<string, unknown>, flags: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...file };
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) out[k] = v;
  return out;
}
