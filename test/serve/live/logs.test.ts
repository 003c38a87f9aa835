/**
 * The real server's JSON log lines: buffered (written 4 KB at a time), and all of them on stdout
 * once it stops on SIGTERM; an access line per refused request by default, per request with
 * --access-log all, none with --access-log none.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { savePolicy } from '../../../src/rl/common/policy-file.js';
import { tempDirs } from '../../helpers/tmp.js';
import { policies } from './fixture.js';

const cli = new URL('../../../bin/execlab.js', import.meta.url).pathname;
const haveBuild = existsSync(new URL('../../../dist/cli/main.js', import.meta.url));
const { tmp } = tempDirs('execlab-live-logs-');

/**
 * Runs the server with `flags`, sends 25 refused plan requests (no key: 401) and 10 health checks
 * (200), stops it with SIGTERM and returns its access lines.
 */
async function accessLines(name: string, flags: string[]): Promise<{ status?: number; route?: string }[]> {
  const dir = tmp(name);
  const policyPath = join(dir, 'p3.json');
  savePolicy(policyPath, { ...policies.p3, training: { settings: {}, distillation: null, best: { iteration: 1, paBps: 0, reward: 0 }, iterations: 1, stoppedEarly: false, history: [] } });
  const p = spawn(process.execPath, [cli, 'serve', '--policy', `p3=${policyPath}`, '--db', join(dir, 'service.db'), '--port', '0', ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const base = await new Promise<string>((resolve, reject) => {
    p.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (m) resolve(m[1]);
    });
    p.once('exit', (code) => reject(new Error(`server exited (${code}): ${err}`)));
  });
  for (let k = 0; k < 25; k++) expect((await fetch(`${base}/executions/x${k}/plan`)).status).toBe(401);
  for (let k = 0; k < 10; k++) expect((await fetch(`${base}/health`)).status).toBe(200);
  const exited = new Promise<number | null>((resolve) => p.once('exit', resolve));
  p.kill('SIGTERM');
  expect(await exited).toBe(0);
  const lines = out.trim() === '' ? [] : out.trim().split('\n').map((l) => JSON.parse(l) as { msg?: string; status?: number; route?: string });
  return lines.filter((l) => l.msg === 'answered');
}

describe.skipIf(!haveBuild)('the service log', () => {
  it('has a JSON line per refused request by default, every one written by the time the server stops', async () => {
    const answered = await accessLines('logs-default', []);
    expect(answered).toHaveLength(25);
    expect(answered.every((l) => l.status === 401 && l.route === '/executions/:id/plan')).toBe(true);
  }, 30_000);

  it('has one per answered request with --access-log all, and none with --access-log none', async () => {
    const all = await accessLines('logs-all', ['--access-log', 'all']);
    expect(all).toHaveLength(35);
    expect(all.filter((l) => l.status === 200 && l.route === '/health')).toHaveLength(10);
    expect(await accessLines('logs-none', ['--access-log', 'none'])).toHaveLength(0);
  }, 30_000);
});
