/**
 * Safe replacement of an output directory that a command writes whole (a dataset): where it may be
 * written, and the swap of the finished temporary directory into place. The rules (docs/DATA.md,
 * "Where a dataset may be written"), checked on absolute paths with symlinks resolved:
 *
 * - never the current directory or a directory that contains it;
 * - never an input, a directory that contains an input, or a path inside an input;
 * - never a file;
 * - an existing directory only when it is empty or holds what the command writes (`isOurs`: an
 *   ExecLab dataset), or with `force`.
 */
import { existsSync, lstatSync, readdirSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ExecLabError } from '../errors.js';

export interface OutputDirRules {
  /** Paths the command reads: the output may not be, contain or lie inside any of them. */
  readonly inputs?: readonly string[];
  /** Replace an existing directory that is not ours (everything in it is deleted). */
  readonly force?: boolean;
  /** Whether an existing directory holds what the command writes, so replacing it is expected. */
  readonly isOurs: (dir: string) => boolean;
  /** What is written, for messages: "the dataset". */
  readonly what: string;
  /** What a directory that is not ours is not, for messages: "an ExecLab dataset (no dataset meta.json)". */
  readonly ours: string;
}

/** The absolute path of `path` with the symlinks of its existing part resolved (the rest appended as given). */
export function realPathOf(path: string): string {
  let head = resolve(path);
  const tail: string[] = [];
  for (;;) {
    try {
      return join(realpathSync(head), ...tail.reverse());
    } catch {
      const parent = dirname(head);
      if (parent === head) return resolve(path);
      tail.push(basename(head));
      head = parent;
    }
  }
}

/** Whether `path` is `dir` or lies inside it (both absolute and resolved). */
export function isWithin(path: string, dir: string): boolean {
  const r = relative(dir, path);
  return r === '' || (r !== '..' && !r.startsWith(`..${sep}`) && !isAbsolute(r));
}

/**
 * Checks that `out` may be replaced by a new output under `rules`, and returns where to write it:
 * the absolute path with symlinks resolved (an output reached through a symlink is written at the
 * link's target, so the link stays). Throws an ExecLabError (exit code 2) naming the path, the reason
 * and what to do.
 */
export function checkOutputDir(out: string, rules: OutputDirRules): string {
  const target = realPathOf(out);
  const refuse = (why: string, todo = 'choose another --out (a new directory or an existing dataset)'): never => {
    throw new ExecLabError(`refusing to write ${rules.what} to '${out}': ${why}; ${todo}`, 2);
  };
  const cwd = realPathOf(process.cwd());
  if (target === cwd) refuse('it is the current directory (replacing it would delete everything in it)');
  if (isWithin(cwd, target)) refuse(`it contains the current directory '${cwd}' (replacing it would delete everything in it)`);
  for (const input of rules.inputs ?? []) {
    const real = realPathOf(input);
    if (real === target) refuse(`it is the input '${input}' (replacing it would delete the input files)`);
    if (isWithin(real, target)) refuse(`it contains the input '${input}' (replacing it would delete the input files)`);
    if (isWithin(target, real)) refuse(`it is inside the input '${input}' (the output would mix with the input files)`);
  }
  let entries: string[];
  try {
    if (!lstatSync(target).isDirectory()) {
      throw new ExecLabError(`refusing to replace '${out}': it is a file, not a directory; choose another --out`, 2);
    }
    entries = readdirSync(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return target;
    throw err;
  }
  if (entries.length === 0 || rules.force === true || rules.isOurs(target)) return target;
  const n = entries.length;
  throw new ExecLabError(
    `refusing to replace '${out}': it is a directory with ${n} ${n === 1 ? 'entry' : 'entries'} that is not ${rules.ours}; ` +
      'choose a new or empty directory for --out, or add --force to replace it (everything in it is deleted)',
    2,
  );
}

/**
 * Moves the finished directory `tmp` to `target`, replacing what is there: the old directory is
 * renamed aside to `<target>.old-<pid>`, the new one renamed into place, then the old one removed. If
 * the second rename fails, the old directory is put back.
 */
export function swapIntoPlace(tmp: string, target: string): void {
  const old = `${target}.old-${process.pid}`;
  const hadOld = existsSync(target);
  if (hadOld) renameSync(target, old);
  try {
    renameSync(tmp, target);
  } catch (err) {
    if (hadOld) renameSync(old, target);
    throw err;
  }
  rmSync(old, { recursive: true, force: true });
}
