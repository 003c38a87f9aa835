/**
 * A real `execlab serve` process (the built CLI) for the crash tests: started on any free port,
 * resolved with its base URL once it listens, rejected if it exits first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

const cli = new URL('../../../bin/execlab.js', import.meta.url).pathname;
/** The server runs the compiled CLI (built by `npm ci` / `npm run build`); vitest runs the sources. */
export const haveBuild = existsSync(new URL('../../../dist/cli/main.js', import.meta.url));

/** Starts `execlab serve --policy <policy> --db <db>` on a free port; `started` gets the process at once. */
export function startServerProcess(policy: string, db: string, started: (child: ChildProcess) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [cli, 'serve', '--policy', policy, '--db', db, '--port', '0', '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
    started(p);
    let err = '';
    p.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (m) resolve(m[1]);
    });
    p.once('exit', (code) => reject(new Error(`server exited (${code}): ${err}`)));
  });
}
