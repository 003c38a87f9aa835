/**
 * ExecLab's public API: re-exports only. The CLI (src/cli) is a thin layer over these modules.
 */
// data
export * from './data/types.js';
export { ASHARE_SESSION, US_SESSION, SESSIONS, sessionMinutes, barsPerDay, barLabel, barIndexOfLabel } from './data/calendar.js';
export { ContextBuilder, DEFAULT_CONTEXT_SETTINGS, type ContextSettings } from './data/context.js';
export { MINUTE_FEATURES, rawMinuteFeatures, normaliseFeatures, fitFeatureStats } from './data/features.js';
export { DatasetStore, DatasetWriter, openDataset, splitByCounts, type DatasetHeader } from './data/store.js';
export { generateOrders, parseOrdersCsv, readOrdersCsv, writeOrdersCsv, formatOrdersCsv, OrderSettingsSchema, type Order, type OrderSettings, type Side } from './data/orders.js';
export { importBars } from './data/import/importer.js';
export { formatDataInfo } from './data/import/info.js';
// synthetic market
export { generateSyntheticMarket, synthDays } from './synth/market.js';
export { DEFAULT_SYNTH_PARAMS, SynthParamsSchema, synthParams, type SynthParams } from './synth/params.js';
// simulator
export { ExecutionEnv, type EnvOptions } from './sim/env.js';
export { buildEpisodes, selectEpisodes, type EpisodeSet, type SkippedOrder } from './sim/episodes.js';
export { publicObservation, PUBLIC_FEATURES, type ObservationView } from './sim/observation.js';
export { periodReward, signedPaBps, executedPaBps } from './sim/reward.js';
export { DEFAULT_SIM_SETTINGS, SimSettingsSchema, periodGrid, type SimSettings, type PeriodGrid } from './sim/settings.js';
// strategies
export type { Strategy } from './strategies/types.js';
export { createTwap, twapShares } from './strategies/twap.js';
export { createVwap } from './strategies/vwap.js';
export { createAlmgrenChriss, acKappa, acShares, DEFAULT_AC_SETTINGS, type AlmgrenChrissSettings } from './strategies/almgren-chriss.js';
export { createRuleStrategy, RULE_STRATEGIES } from './strategies/registry.js';
// learning
export { ActorCritic, type NetConfig } from './nn/network.js';
export { kernelBackend, type KernelBackend } from './nn/kernels.js';
export { PpoLearner, type DistillationHook } from './rl/ppo/ppo.js';
export { PpoSettingsSchema, type PpoSettings } from './rl/ppo/settings.js';
export { DdqnLearner } from './rl/ddqn/ddqn.js';
export { DdqnSettingsSchema, type DdqnSettings } from './rl/ddqn/settings.js';
export { distillationHook, type DistillMode } from './rl/distill/teacher.js';
export { prepareTrainingData, trainPolicy, type TrainJob, type TrainingData } from './rl/train.js';
export { loadPolicy, savePolicy, policyStrategy, strategyFromPolicyFile, type PolicyFile } from './rl/common/policy-file.js';
// evaluation
export { runStrategy, type StrategyRun } from './eval/run.js';
export { compareStrategies, strategyReport } from './eval/compare.js';
export { runBacktest, type BacktestRequest } from './eval/backtest.js';
export * from './eval/metrics.js';
export { estimate, pairedTTest, clusteredPairedTest, welchTTest } from './eval/stats.js';
// reporting and the full pipeline
export type * from './report/types.js';
export { writeReport } from './report/write.js';
export { reproduce } from './reproduce/pipeline.js';
export { ReproduceSettingsSchema, type ReproduceSettings } from './reproduce/settings.js';
export { localExecutor, type Executor } from './reproduce/executor.js';
// work over machines (BullMQ on Redis)
export { Coordinator } from './distributed/coordinator.js';
export { distributedExecutor, distributedBacktest } from './distributed/executor.js';
export { startWorker, type WorkerSettings } from './distributed/worker.js';
export { decide, policyRuntime, DecisionRequestSchema, type DecisionRequest, type Decision } from './serve/decide.js';
export { createApp, type AppOptions, type AppLimits } from './serve/live/app.js';
export { ServiceStore } from './serve/live/store.js';
export { ExecutionService, type ServedPolicy } from './serve/live/service.js';
export { ExecLabError } from './errors.js';
