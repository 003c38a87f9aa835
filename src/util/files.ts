import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Writes a file atomically: a temporary file next to it, then a rename. A crash leaves the old file. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** Text appended piece by piece to a file that appears (atomically) only when the writer is closed. */
export interface TextWriter {
  write(text: string): void;
  /** Flushes, then renames the temporary file into place. */
  close(): void;
}

/**
 * writeFileAtomic for output too large for one string (V8 caps strings at about 512 MB): pieces are
 * buffered to about 1 MB and written to a temporary file, renamed into place by close(). If `fill`
 * throws, the temporary file is removed and the old file is left as it was.
 */
export function writeTextAtomic(path: string, fill: (w: TextWriter) => void): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  let pending: string[] = [];
  let size = 0;
  const flush = (): void => {
    if (pending.length > 0) writeSync(fd, pending.join(''));
    pending = [];
    size = 0;
  };
  try {
    fill({
      write(text) {
        pending.push(text);
        size += text.length;
        if (size >= 1 << 20) flush();
      },
      close: flush,
    });
    flush();
    closeSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  renameSync(tmp, path);
}
