import type { Command } from 'commander';

/** `execlab orders generate` */
export function registerOrdersCommands(program: Command): void {
  program.command('orders').description('generate order files');
}
