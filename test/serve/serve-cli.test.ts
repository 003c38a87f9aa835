/** `execlab serve` refuses bad settings with one clean line (in process, through the CLI entry point). */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { MINUTE_FEATURES } from '../../src/data/features.js';
import { ActorCritic } from '../../src/nn/network.js';
import { POLICY_FORMAT, savePolicy } from '../../src/rl/common/policy-file.js';
import { DEFAULT_SIM_SETTINGS } from '../../src/sim/settings.js';
import { Rng } from '../../src/util/random.js';

async function run(...args: string[]): Promise<{ code: number; err: string; out: string }> {
  const err: string[] = [];
  const out: string[] = [];
  const e = process.stderr.write.bind(process.stderr);
  const o = process.stdout.write.bind(process.stdout);
  process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write;
  process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
  try {
    return { code: await main(['node', 'execlab', ...args]), err: err.join(''), out: out.join('') };
  } finally {
    process.stderr.write = e;
    process.stdout.write = o;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'execlab-serve-cli-'));
const policy = join(dir, 'policy.json');
savePolicy(policy, {
  format: POLICY_FORMAT,
  name: 'S',
  algo: 'ppo',
  spec: { view: 'student', privateFeatures: 2, actionMap: [...DEFAULT_SIM_SETTINGS.actionMap] },
  network: ActorCritic.create({ pubIn: 18, privIn: 2, hidden: 4, mlp: [4], actions: 5 }, new Rng(1)).toJSON(),
  sim: DEFAULT_SIM_SETTINGS,
  featureStats: { names: [...MINUTE_FEATURES], median: [1, 1, 1, 1, 1, 0.5], scale: [0.01, 0.01, 0.01, 0.01, 0.01, 0.3], fittedOn: [] },
  dataset: 'x',
  training: { settings: {}, distillation: null, best: { iteration: 1, paBps: 0, reward: 0 }, iterations: 1, stoppedEarly: false, history: [] },
  createdAt: '2025-01-01T00:00:00.000Z',
});

describe('execlab serve', () => {
  it('refuses a port outside 0..65535', async () => {
    const r = await run('serve', '--policy', policy, '--port', '70000');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/port: got 70000; Too big: expected number to be <=65535 \(from --port\)/);
    expect(r.err).not.toMatch(/unexpected error/);
  });

  it('refuses --minutes-per-day 0', async () => {
    const r = await run('serve', '--policy', policy, '--minutes-per-day', '0', '--port', '0');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/minutesPerDay: got 0; Too small: expected number to be >0 \(from --minutes-per-day\)/);
  });

  it('refuses a busy port with one line, not a stack', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await run('serve', '--policy', policy, '--db', join(dir, 'busy.db'), '--port', String(port));
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toEqual([`execlab: port ${port} on 127.0.0.1 is already in use: stop what listens there or choose another --port (0 = any free port)`]);
    } finally {
      blocker.close();
    }
  });

  it('refuses a damaged policy file, naming the file and the field', async () => {
    const doc = JSON.parse(readFileSync(policy, 'utf8')) as Record<string, any>;
    doc.spec.actionMap[4] = 5;
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify(doc));
    const r = await run('serve', '--policy', bad, '--db', join(dir, 'bad.db'), '--port', '0');
    expect(r.code).not.toBe(0);
    expect(r.err).toContain(`${bad}: spec.actionMap[4]`);
  });

  it('refuses two policies under one id', async () => {
    const r = await run('serve', '--policy', `${policy},${policy}`, '--db', join(dir, 'two.db'), '--port', '0');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/two policies with the id 'S': name them ID=FILE/);
  });
});

describe('execlab serve keys', () => {
  const db = join(dir, 'keys.db');

  it('adds a key (printed once, stored hashed), lists and revokes it', async () => {
    const added = await run('serve', 'keys', 'add', '--db', db, '--policy', 'S,OPD', '--name', 'desk one');
    expect(added.code).toBe(0);
    const key = added.out.trim().split('\n')[1];
    expect(key).toMatch(/^xlk_[A-Za-z0-9_-]{43}$/);
    expect(readFileSync(db).includes(Buffer.from(key))).toBe(false);
    const listed = await run('serve', 'keys', 'list', '--db', db);
    expect(listed.out).toMatch(/^1\tdesk one\tS,OPD\tcreated \S+\tactive$/m);
    expect(listed.out).not.toContain(key);
    expect((await run('serve', 'keys', 'revoke', '--db', db, '1')).out).toBe('revoked key 1\n');
    expect((await run('serve', 'keys', 'revoke', '--db', db, '1')).out).toBe('key 1 was already revoked\n');
    expect((await run('serve', 'keys', 'list', '--db', db)).out).toMatch(/^1\tdesk one\tS,OPD\tcreated \S+\trevoked \S+$/m);
  });

  it('refuses an unknown key id and a key without policies', async () => {
    const r = await run('serve', 'keys', 'revoke', '--db', db, '99');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no API key with id 99/);
    const bad = await run('serve', 'keys', 'revoke', '--db', db, 'x1');
    expect(bad.err).toMatch(/key id 'x1': expected a positive integer/);
    const none = await run('serve', 'keys', 'add', '--db', db);
    expect(none.code).not.toBe(0);
    expect(none.err).toMatch(/give at least one --policy, or --feed/);
  });

  it('adds a key that may write the market feed, with or without policies', async () => {
    const feedDb = join(dir, 'feed-keys.db');
    const feed = await run('serve', 'keys', 'add', '--db', feedDb, '--feed', '--name', 'feed');
    expect(feed.code).toBe(0);
    expect(feed.out).toMatch(/^key 1 \(feed\) for the market feed:$/m);
    expect((await run('serve', 'keys', 'add', '--db', feedDb, '--feed', '--policy', 'S', '--name', 'both')).code).toBe(0);
    const listed = (await run('serve', 'keys', 'list', '--db', feedDb)).out;
    expect(listed).toMatch(/^1\tfeed\t\(feed\)\tcreated/m);
    expect(listed).toMatch(/^2\tboth\tS,\(feed\)\tcreated/m);
  });
});
