import { ExecLabError } from '../errors.js';
import { createAlmgrenChriss, DEFAULT_AC_SETTINGS, type AlmgrenChrissSettings } from './almgren-chriss.js';
import { createTwap } from './twap.js';
import type { Strategy } from './types.js';
import { createVwap } from './vwap.js';

export const RULE_STRATEGIES = ['twap', 'vwap', 'ac'] as const;
export type RuleStrategyName = (typeof RULE_STRATEGIES)[number];

export function createRuleStrategy(name: string, ac: AlmgrenChrissSettings = DEFAULT_AC_SETTINGS): Strategy {
  switch (name.toLowerCase()) {
    case 'twap':
      return createTwap();
    case 'vwap':
      return createVwap();
    case 'ac':
      return createAlmgrenChriss(ac);
    default:
      throw new ExecLabError(`unknown strategy '${name}': expected one of ${RULE_STRATEGIES.join(', ')} or a policy file (.json)`, 2);
  }
}
