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
  const key =
    verification.kind === 'jwks' ? createRemoteJWKSet(new URL(verification.jwksUrl)) : new TextEncoder().encode(verification.secret);
  const options = { issuer: verification.issuer, audience: verification.audience };

  async function verify(token: string): Promise<JWTPayload> {
    try {
      const { payload } = key instanceof Uint8Array ? await jwtVerify(token, key, { ...options, algorithms: ['HS256'] }) : await jwtVerify(token, key, options);
      return payload;
    } catch {
      throw unauthenticated('The bearer token is invalid or expired');
    }
  }

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
