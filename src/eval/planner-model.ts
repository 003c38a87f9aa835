/** The model-aware planner of a synthetic dataset, from the generator settings its provenance records. */
import type { DatasetStore } from '../data/store.js';
import { ExecLabError } from '../errors.js';
import type { SimSettings } from '../sim/settings.js';
import { createPlanner } from '../strategies/planner.js';
import type { Strategy } from '../strategies/types.js';

export const PLANNER_STRATEGY = 'planner';

/** The planner, or null when the dataset is not the project's synthetic market. */
export function plannerFor(store: DatasetStore, sim: SimSettings): Strategy | null {
  const p = store.meta.provenance as { generator?: string; predictability?: number; reversionPerMinute?: number };
  if (p.generator !== 'execlab synthetic market' || typeof p.predictability !== 'number' || typeof p.reversionPerMinute !== 'number') return null;
  return createPlanner({ predictability: p.predictability, reversionPerMinute: p.reversionPerMinute, alpha: sim.alpha });
}

/** The planner, or an error saying why there is none. */
export function requirePlanner(store: DatasetStore, sim: SimSettings): Strategy {
  const planner = plannerFor(store, sim);
  if (!planner) throw new ExecLabError(`strategy 'planner' needs the generator's dynamics: ${store.dir} is not an ExecLab synthetic market`, 2);
  return planner;
}
