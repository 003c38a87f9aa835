/**
 * The one error type users see. Library code throws it with a message that names the input, its
 * value and what was expected; only the CLI entry point catches it and turns it into an exit code.
 */
export class ExecLabError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'ExecLabError';
  }
}
