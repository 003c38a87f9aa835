/**
 * The HTTP service's edge: one-line messages for a port that cannot be listened on, and the JSON
 * depth check that runs before a body is parsed.
 */
import { ExecLabError } from '../errors.js';

/** A failed listen as one line that says what to do: a port in use, not permitted, a host not of this machine. */
export function listenError(err: NodeJS.ErrnoException, port: number, host: string): ExecLabError {
  const where = `port ${port} on ${host}`;
  const message =
    err.code === 'EADDRINUSE'
      ? `${where} is already in use: stop what listens there or choose another --port (0 = any free port)`
      : err.code === 'EACCES'
        ? `no permission to listen on ${where} (ports below 1024 need privileges): choose another --port`
        : err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN'
          ? `cannot listen on host ${host} (${err.code}): give --host an address of this machine, e.g. 127.0.0.1`
          : `cannot listen on ${where}: ${err.message}`;
  return new ExecLabError(message, 2);
}

/** Refuses JSON nested deeper than `max`, in one pass over the text (before JSON.parse walks it). */
export function checkJsonDepth(text: string, max: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) throw new ExecLabError(`request body is JSON nested deeper than ${max} levels`, 2);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}
