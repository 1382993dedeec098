#!/usr/bin/env node
// The compiled CLI (`npm ci` builds dist/ through the prepare script).
import('../dist/cli/main.js')
  .then((m) => m.main(process.argv))
  .catch((err) => {
    console.error(err?.code ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : err);
    process.exit(1);
  });
