#!/usr/bin/env node
import { main } from '../dist/cli/main.js';
// A reader that goes away (`execlab train --help | head`) ends the command quietly, as Unix tools do.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
main(process.argv).then((code) => { process.exitCode = code; });
