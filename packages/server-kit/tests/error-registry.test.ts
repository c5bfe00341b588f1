import assert from 'node:assert/strict';
import { test } from 'node:test';
import { locatedError } from 'graphql';
import { COMMON_ERROR_CODES, errorFactory, forwardedError, idempotencyKeyReused, meshError } from '../src/errors.js';

const TOY_ERROR_CODES = { SHELF_FULL: 'The shelf holds no more items; nothing was changed.' } as const;
const toyError = errorFactory(TOY_ERROR_CODES);

test('a domain factory raises its own codes and the shared ones, with the code in extensions', () => {
  const own = toyError('SHELF_FULL', 'Shelf 3 is full', { shelf: 3 });
  assert.deepEqual(own.extensions, { shelf: 3, code: 'SHELF_FULL' });
  assert.equal(own.message, 'Shelf 3 is full');
  assert.equal(toyError('NOT_FOUND', 'No shelf 9').extensions['code'], 'NOT_FOUND');
});

test('raising a code no registry declares, or declaring a shared code again, does not compile', () => {
  // The directives below fail `check:types` when the line they guard compiles.
  // @ts-expect-error SHELF_EMPTY is declared nowhere
  assert.equal(toyError('SHELF_EMPTY', 'never declared').extensions['code'], 'SHELF_EMPTY');
  // @ts-expect-error meshError raises only the shared codes
  assert.equal(meshError('SHELF_FULL', 'a domain code').extensions['code'], 'SHELF_FULL');
  // @ts-expect-error a domain may not declare NOT_FOUND again
  assert.equal(typeof errorFactory({ NOT_FOUND: 'again' }), 'function');
});

test('the subscription and request codes are shared, each declared once with its meaning', () => {
  for (const code of ['SLOW_CONSUMER', 'TOO_MANY_SUBSCRIPTIONS', 'BAD_REQUEST', 'IDEMPOTENCY_KEY_REUSED', 'UNAVAILABLE', 'GRAPHQL_PARSE_FAILED'] as const) {
    assert.ok(COMMON_ERROR_CODES[code].length > 20, `${code} has a meaning`);
    assert.equal(meshError(code, 'x').extensions['code'], code);
  }
});

test('a reused idempotency key names the key and keeps its stable code', () => {
  const error = idempotencyKeyReused('key-1');
  assert.equal(error.extensions['code'], 'IDEMPOTENCY_KEY_REUSED');
  assert.equal(error.extensions['idempotencyKey'], 'key-1');
});

test("another service's error is passed on with its code and extensions unchanged", () => {
  const error = forwardedError({ message: 'No such SKU', extensions: { code: 'NOT_SOLD', sku: 'SKU-1' } });
  assert.equal(error.message, 'No such SKU');
  assert.deepEqual(error.extensions, { code: 'NOT_SOLD', sku: 'SKU-1' });
});

test('a deliberate error has no stack, and graphql-js locates it in a result without formatting one', () => {
  const error = toyError('SHELF_FULL', 'Shelf 3 is full');
  assert.equal(error.stack, undefined);
  // Count the stacks V8 formats while the error is located, as execution does for a resolver's throw.
  const formatted: string[] = [];
  const previous = Error.prepareStackTrace;
  Error.prepareStackTrace = (formattedError: Error, frames) => {
    formatted.push(`${formattedError.message} (${frames.length} frames)`);
    return formattedError.message;
  };
  try {
    const located = locatedError(error, undefined, ['shelf']);
    assert.deepEqual(located.path, ['shelf']);
    assert.equal(located.originalError, error);
    assert.deepEqual(located.extensions, { code: 'SHELF_FULL' });
  } finally {
    Error.prepareStackTrace = previous;
  }
  assert.deepEqual(formatted, []);
});
