#!/usr/bin/env node
import { dispatch } from './dispatch';

dispatch(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Commands resolve once their work is done; anything still holding the loop open
    // (a socket in linger) must not keep the process alive.
    setTimeout(() => process.exit(code), 1000).unref();
  },
  (err) => {
    process.stderr.write(`lowband: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
