import type { Command } from 'commander';

export function registerDataInfo(data: Command): void {
  data.command('info').description('(not implemented yet)');
}
