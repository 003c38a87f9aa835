import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  daggerMark,
  formatFixed,
  formatGlr,
  formatInterval,
  formatMeanWithSeedSpread,
  formatPercent,
  formatPValue,
  formatSigned,
  settingsYaml,
  significanceMark,
} from '../../src/report/format.js';

describe('number formatting', () => {
  it('prints fixed decimals without a negative zero', () => {
    expect(formatFixed(6.17)).toBe('6.17');
    expect(formatFixed(-0.42)).toBe('-0.42');
    expect(formatFixed(-0.001)).toBe('0.00');
    expect(formatFixed(-0.0004, 3)).toBe('0.000');
    expect(formatFixed(1234.5678, 1)).toBe('1234.6');
  });

  it('prints n/a for null, undefined and non-finite values, never 0 or Infinity', () => {
    expect(formatFixed(null)).toBe('n/a');
    expect(formatFixed(undefined)).toBe('n/a');
    expect(formatFixed(Number.NaN)).toBe('n/a');
    expect(formatFixed(Number.POSITIVE_INFINITY)).toBe('n/a');
    expect(formatGlr(null)).toBe('n/a');
    expect(formatGlr(1.286)).toBe('1.29');
    expect(formatPercent(null)).toBe('n/a');
  });

  it('signs differences and formats shares and intervals', () => {
    expect(formatSigned(0.98)).toBe('+0.98');
    expect(formatSigned(-1.5)).toBe('-1.50');
    expect(formatSigned(0)).toBe('0.00');
    expect(formatSigned(-0.001)).toBe('0.00');
    expect(formatPercent(0.6168)).toBe('61.7%');
    expect(formatPercent(1)).toBe('100.0%');
    expect(formatInterval([5.6335, 6.7065])).toBe('[5.63, 6.71]');
  });

  it('shows the seed spread only for several seeds', () => {
    expect(formatMeanWithSeedSpread(6.17, 3, 0.49)).toBe('6.17 ± 0.49');
    expect(formatMeanWithSeedSpread(0.32, 1, undefined)).toBe('0.32');
    expect(formatMeanWithSeedSpread(0.32, 1, 0.2)).toBe('0.32');
    expect(formatMeanWithSeedSpread(4.1, 3, undefined)).toBe('4.10');
  });

  it('formats p-values with a floor and marks them at 1% and 5%', () => {
    expect(formatPValue(0)).toBe('<0.001');
    expect(formatPValue(0.00099)).toBe('<0.001');
    expect(formatPValue(0.0038)).toBe('0.004');
    expect(formatPValue(0.589)).toBe('0.589');
    expect(formatPValue(null)).toBe('n/a');
    expect(significanceMark(0.0099)).toBe('**');
    expect(significanceMark(0.01)).toBe('*');
    expect(significanceMark(0.0499)).toBe('*');
    expect(significanceMark(0.05)).toBe('');
    expect(significanceMark(null)).toBe('');
    expect(daggerMark(0.0038)).toBe('††');
    expect(daggerMark(0.03)).toBe('†');
    expect(daggerMark(0.638)).toBe('');
  });

  it('writes settings as YAML that parses back to the same settings', () => {
    const settings = { profile: 'paper', mdp: { periods: 8, actionMap: [0, 0.25, 0.5, 0.75, 1] }, cap: null, note: 'a: b # c' };
    const text = settingsYaml(settings);
    expect(text).toContain('actionMap: [0, 0.25, 0.5, 0.75, 1]');
    expect(parseYaml(text)).toEqual(settings);
  });
});
