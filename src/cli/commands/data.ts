import type { Command } from 'commander';
import { registerDataSynth } from './data-synth.js';
import { registerDataImport } from './data-import.js';
import { registerDataInfo } from './data-info.js';

/** `execlab data synth | import | info` */
export function registerDataCommands(program: Command): void {
  const data = program.command('data').description('create, import and inspect datasets');
  registerDataSynth(data);
  registerDataImport(data);
  registerDataInfo(data);
}
