import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphQLError } from 'graphql';
import { createErrorFormatter, createLogger, isDatabaseUnavailable } from '../src/index.js';
import { oneDocumentDatabase } from './support/one-document-database.js';

// What every service answers while its database is down: a retryable DATABASE_UNAVAILABLE, from the
// driver's real errors against a real server that was stopped, not INTERNAL_SERVER_ERROR.
const fixture = oneDocumentDatabase('outage_test');

test('a query against a stopped database is answered as a retryable DATABASE_UNAVAILABLE, and other failures stay masked', { timeout: 60_000 }, async () => {
  const { database, connection } = fixture();
  const format = createErrorFormatter(createLogger('outage-test', { LOG_LEVEL: 'silent' }));
  await database.stop();
  const failure = await connection
    .collection('things')
    .findOne({ _id: 'one' as never })
    .then(
      () => assert.fail('the read succeeded with the database stopped'),
      (error: unknown) => error,
    );
  assert.ok(isDatabaseUnavailable(failure), String(failure));
  // As Apollo hands it to formatError: wrapped in a GraphQLError at the resolver's path.
  const wrapped = new GraphQLError('read failed', { path: ['thing'], originalError: failure as Error });
  const formatted = format({ message: 'read failed', path: ['thing'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }, wrapped);
  assert.equal(formatted.extensions?.['code'], 'DATABASE_UNAVAILABLE');
  assert.equal(formatted.extensions?.['retryable'], true);
  assert.ok(Number(formatted.extensions?.['retryAfterMs']) > 0);
  assert.deepEqual(formatted.path, ['thing']);

  const bug = new GraphQLError('boom', { originalError: new TypeError('x is undefined') });
  assert.deepEqual(format({ message: 'boom', extensions: { code: 'INTERNAL_SERVER_ERROR' } }, bug).extensions, { code: 'INTERNAL_SERVER_ERROR' });
});
