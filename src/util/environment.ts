/** What a run ran on, recorded with its results (provenance) and printed by `execlab --version`. */
import { readFileSync } from 'node:fs';
import { arch, cpus, platform } from 'node:os';
import { kernelBackend, type KernelBackend } from '../nn/kernels.js';

export interface RunEnvironment {
  readonly execlab: string;
  readonly node: string;
  readonly platform: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly kernels: KernelBackend;
}

/** The package's version, from its package.json (two levels up from both src/util and dist/util). */
export function execlabVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function runEnvironment(): RunEnvironment {
  const cores = cpus();
  return {
    execlab: execlabVersion(),
    node: process.version,
    platform: `${platform()}-${arch()}`,
    cpus: cores.length,
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    kernels: kernelBackend(),
  };
}
