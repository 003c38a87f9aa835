/**
 * Answers serialised once and sent many times: a period's plan is fixed once it is decided, and
 * clients poll it. `JSON.stringify` of a plan was about a tenth of a plan request's CPU time.
 */
const serialized = new WeakMap<object, string>();

/** Freezes `value` (and its arrays and objects) and remembers its JSON for `toJson`. */
export function serializeOnce<T extends object>(value: T): T {
  serialized.set(value, JSON.stringify(value));
  return deepFreeze(value);
}

/** The JSON text of an answer: the remembered one, or a fresh `JSON.stringify`. */
export function toJson(value: unknown): string {
  const known = typeof value === 'object' && value !== null ? serialized.get(value) : undefined;
  return known ?? JSON.stringify(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
