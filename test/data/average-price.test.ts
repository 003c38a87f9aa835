import { describe, expect, it } from 'vitest';
import { AVG_TOLERANCE, averageOutOfRange, keptAverage } from '../../src/data/average-price.js';
import { barAveragePrice } from '../../src/serve/bars.js';

describe('the average price rule shared by the import and the service', () => {
  it('keeps an average a rounding outside the range, and clamps one further out', () => {
    expect(AVG_TOLERANCE).toBe(1e-6);
    // A flat bar at 5.07 whose turnover / volume gives 5.0700003: 5.9e-8 relative, kept.
    expect(averageOutOfRange(5.0700003, 5.07, 5.07)).toBe(false);
    expect(keptAverage(5.0700003, 5.07, 5.07)).toBe(5.0700003);
    // 1e-5 relative above the high, and below the low: clamped to the bound.
    expect(keptAverage(5.07005, 5, 5.07)).toBe(5.07);
    expect(keptAverage(4.99995, 5, 5.07)).toBe(5);
    expect(keptAverage(5.03, 5, 5.07)).toBe(5.03);
  });

  it('gives a served bar the average the import stores, or (O + 2H + 2L + C) / 6 without one', () => {
    expect(barAveragePrice(10, 12, 9, 11, undefined)).toBe(10.5);
    expect(barAveragePrice(5.07, 5.07, 5.07, 5.07, 5.0700003)).toBe(5.0700003);
    expect(barAveragePrice(10, 12, 9, 11, 12.5)).toBe(12);
  });
});
