/** validateSettings and mergeSettings (issue 9): unknown keys with the nearest name, values as given, their source. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { mergeSettings, settingSources, shownValue, validateSettings } from '../../src/config/validate.js';
import { narrowNumbers } from '../../src/cli/schema-options.js';

const Schema = z
  .object({
    iterations: z.number().int().positive().default(300),
    learningRate: z.number().positive().default(1e-4).describe('Adam learning rate'),
    nested: z.object({ lotSize: z.number().int().default(1) }).strict().prefault({}),
  })
  .strict();

function messageOf(input: unknown, schema: z.ZodType = Schema): string {
  try {
    validateSettings(schema, input, 'test settings');
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

describe('validateSettings', () => {
  it('refuses an unknown key with the nearest valid name, also inside a nested object', () => {
    expect(messageOf({ iteratons: 5 })).toMatch(/iteratons: unknown setting; did you mean 'iterations'\?/);
    expect(messageOf({ learning_rate: 1 })).toMatch(/learning_rate: unknown setting; did you mean 'learningRate'\?/);
    expect(messageOf({ nested: { lotsize: 1 } })).toMatch(/nested\.lotsize: unknown setting; did you mean 'lotSize'\?/);
    expect(messageOf({ zzz: 1 })).toMatch(/zzz: unknown setting; valid settings: iterations, learningRate, nested/);
  });

  it('shows the value as given: NaN, Infinity and strings, never null', () => {
    expect(messageOf({ iterations: NaN })).toMatch(/iterations: got NaN;/);
    expect(messageOf({ learningRate: Infinity })).toMatch(/learningRate: got Infinity;/);
    expect(messageOf({ iterations: 'abc' })).toMatch(/iterations: got "abc";/);
    expect(shownValue(undefined)).toBe('nothing');
  });

  it('says a required setting was not given instead of "got undefined"', () => {
    const m = messageOf({}, z.object({ algo: z.enum(['ppo', 'ddqn']) }));
    expect(m).toMatch(/algo: required, not given/);
    expect(m).not.toMatch(/undefined/);
  });

  it('names where a bad value came from', () => {
    const merged = mergeSettings({ iterations: 0, learningRate: 0.1 }, { learningRate: -1 }, { file: 'run.yaml', flags: { learningRate: '--learning-rate' } });
    expect(settingSources(merged)).toEqual({ iterations: 'config file run.yaml', learningRate: '--learning-rate' });
    const m = messageOf(merged);
    expect(m).toMatch(/iterations: got 0; .* \(from config file run\.yaml\)/);
    expect(m).toMatch(/learningRate: got -1; .* \(from --learning-rate\)/);
    expect(Object.keys(merged)).toEqual(['iterations', 'learningRate']);
  });
});

describe('narrowNumbers', () => {
  it('narrows a numeric field, keeping its default and description', () => {
    const narrow = narrowNumbers(Schema, { learningRate: (n) => n.max(1) });
    expect(narrow.parse({}).learningRate).toBe(1e-4);
    expect(narrow.shape.learningRate.description).toBe('Adam learning rate');
    expect(messageOf({ learningRate: 1e9 }, narrow)).toMatch(/learningRate: got 1000000000; Too big/);
    expect(Schema.parse({ learningRate: 1e9 }).learningRate).toBe(1e9);
    const nullable = narrowNumbers(z.object({ x: z.number().positive().nullable().default(null) }), { x: (n) => n.max(2) });
    expect(nullable.parse({}).x).toBeNull();
    expect(nullable.safeParse({ x: 3 }).success).toBe(false);
  });
});
