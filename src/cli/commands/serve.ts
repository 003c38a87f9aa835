import type { Command } from 'commander';
import { ExecLabError } from '../../errors.js';
import { loadPolicy } from '../../rl/common/policy-file.js';
import { policyRuntime } from '../../serve/decide.js';
import { createPolicyServer, listenPolicyServer, parsePort } from '../../serve/server.js';

function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < 1) throw new ExecLabError(`${flag} ${value}: expected a positive integer`, 2);
    return n;
  };
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .summary('serve a trained student policy over HTTP')
    .description(
      'Serve a trained student policy over HTTP: GET /health, POST /decide (Content-Type: application/json) with the order state and the minute bars seen so far; answers the share of Q to trade in the next period. See README "Deploying a policy".',
    )
    .requiredOption('--policy <file>', 'policy.json written by execlab train or reproduce')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <n>', 'port, 0 to 65535 (0 = any free port)', parsePort, 8080)
    .option('--minutes-per-day <n>', 'bars per trading day of the live data; default: the policy\'s own (another value is refused)', positiveInt('--minutes-per-day'))
    .action(async function (this: Command) {
      const o = this.opts() as { policy: string; host: string; port: number; minutesPerDay?: number };
      const rt = policyRuntime(loadPolicy(o.policy), o.minutesPerDay);
      const server = createPolicyServer(rt);
      await listenPolicyServer(server, o.port, o.host);
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : o.port;
      process.stdout.write(`serving ${rt.policy.name} on http://${o.host}:${port} (GET /health, POST /decide); Ctrl-C to stop\n`);
      await new Promise<void>((resolve) => process.once('SIGINT', () => server.close(() => resolve())));
    });
}
