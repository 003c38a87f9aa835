import type { Command } from 'commander';

export function registerBacktestCommand(program: Command): void {
  program.command('backtest').description('run strategies over orders and report metrics');
}
