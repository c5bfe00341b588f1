/**
 * Composes the six subgraph schemas into schema/supergraph.graphql (what the gateway loads) and
 * schema/api-schema.graphql (what clients see; typed test operations are checked against it).
 * With --check it writes nothing and fails when composition fails or either file is stale.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { parse, printSchema } from 'graphql';
// From the source, so that composing needs no build first.
import { readSchemaSlices } from '../packages/server-kit/src/schema-slices.js';

const SUBGRAPHS = [
  { name: 'product', port: 4001 },
  { name: 'inventory', port: 4002 },
  { name: 'order', port: 4003 },
  { name: 'customer', port: 4004 },
  { name: 'ledger', port: 4005 },
  { name: 'integration', port: 4006 },
] as const;

// MESH_ROOT lets the staleness tests run this script against a scratch copy of the repository.
const root = process.env['MESH_ROOT'] ? new URL(`file://${process.env['MESH_ROOT'].replace(/\/?$/, '/')}`) : new URL('../', import.meta.url);
const check = process.argv.includes('--check');

const result = composeServices(
  SUBGRAPHS.map(({ name, port }) => ({
    name,
    // The URL is a default only: the gateway takes each subgraph's URL from its configuration.
    url: `http://127.0.0.1:${port}/graphql`,
    typeDefs: parse(readSchemaSlices(new URL(`subgraphs/${name}/src/`, root))),
  })),
);

if (result.errors) {
  console.error('Composition failed:');
  for (const error of result.errors) console.error(`- ${error.message}`);
  process.exit(1);
}

const outputs = [
  { path: 'schema/supergraph.graphql', text: result.supergraphSdl },
  { path: 'schema/api-schema.graphql', text: `${printSchema(result.schema.toAPISchema().toGraphQLJSSchema())}\n` },
];

let stale = false;
for (const { path, text } of outputs) {
  const file = new URL(path, root);
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (current === text) continue;
  if (check) {
    console.error(`${path} is stale: run \`npm run compose\` and commit the result.`);
    stale = true;
  } else {
    writeFileSync(file, text);
    console.log(`wrote ${path}`);
  }
}
for (const hint of result.hints ?? []) if (!check) console.log(`hint: ${hint.message}`);
if (stale) process.exit(1);
if (check) console.log('supergraph is up to date');
