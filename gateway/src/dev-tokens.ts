import { SignJWT } from 'jose';
import type { Principal } from '@mesh/server-kit';
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER, DEV_TOKEN_SECRET } from './config.js';

/**
 * Signs a development bearer token for a principal with the dev secret the gateway accepts
 * outside production (scripts/mint-token.ts and the end-to-end tests use it). Production
 * verifies against AUTH_JWKS_URL, where these tokens are refused.
 */
export async function signDevToken(
  principal: Principal,
  options: { secret?: string; issuer?: string; audience?: string; expiresIn?: string } = {},
): Promise<string> {
  return new SignJWT({
    role: principal.role,
    ...(principal.customerId ? { customer_id: principal.customerId } : {}),
    ...(principal.storeId ? { store_id: principal.storeId } : {}),
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(options.issuer ?? DEFAULT_ISSUER)
    .setAudience(options.audience ?? DEFAULT_AUDIENCE)
    .setSubject(principal.subject ?? `${principal.role}-dev`)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '12h')
    .sign(new TextEncoder().encode(options.secret ?? DEV_TOKEN_SECRET));
}
