// Preloaded into scenario 6's gateway replica (NODE_OPTIONS=--require, since Node refuses
// --cpu-prof there) when BENCH_S6_CPU_PROF_DIR is set: profiles the whole life of the process
// and writes <dir>/gateway-<pid>.cpuprofile on exit (open it in Chrome DevTools).
const inspector = require('node:inspector');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const session = new inspector.Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.start');
process.on('exit', () => {
  // A main-thread session answers synchronously, so this completes inside the exit handler.
  session.post('Profiler.stop', (error, result) => {
    if (!error) writeFileSync(join(process.env.BENCH_S6_CPU_PROF_DIR ?? '.', `gateway-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
  });
});
