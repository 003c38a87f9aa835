import type { Command } from 'commander';

export function registerTrainCommand(program: Command): void {
  program.command('train').description('train a policy with PPO or DDQN');
}
