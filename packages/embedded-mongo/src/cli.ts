/**
 * Starts a database for a human: `tsx src/cli.ts [--persistent] [--data-dir .data]`.
 * Prints the URI on stdout and runs until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';

import { resolveDatabase } from './resolve-database.js';

const { values } = parseArgs({
  options: {
    persistent: { type: 'boolean', default: false },
    'data-dir': { type: 'string', default: '.data' },
  },
});

const database = await resolveDatabase({ persistent: values.persistent, dataDir: values['data-dir'] });
process.stdout.write(`${database.uri}\n`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void database.stop().then(() => process.exit(0));
  });
}
// Stay up until a signal arrives, whatever handles the database holds.
setInterval(() => {}, 1 << 30);
