/**
 * The live API's requests and answers as zod schemas: the same objects validate every request
 * (through Fastify's zod type provider) and generate the OpenAPI document at /openapi.json.
 * Everything is strict: an unknown field, a string for a number, a non-finite or out-of-range
 * number is a 400 naming the field.
 */
import { z } from 'zod';
import { MEAN_MINUTE_VOLUME, PRICE, SHARES } from '../bars.js';

/** The most bars one request may carry, and the most fills (a day has at most a few thousand bars). */
export const MAX_BARS_PER_REQUEST = 2000;
export const MAX_FILLS_PER_REQUEST = 1000;

const Text = (max: number) => z.string().min(1).max(max);

/** A day as YYYY-MM-DD that exists in the calendar. */
const TradingDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD')
  .refine((s) => {
    const t = Date.parse(`${s}T00:00:00Z`);
    return Number.isFinite(t) && new Date(t).toISOString().startsWith(s);
  }, 'not a calendar date');

export const BarSchema = z
  .strictObject({
    open: PRICE,
    high: PRICE,
    low: PRICE,
    close: PRICE,
    avgPrice: PRICE.optional().describe('The bar\'s average traded price; (O + 2H + 2L + C) / 6 when absent; clamped into [low, high] when outside it by more than 1e-6 relative'),
    volume: SHARES.describe('Shares traded in the bar'),
  })
  .meta({ id: 'Bar' });

export const IndexedBarSchema = BarSchema.extend({
  index: z.int().min(0).max(100_000).describe('The bar\'s place in the session, 0 = the first bar after the open; bars arrive in order without gaps'),
}).meta({ id: 'IndexedBar' });

export const ContextSchema = z
  .strictObject({
    previousClose: PRICE.describe('The previous trading day\'s close'),
    meanMinuteVolume: MEAN_MINUTE_VOLUME.describe('Mean shares per bar over the previous trading days (SPEC 6: 30 days)'),
  })
  .meta({ id: 'Context' });

export const CreateExecutionSchema = z
  .strictObject({
    instrument: Text(64),
    side: z.enum(['sell', 'buy']),
    quantity: SHARES.positive().describe('Order quantity Q in shares'),
    date: TradingDate,
    policy: Text(128).describe('A policy id the server was started with and the key may use'),
    clientOrderId: Text(128).optional().describe('The client\'s id of the order: a retried request with the same id and body returns the execution it opened (200), never a second one'),
    previousDay: z.array(BarSchema).max(MAX_BARS_PER_REQUEST).optional().describe('Every bar of the previous trading day; omit when unknown'),
    context: ContextSchema.optional().describe('Default: the previous day\'s last close and its mean volume per bar'),
  })
  .meta({ id: 'CreateExecution' });
export type CreateExecution = z.infer<typeof CreateExecutionSchema>;

export const BarsSchema = z.strictObject({ bars: z.array(IndexedBarSchema).min(1).max(MAX_BARS_PER_REQUEST) }).meta({ id: 'Bars' });
export type BarsBody = z.infer<typeof BarsSchema>;

export const FillSchema = z
  .strictObject({
    fillId: Text(128).describe('The broker\'s id of the fill: a fill reported twice is counted once'),
    bar: z.int().min(0).max(100_000).describe('Index of the bar in which it filled (at most the bar in progress)'),
    quantity: SHARES.positive(),
    price: PRICE,
  })
  .meta({ id: 'Fill' });
export const FillsSchema = z.strictObject({ fills: z.array(FillSchema).min(1).max(MAX_FILLS_PER_REQUEST) }).meta({ id: 'Fills' });
export type FillsBody = z.infer<typeof FillsSchema>;
export type FillInput = z.infer<typeof FillSchema>;

export const ExecutionParams = z.strictObject({ id: z.string().regex(/^[0-9a-f-]{36}$/, 'expected an execution id') });

export const ErrorSchema = z.object({ error: z.string() }).meta({ id: 'Error' });

export const ChildOrderSchema = z.object({ bar: z.int(), quantity: z.number() });

export const PlanSchema = z
  .object({
    executionId: z.string(),
    period: z.int().describe('The period decided (0-based)'),
    fromBar: z.int(),
    toBar: z.int().describe('Exclusive'),
    action: z.int(),
    share: z.number().describe('Share of Q the policy asks for in the period'),
    quantity: z.number().describe('Shares for the period: share x Q capped by what is left; everything left in the last period'),
    childOrders: z.array(ChildOrderSchema).describe('The period\'s quantity per bar (equal child orders)'),
    logits: z.array(z.number()),
  })
  .meta({ id: 'Plan' });
