#!/usr/bin/env node
// Runs DeadPool's own code compiled to dist/ (`npm ci` builds it; so does `npm test`): running it
// through tsx would cost every process tsx's loader thread, about 35 MB (BENCHMARKS.md). The bundled
// probe modules are compiled too (dist/probes/); a TypeScript module of the operator's own is
// imported as it is, with tsx loaded only when one is.
let main;
try {
  ({ main } = await import('../dist/src/cli/main.js'));
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('/dist/src/cli/main.js')) throw error;
  process.stderr.write('deadpool: dist/ is missing: run `npm ci` (or `npm run build`) in the DeadPool folder first\n');
  process.exit(70);
}
process.exitCode = await main(process.argv);
