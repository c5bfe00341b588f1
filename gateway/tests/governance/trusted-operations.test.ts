import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { RunningHttpService } from '@mesh/server-kit';
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER } from '../../src/config.js';
import { signDevToken } from '../../src/dev-tokens.js';
import { persistedIdOf } from '../../src/governance/persisted-manifest.js';
import { composeToySupergraph, startToySubgraphs, type RunningToySubgraphs } from '../supergraph/toy-subgraphs.js';
import { codeOf, post, recordingLogger, startGatewayOn, writeSupergraph } from '../supergraph/gateway-kit.js';

// Trusted operations: the manifests Apollo's generate-persisted-query-manifest and GraphQL Code
// Generator's client preset write, three modes per client type (apollographql-client-name), APQ
// alongside, and the development exemption for staff and Sandbox.

const MISSIONS = 'query Missions { missions { name } }';
const PLANET = 'query Planet($id: ID!) { planet(id: $id) { name } }';
const FREE_FORM = '{ missions { id } }';

let toys: RunningToySubgraphs;
let development: RunningHttpService;
let codegen: RunningHttpService;
let production: RunningHttpService;
let jwks: Server;
let signProductionToken: (role: string) => Promise<string>;
const logged = recordingLogger();

before(async () => {
  toys = await startToySubgraphs();
  const path = writeSupergraph(composeToySupergraph(toys.urls));
  const apolloManifest = path.replace(/supergraph\.graphql$/, 'apollo-manifest.json');
  writeFileSync(
    apolloManifest,
    JSON.stringify({
      format: 'apollo-persisted-query-manifest',
      version: 1,
      operations: [
        { id: persistedIdOf(MISSIONS), name: 'Missions', type: 'query', body: MISSIONS },
        { id: 'planet-v1', name: 'Planet', type: 'query', body: PLANET },
      ],
    }),
  );
  const codegenManifest = path.replace(/supergraph\.graphql$/, 'persisted-documents.json');
  writeFileSync(codegenManifest, JSON.stringify({ [persistedIdOf(MISSIONS)]: MISSIONS, 'sha256:planet': PLANET }));

  // Production verifies tokens by JWKS: serve one for a key this test signs with.
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test', alg: 'RS256' };
  jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  signProductionToken = (role) =>
    new SignJWT({ role })
      .setProtectedHeader({ alg: 'RS256', kid: 'test' })
      .setIssuer(DEFAULT_ISSUER)
      .setAudience(DEFAULT_AUDIENCE)
      .setSubject(`${role}-1`)
      .setExpirationTime('1h')
      .sign(privateKey);

  const modes = { PERSISTED_OPERATIONS_PATH: apolloManifest, TRUSTED_OPERATIONS: '*=log,storefront=enforce,internal=off' };
  development = await startGatewayOn(path, { NODE_ENV: 'development', ...modes }, logged.logger);
  codegen = await startGatewayOn(path, { PERSISTED_OPERATIONS_PATH: codegenManifest, TRUSTED_OPERATIONS: '*=enforce' });
  production = await startGatewayOn(path, {
    NODE_ENV: 'production',
    AUTH_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`,
    ...modes,
  });
});
after(async () => {
  await Promise.all([development, codegen, production].map((gateway) => gateway?.close()));
  jwks?.close();
  await toys?.close();
});

const storefront = { 'apollographql-client-name': 'storefront' };
const byHash = (id: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: id } } });

test('an enforced client type runs listed operations by id, and is refused unknown ids and unlisted text with 400 and a code', async () => {
  const listed = await post(development.url, byHash(persistedIdOf(MISSIONS)), storefront);
  assert.equal(listed.status, 200);
  assert.equal((listed.body.data?.['missions'] as unknown[]).length, 3);
  // An id that is not the document's sha256 (a manifest may name operations as it likes), with variables.
  const named = await post(development.url, { ...byHash('planet-v1'), variables: { id: 'p2' } }, storefront);
  assert.deepEqual(named.body.data, { planet: { name: 'Gliese 581c' } });

  const before = toys.requests();
  const unknown = await post(development.url, { ...byHash('f'.repeat(64)), operationName: 'Missions' }, storefront);
  assert.equal(unknown.status, 400);
  assert.equal(codeOf(unknown), 'PERSISTED_QUERY_NOT_FOUND');
  const freeForm = await post(development.url, { query: FREE_FORM }, storefront);
  assert.equal(freeForm.status, 400);
  assert.equal(codeOf(freeForm), 'PERSISTED_QUERY_NOT_IN_LIST');
  assert.equal(toys.requests(), before);
  // The exact text of a listed operation is as good as its id.
  assert.equal((await post(development.url, { query: MISSIONS }, storefront)).status, 200);
});

test("GraphQL Code Generator's persisted-documents file and its documentId field are understood", async () => {
  const byDocumentId = await post(codegen.url, { documentId: 'sha256:planet', variables: { id: 'p1' } });
  assert.deepEqual(byDocumentId.body.data, { planet: { name: 'Kepler-22b' } });
  assert.equal((await post(codegen.url, byHash(persistedIdOf(MISSIONS)))).status, 200);
  const unknown = await post(codegen.url, { documentId: 'sha256:nope' });
  assert.equal(unknown.status, 400);
  assert.equal(codeOf(unknown), 'PERSISTED_QUERY_NOT_FOUND');
  assert.equal(
    codeOf(await post(codegen.url, { query: FREE_FORM }, { authorization: `Bearer ${await signDevToken({ role: 'customer', customerId: 'c1' })}` })),
    'PERSISTED_QUERY_NOT_IN_LIST',
  );
});

test('log mode serves an unlisted operation and logs it once; off mode neither checks nor logs', async () => {
  const warnings = () => logged.lines.filter((line) => /not in the persisted-operation manifest/.test(line.message)).length;
  const before = warnings();
  for (let i = 0; i < 2; i += 1)
    assert.equal((await post(development.url, { query: FREE_FORM, operationName: null }, { 'apollographql-client-name': 'kiosk' })).status, 200);
  assert.equal(warnings(), before + 1);
  assert.equal((await post(development.url, { query: FREE_FORM }, { 'apollographql-client-name': 'internal' })).status, 200);
  assert.equal(warnings(), before + 1);
});

test('automatic persisted queries keep working for client types that are not enforced', async () => {
  const query = '{ astronauts { name } }';
  const hash = persistedIdOf(query);
  const miss = await post(development.url, byHash(hash), { 'apollographql-client-name': 'internal' });
  assert.equal(codeOf(miss), 'PERSISTED_QUERY_NOT_FOUND');
  const register = await post(development.url, { query, ...byHash(hash) }, { 'apollographql-client-name': 'internal' });
  assert.equal((register.body.data?.['astronauts'] as unknown[]).length, 3);
  const hit = await post(development.url, byHash(hash), { 'apollographql-client-name': 'internal' });
  assert.deepEqual(hit.body.data, register.body.data);
  // The enforced client type may not use what another registered.
  assert.equal(codeOf(await post(development.url, byHash(hash), storefront)), 'PERSISTED_QUERY_NOT_FOUND');
});

test('in development staff and Sandbox may send free-form operations to an enforced client type, customers may not; in production nobody may', async () => {
  const admin = { ...storefront, authorization: `Bearer ${await signDevToken({ role: 'admin' })}` };
  assert.equal((await post(development.url, { query: FREE_FORM }, admin)).status, 200);
  assert.equal((await post(development.url, { query: FREE_FORM }, { ...storefront, origin: 'https://sandbox.embed.apollographql.com' })).status, 200);
  const customer = { ...storefront, authorization: `Bearer ${await signDevToken({ role: 'customer', customerId: 'c1' })}` };
  assert.equal(codeOf(await post(development.url, { query: FREE_FORM }, customer)), 'PERSISTED_QUERY_NOT_IN_LIST');

  const productionAdmin = await post(production.url, { query: FREE_FORM }, { ...storefront, authorization: `Bearer ${await signProductionToken('admin')}` });
  assert.equal(productionAdmin.status, 400);
  assert.equal(codeOf(productionAdmin), 'PERSISTED_QUERY_NOT_IN_LIST');
  assert.equal(
    (await post(production.url, byHash(persistedIdOf(MISSIONS)), { ...storefront, authorization: `Bearer ${await signProductionToken('admin')}` })).status,
    200,
  );
});