export type Plan = z.infer<typeof PlanSchema>;

export const ExecutionViewSchema = z
  .object({
    id: z.string(),
    policy: z.string(),
    instrument: z.string(),
    side: z.enum(['sell', 'buy']),
    quantity: z.number(),
    date: z.string(),
    status: z.enum(['open', 'complete', 'cancelled']),
    createdAt: z.string(),
    barsReceived: z.int(),
    period: z.int().nullable().describe('The current decision period; null once the horizon is over'),
    filled: z.number(),
    remaining: z.number(),
    averageFillPrice: z.number().nullable(),
    benchmarkPrice: z.number().nullable().describe('Running benchmark: mean average price of the horizon\'s bars received so far'),
    paBps: z.number().nullable().describe('Price advantage of the fills so far against the running benchmark (bps; SPEC 5)'),
    fills: z.array(FillSchema),
    decisions: z.array(PlanSchema.omit({ executionId: true, childOrders: true, logits: true })),
  })
  .meta({ id: 'Execution' });
export type ExecutionView = z.infer<typeof ExecutionViewSchema>;

export const AckSchema = z
  .object({
    executionId: z.string().describe('The execution the items were stored for'),
    accepted: z.int().describe('New items stored'),
    duplicates: z.int().describe('Items already stored (a retry): counted once'),
    barsReceived: z.int(),
    filled: z.number(),
    period: z.int().nullable(),
  })
  .meta({ id: 'Ack' });
export type Ack = z.infer<typeof AckSchema>;

/** The most instruments one registration may carry, and the most feed bars one request may. */
export const MAX_FEED_INSTRUMENTS_PER_REQUEST = 5000;
export const MAX_FEED_BARS_PER_REQUEST = 20_000;

export const MarketParams = z.strictObject({ date: TradingDate });
export const MarketInstrumentParams = z.strictObject({ date: TradingDate, instrument: Text(64) });

export const MarketInstrumentSchema = z
  .strictObject({
    instrument: Text(64),
    previousDay: z.array(BarSchema).max(MAX_BARS_PER_REQUEST).optional().describe('Every bar of the instrument\'s previous trading day; omit when unknown (it then does not count in the context of the previous day)'),
    context: ContextSchema.optional().describe('Default: the previous day\'s last close and its mean volume per bar'),
  })
  .meta({ id: 'MarketInstrument' });
export type MarketInstrumentInput = z.infer<typeof MarketInstrumentSchema>;

export const MarketInstrumentsSchema = z
  .strictObject({ instruments: z.array(MarketInstrumentSchema).min(1).max(MAX_FEED_INSTRUMENTS_PER_REQUEST) })
  .meta({ id: 'MarketInstruments' });
export type MarketInstrumentsBody = z.infer<typeof MarketInstrumentsSchema>;

export const MarketBarSchema = IndexedBarSchema.extend({ instrument: Text(64) }).meta({ id: 'MarketBar' });
export type MarketBarInput = z.infer<typeof MarketBarSchema>;

export const MarketBarsSchema = z.strictObject({ bars: z.array(MarketBarSchema).min(1).max(MAX_FEED_BARS_PER_REQUEST) }).meta({ id: 'MarketBars' });
export type MarketBarsBody = z.infer<typeof MarketBarsSchema>;

export const MarketDaySchema = z
  .object({
    date: z.string(),
    status: z.enum(['registering', 'ready']).describe('registering: instruments may still be added; ready: the universe is fixed and bars are taken'),
    readyAt: z.string().nullable(),
    instruments: z.int().describe('Instruments in the universe'),
    withPreviousDay: z.int().describe('Of which with their previous session (they make the context of the previous day)'),
    halted: z.int().describe('Of which halted: they take no more bars, and are not waited for'),
    barsComplete: z.int().describe('Bars every instrument of the universe not halted has: the context is known for the periods that end by then'),
    lagging: z.array(z.object({ instrument: z.string(), bars: z.int() })).describe('The (at most 20) instruments not halted with the fewest bars, fewest first: who the plans wait for'),
  })
  .meta({ id: 'MarketDay' });
export type MarketDayView = z.infer<typeof MarketDaySchema>;

export const MarketAckSchema = z
  .object({
    date: z.string(),
    accepted: z.int().describe('New items stored'),
    duplicates: z.int().describe('Items already stored (a retry): counted once'),
    instruments: z.int(),
    barsComplete: z.int(),
  })
  .meta({ id: 'MarketAck' });
export type MarketAck = z.infer<typeof MarketAckSchema>;
