import type { IncomingMessage } from 'node:http';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { ANONYMOUS, isRole, unauthenticated, type Principal } from '@mesh/server-kit';
import type { TokenVerification } from './config.js';

/**
 * Turns the request's bearer token into a principal. No token means anonymous; a token that
 * does not verify (bad signature, expired, wrong issuer or audience, unknown role) is refused
 * with UNAUTHENTICATED rather than silently downgraded.
 */
export function createBearerAuthenticator(verification: TokenVerification) {
  const key = verification.kind === 'jwks' ? createRemoteJWKSet(new URL(verification.jwksUrl)) : new TextEncoder().encode(verification.secret);
  const options = { issuer: verification.issuer, audience: verification.audience };
  const verified = new VerifiedTokens();

  async function check(token: string): Promise<JWTPayload> {
    try {
      const { payload } = key instanceof Uint8Array ? await jwtVerify(token, key, { ...options, algorithms: ['HS256'] }) : await jwtVerify(token, key, options);
      return payload;
    } catch {
      throw unauthenticated('The bearer token is invalid or expired');
    }
  }

  // Concurrent requests with the same token (a burst from one client) share one verification.
  const verify = (token: string): Promise<JWTPayload> => verified.get(token) ?? verified.add(token, check(token));

  return async function authenticate(req: Pick<IncomingMessage, 'headers'>): Promise<Principal> {
    const header = req.headers.authorization;
    if (!header) return ANONYMOUS;
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw unauthenticated('The Authorization header must be "Bearer <token>"');
    const payload = await verify(match[1]);
    const role = payload['role'];
    if (!isRole(role)) throw unauthenticated('The token names no known role');
    const customerId = payload['customer_id'];
    const storeId = payload['store_id'];
    if (role === 'customer' && typeof customerId !== 'string') throw unauthenticated('A customer token must carry customer_id');
    return Object.freeze({
      role,
      ...(payload.sub ? { subject: payload.sub } : {}),
      ...(typeof customerId === 'string' ? { customerId } : {}),
      ...(typeof storeId === 'string' ? { storeId } : {}),
    });
  };
}

/** Tokens remembered at most: the newest this many. */
const VERIFIED_TOKENS_KEPT = 10_000;
/** How long a verified token is remembered at most, even when it expires later (JWKS keys rotate). */
const VERIFIED_TOKEN_TTL_MS = 5 * 60_000;

/**
 * Bearer tokens being verified or verified, remembered until they expire (or
 * VERIFIED_TOKEN_TTL_MS): a client sends the same token with every request, and verifying its
 * signature each time cost the gateway more CPU than planning and forwarding a cached query. Keyed
 * by the whole token string, so only that exact token, signature included, is ever answered from
 * memory; a token that fails verification is forgotten at once.
 */
class VerifiedTokens {
  private readonly tokens = new Map<string, { verification: Promise<JWTPayload>; until: number }>();

  get(token: string): Promise<JWTPayload> | undefined {
    const entry = this.tokens.get(token);
    if (!entry) return undefined;
    if (Date.now() < entry.until) return entry.verification;
    this.tokens.delete(token);
    return undefined;
  }

  add(token: string, verification: Promise<JWTPayload>): Promise<JWTPayload> {
    if (this.tokens.size >= VERIFIED_TOKENS_KEPT) this.tokens.delete(this.tokens.keys().next().value as string);
    const entry = { verification, until: Date.now() + VERIFIED_TOKEN_TTL_MS };
    this.tokens.set(token, entry);
    verification.then(
      (payload) => {
        if (payload.exp !== undefined) entry.until = Math.min(entry.until, payload.exp * 1000);
      },
      () => {
        if (this.tokens.get(token) === entry) this.tokens.delete(token);
      },
    );
    return verification;
  }
}
