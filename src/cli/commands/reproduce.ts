import type { Command } from 'commander';

export function registerReproduceCommand(program: Command): void {
  program.command('reproduce').description('reproduce the paper end to end and write the report');
}
