import type { Command } from 'commander';

export function registerDataSynth(data: Command): void {
  data.command('synth').description('(not implemented yet)');
}
