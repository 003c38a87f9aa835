import { MultiBar, SingleBar, Presets } from 'cli-progress';
import { printable } from './text.js';

/** A progress callback: library code reports (done, total) and optional status text; the CLI draws it. */
export type ProgressFn = (done: number, total: number, status?: string) => void;

export interface ProgressBar {
  readonly update: ProgressFn;
  stop(): void;
}

/**
 * A terminal progress bar on stderr. When stderr is not a terminal (CI, pipes) it prints a plain line
 * at most every few seconds instead, so logs stay readable.
 */
export function progressBar(rawLabel: string, quiet = false): ProgressBar {
  if (quiet) return { update: () => {}, stop: () => {} };
  // The label may hold a user-given name (train --name): no control characters on the terminal.
  const label = printable(rawLabel);
  if (process.stderr.isTTY) {
    const bar = new SingleBar(
      { format: `${label.padEnd(22)} [{bar}] {percentage}% {value}/{total} {eta_formatted} {status}`, stream: process.stderr, hideCursor: true, etaBuffer: 50 },
      Presets.shades_classic,
    );
    let started = false;
    return {
      update(done, total, raw = '') {
        // The status may name an input file: no control characters on the terminal.
        const status = printable(raw);
        if (!started) {
          bar.start(total, done, { status });
          started = true;
        } else {
          bar.setTotal(total);
          bar.update(done, { status });
        }
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  let last = 0;
  const t0 = Date.now();
  return {
    update(done, total, status = '') {
      const now = Date.now();
      if (done < total && now - last < 5000) return;
      last = now;
      process.stderr.write(`${label}: ${done}/${total} (${((now - t0) / 1000).toFixed(1)} s) ${printable(status)}\n`);
    },
    stop() {},
  };
}

/** Several progress bars at once (an overall one and one per running job), drawn together. */
export interface ProgressBoard {
  bar(label: string): ProgressBar;
  stop(): void;
}

/**
 * On a terminal, cli-progress's MultiBar (bars added and removed as jobs start and finish); elsewhere
 * each bar prints plain lines, as progressBar does.
 */
export function progressBoard(quiet = false): ProgressBoard {
  if (quiet || !process.stderr.isTTY) return { bar: (label) => progressBar(label, quiet), stop: () => {} };
  const multi = new MultiBar(
    { format: '{label} [{bar}] {percentage}% {value}/{total} {eta_formatted} {status}', stream: process.stderr, hideCursor: true, etaBuffer: 50, clearOnComplete: false },
    Presets.shades_classic,
  );
  return {
    bar(rawLabel) {
      const label = printable(rawLabel).padEnd(22);
      let bar: SingleBar | null = null;
      return {
        update(done, total, raw = '') {
          const status = printable(raw);
          if (!bar) bar = multi.create(total, done, { label, status });
          else {
            bar.setTotal(total);
            bar.update(done, { label, status });
          }
        },
        stop() {
          if (bar) multi.remove(bar);
          bar = null;
        },
      };
    },
    stop: () => multi.stop(),
  };
}
