import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignJWT } from 'jose';
import { createBearerAuthenticator } from '../src/bearer-auth.js';

const verification = { kind: 'dev-secret', secret: 'bearer-auth-test-secret-of-enough-length', issuer: 'retail-mesh-dev', audience: 'retail-mesh' } as const;
const key = new TextEncoder().encode(verification.secret);

const sign = (claims: Record<string, unknown>, expiresAt: number, secret = key) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(verification.issuer)
    .setAudience(verification.audience)
    .setSubject('tester')
    .setExpirationTime(Math.floor(expiresAt / 1000))
    .sign(secret);

const asRequest = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

async function codeOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    return (error as { extensions?: { code?: unknown } }).extensions?.code;
  }
}

test('a remembered token is refused once it expires: verification is remembered no longer than the token lives', async () => {
  const authenticate = createBearerAuthenticator(verification);
  const token = await sign({ role: 'admin' }, Date.now() + 2000);
  assert.equal((await authenticate(asRequest(token))).role, 'admin');
  assert.equal((await authenticate(asRequest(token))).role, 'admin', 'the same token again (from memory)');
  await sleep(2100);
  assert.equal(await codeOf(authenticate(asRequest(token))), 'UNAUTHENTICATED');
});

test('only the exact token that verified is remembered: the same claims under a forged signature are refused', async () => {
  const authenticate = createBearerAuthenticator(verification);
  const expiresAt = Date.now() + 60_000;
  const good = await sign({ role: 'admin' }, expiresAt);
  assert.equal((await authenticate(asRequest(good))).role, 'admin');
  const forged = await sign({ role: 'admin' }, expiresAt, new TextEncoder().encode('another-secret-of-enough-length-too'));
  assert.equal(forged.split('.').slice(0, 2).join('.'), good.split('.').slice(0, 2).join('.'), 'same header and claims, other signature');
  assert.equal(await codeOf(authenticate(asRequest(forged))), 'UNAUTHENTICATED');
  const at = good.lastIndexOf('.') + 5; // a character inside the signature that carries 6 bits of it
  const tampered = `${good.slice(0, at)}${good[at] === 'x' ? 'y' : 'x'}${good.slice(at + 1)}`;
  assert.equal(await codeOf(authenticate(asRequest(tampered))), 'UNAUTHENTICATED');
});
