import type { Command } from 'commander';

/** `execlab data synth | import | info` */
export function registerDataCommands(program: Command): void {
  program.command('data').description('create, import and inspect datasets');
}
