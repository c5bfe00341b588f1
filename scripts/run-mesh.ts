/**
 * Runs the mesh for a human: the database (MONGODB_URI, a local mongod, or the embedded
 * mongo-java-server with data under .data/), the six subgraphs and the gateway, each its own
 * process on ports 4000-4006. Ctrl-C stops everything cleanly, in dependency order; data survives a restart.
 */
import { signDevToken } from '@mesh/gateway';
import { startMesh } from '@mesh/mesh-runner';

const started = Date.now();
console.log(
  'Starting the retail mesh (the first start seeds the master data and replays the order history through the workflows; later starts reuse .data/)...',
);
const mesh = await startMesh({
  persistent: true,
  // MESH_DATA_DIR: another kept store (the start-up bench keeps one per launcher build).
  dataDir: process.env['MESH_DATA_DIR'] ?? '.data',
  fixedPorts: true,
  echo: true,
  env: { LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn' },
  log: (line) => console.log(line),
  // Order history is placed through the gateway's workflows, as an admin, when the order database is empty.
  history: { size: 'start', adminToken: () => signDevToken({ role: 'admin', subject: 'seed-history' }) },
});
console.log(`
Retail mesh ready in ${((Date.now() - started) / 1000).toFixed(1)} s.
  Gateway (Apollo Sandbox): ${mesh.gatewayUrl}
  Operations console: ${new URL('/console/', mesh.gatewayUrl).href}   (sign in with an analyst or admin token)
  Subgraphs: ${Object.entries(mesh.subgraphUrls)
    .map(([name, url]) => `${name} ${url}`)
    .join(', ')}
  Database: ${mesh.database.description}${mesh.history ? `\n  History: ${mesh.history.planned} orders replayed through the workflows in ${(mesh.history.ms / 1000).toFixed(1)} s ${JSON.stringify(mesh.history.byStatus)}` : ''}
  Tokens: npm run token -- admin   (or customer --customer cus_00001, associate, analyst)
Press Ctrl-C to stop.`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping the mesh...');
  await mesh.stop();
  console.log('Stopped.');
  process.exit(0);
};
// The services run in their own process groups, so Ctrl-C reaches only this process, which stops
// them in dependency order: gateway, subgraphs (draining consumers and relays), broker, database.
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
process.on('SIGHUP', () => void stop());
