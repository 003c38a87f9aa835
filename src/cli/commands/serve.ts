import type { Command } from 'commander';
import { loadPolicy } from '../../rl/common/policy-file.js';
import { policyRuntime } from '../../serve/decide.js';
import { createPolicyServer } from '../../serve/server.js';
import { toInt } from '../options.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .summary('serve a trained student policy over HTTP')
    .description(
      'Serve a trained student policy over HTTP: GET /health, POST /decide with the order state and the minute bars seen so far; answers the share of Q to trade in the next period. See README "Deploying a policy".',
    )
    .requiredOption('--policy <file>', 'policy.json written by execlab train or reproduce')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <n>', 'port (0 = any free port)', toInt('--port'), 8080)
    .option('--minutes-per-day <n>', 'bars per trading day of the live data; default: the policy\'s own (another value is refused)', toInt('--minutes-per-day'))
    .action(async function (this: Command) {
      const o = this.opts() as { policy: string; host: string; port: number; minutesPerDay?: number };
      const rt = policyRuntime(loadPolicy(o.policy), o.minutesPerDay);
      const server = createPolicyServer(rt);
      await new Promise<void>((resolve) => server.listen(o.port, o.host, resolve));
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : o.port;
      process.stdout.write(`serving ${rt.policy.name} on http://${o.host}:${port} (GET /health, POST /decide); Ctrl-C to stop\n`);
      await new Promise<void>((resolve) => process.once('SIGINT', () => server.close(() => resolve())));
    });
}
