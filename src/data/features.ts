import type { DayContext, DayPanel, FeatureStats } from './types.js';

/** Public per-minute features (SPEC 6), in this order. */
export const MINUTE_FEATURES = ['open', 'high', 'low', 'close', 'avgPrice', 'volume'] as const;
export const MINUTE_FEATURE_COUNT = MINUTE_FEATURES.length;
/** Normalised features are clipped to +-this many robust standard deviations (SPEC 6). */
export const FEATURE_CLIP = 3.5;

/**
 * Raw (un-normalised) per-minute features of one day: prices over the previous close and
 * log1p(volume / trailing mean minute volume). Layout [instrument][minute][feature].
 * Volume with no history (an instrument's first day) gets log1p(0) = 0: its scale is unknown without
 * looking at the day itself. Such rows are flagged by historyDays = 0 in the context.
 */
export function rawMinuteFeatures(day: DayPanel, ctx: DayContext): Float32Array {
  const { minutes, instrumentCount: n } = day;
  const out = new Float32Array(n * minutes * MINUTE_FEATURE_COUNT);
  for (let i = 0; i < n; i++) {
    const pc = ctx.prevClose[i];
    const mv = ctx.meanMinuteVolume[i];
    const inv = pc > 0 ? 1 / pc : 0;
    const vinv = mv > 0 ? 1 / mv : 0;
    for (let m = 0; m < minutes; m++) {
      const b = i * minutes + m;
      const o = b * MINUTE_FEATURE_COUNT;
      out[o] = day.open[b] * inv;
      out[o + 1] = day.high[b] * inv;
      out[o + 2] = day.low[b] * inv;
      out[o + 3] = day.close[b] * inv;
      out[o + 4] = day.avgPrice[b] * inv;
      out[o + 5] = Math.log1p(day.volume[b] * vinv);
    }
  }
  return out;
}

/** Applies the robust z-score and the clip in place. */
export function normaliseFeatures(raw: Float32Array, stats: FeatureStats): Float32Array {
  const f = MINUTE_FEATURE_COUNT;
  for (let k = 0; k < raw.length; k += f) {
    for (let j = 0; j < f; j++) {
      const z = (raw[k + j] - stats.median[j]) / stats.scale[j];
      raw[k + j] = z > FEATURE_CLIP ? FEATURE_CLIP : z < -FEATURE_CLIP ? -FEATURE_CLIP : z;
    }
  }
  return raw;
}

function medianOf(values: Float64Array): number {
  if (values.length === 0) return 0;
  const s = Float64Array.from(values).sort();
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/**
 * Fits median and 1.4826 * MAD per feature from the given (training-split) days only. At most
 * `maxSamples` minutes per feature are used, taken on a fixed stride, so the fit is deterministic.
 */
export function fitFeatureStats(
  days: ReadonlyArray<{ day: DayPanel; ctx: DayContext }>,
  maxSamples = 400_000,
): FeatureStats {
  const f = MINUTE_FEATURE_COUNT;
  let total = 0;
  for (const { day } of days) {
    for (let i = 0; i < day.instrumentCount; i++) if (day.valid[i]) total += day.minutes;
  }
  const stride = Math.max(1, Math.ceil(total / maxSamples));
  const cols = Array.from({ length: f }, () => new Float64Array(Math.ceil(total / stride) + 1));
  let count = 0;
  let seen = 0;
  for (const { day, ctx } of days) {
    const raw = rawMinuteFeatures(day, ctx);
    for (let i = 0; i < day.instrumentCount; i++) {
      if (!day.valid[i]) continue;
      for (let m = 0; m < day.minutes; m++, seen++) {
        if (seen % stride !== 0) continue;
        const o = (i * day.minutes + m) * f;
        for (let j = 0; j < f; j++) cols[j][count] = raw[o + j];
        count++;
      }
    }
  }
  const median: number[] = [];
  const scale: number[] = [];
  for (let j = 0; j < f; j++) {
    const v = cols[j].subarray(0, count);
    const med = medianOf(v);
    const dev = new Float64Array(count);
    for (let k = 0; k < count; k++) dev[k] = Math.abs(v[k] - med);
    const mad = 1.4826 * medianOf(dev);
    median.push(med);
    scale.push(mad > 1e-12 ? mad : 1);
  }
  return { names: [...MINUTE_FEATURES], median, scale, fittedOn: days.map((d) => d.day.date) };
}
