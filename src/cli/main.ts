/**
 * The CLI entry point: parses flags, dispatches to one command module, and is the only place that
 * catches errors and turns them into exit codes (stack traces with --debug).
 */
import { Command, CommanderError } from 'commander';
import { ExecLabError } from '../errors.js';
import { registerDataCommands } from './commands/data.js';
import { registerOrdersCommands } from './commands/orders.js';
import { registerBacktestCommand } from './commands/backtest.js';
import { registerCompareCommand } from './commands/compare.js';
import { registerTrainCommand } from './commands/train.js';
import { registerReproduceCommand } from './commands/reproduce.js';
import { registerSweepCommand } from './commands/sweep.js';
import { registerServeCommand } from './commands/serve.js';
import { registerWorkerCommand } from './commands/worker.js';
import { runEnvironment } from '../util/environment.js';
import { printable } from '../util/text.js';

export function buildProgram(): Command {
  const program = new Command('execlab')
    .description('Optimal order execution with reinforcement learning (Oracle Policy Distillation, AAAI 2021).')
    .option('-V, --version', 'print the version and what this machine runs it on')
    .option('--debug', 'print stack traces on errors')
    .showHelpAfterError()
    // commander echoes what was typed (an unknown flag, a bad value): never raw control characters.
    // Set before the commands are added, which inherit it.
    .configureOutput({ writeErr: (text) => process.stderr.write(printable(text, true)) })
    .exitOverride();
  // Built only when asked for (commander's .version() wants the text at start-up).
  program.on('option:version', () => {
    process.stdout.write(`${versionText()}\n`);
    throw new CommanderError(0, 'commander.version', 'version printed');
  });
  registerDataCommands(program);
  registerOrdersCommands(program);
  registerBacktestCommand(program);
  registerCompareCommand(program);
  registerTrainCommand(program);
  registerReproduceCommand(program);
  registerSweepCommand(program);
  registerServeCommand(program);
  registerWorkerCommand(program);
  return program;
}

/** `execlab --version`: the version, then the runtime that numbers depend on (speed, not results). */
function versionText(): string {
  const e = runEnvironment();
  return `execlab ${e.execlab}\nnode ${e.node} on ${e.platform}, ${e.cpus} cores (${e.cpuModel}); matrix kernels: ${e.kernels}`;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv as string[]);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    const debug = argv.includes('--debug');
    if (err instanceof ExecLabError) {
      process.stderr.write(`execlab: ${printable(err.message, true)}\n`);
      if (debug) process.stderr.write(`${err.stack ?? ''}\n`);
      return err.exitCode;
    }
    process.stderr.write(`execlab: unexpected error: ${printable((err as Error).message ?? String(err), true)}\n`);
    if (debug) process.stderr.write(`${(err as Error).stack ?? ''}\n`);
    else process.stderr.write('(run again with --debug for the stack trace)\n');
    return 1;
  }
}
