import type { Command } from 'commander';

export function registerDataImport(data: Command): void {
  data.command('import').description('(not implemented yet)');
}
