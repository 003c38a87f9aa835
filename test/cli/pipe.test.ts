import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const cli = new URL('../../bin/execlab.js', import.meta.url).pathname;
const haveBuild = existsSync(new URL('../../dist/cli/main.js', import.meta.url));

describe.skipIf(!haveBuild)('output into a closed pipe', () => {
  it('ends quietly when the reader goes away (execlab train --help | head -1)', async () => {
    const p = spawn(process.execPath, [cli, 'train', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    // Read the first chunk, then close the pipe before the rest is written.
    p.stdout!.once('data', () => p.stdout!.destroy());
    const code = await new Promise<number | null>((resolve) => p.once('exit', resolve));
    expect(err).not.toMatch(/EPIPE|Unhandled/);
    expect(code).toBe(0);
  }, 20_000);
});
