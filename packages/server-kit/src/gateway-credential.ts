import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { isRole, type Principal } from './roles.js';

/**
 * The gateway forwards the caller's principal to subgraphs as a short-lived JWS signed with
 * a secret only the gateway and the subgraphs hold. A subgraph trusts nothing else: a request
 * without a valid credential did not come through the gateway and is refused.
 */
export const GATEWAY_CREDENTIAL_HEADER = 'x-mesh-principal';
const AUDIENCE = 'mesh-subgraphs';
const ISSUER = 'mesh-gateway';
const LIFETIME_SECONDS = 120;

export async function signGatewayCredential(principal: Principal, secret: Uint8Array): Promise<string> {
  return new SignJWT({
    role: principal.role,
    ...(principal.customerId ? { customer_id: principal.customerId } : {}),
    ...(principal.storeId ? { store_id: principal.storeId } : {}),
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(principal.subject ?? 'anonymous')
    .setIssuedAt()
    .setExpirationTime(`${LIFETIME_SECONDS}s`)
    .sign(secret);
}

export class InvalidGatewayCredential extends Error {
  override readonly name = 'InvalidGatewayCredential';
}

export async function verifyGatewayCredential(token: string, secret: Uint8Array): Promise<Principal> {
  return (await verifyWithExpiry(token, secret)).principal;
}

async function verifyWithExpiry(token: string, secret: Uint8Array): Promise<{ principal: Principal; expiresAt: number }> {
  try {
    const { payload } = await jwtVerify(token, secret, { audience: AUDIENCE, issuer: ISSUER, algorithms: ['HS256'] });
    if (!isRole(payload['role'])) throw new InvalidGatewayCredential('credential names no known role');
    const customerId = payload['customer_id'];
    const storeId = payload['store_id'];
    const principal: Principal = Object.freeze({
      role: payload['role'],
      ...(payload.sub && payload.sub !== 'anonymous' ? { subject: payload.sub } : {}),
      ...(typeof customerId === 'string' ? { customerId } : {}),
      ...(typeof storeId === 'string' ? { storeId } : {}),
    });
    return { principal, expiresAt: (payload.exp ?? 0) * 1000 };
  } catch (error) {
    if (error instanceof InvalidGatewayCredential) throw error;
    if (error instanceof joseErrors.JOSEError) throw new InvalidGatewayCredential(error.code);
    throw error;
  }
}

/**
 * Keeps a signed credential per principal for most of its lifetime so the gateway does not
 * sign once per subgraph fetch.
 */
export class GatewayCredentialCache {
  private readonly cache = new Map<string, { token: string; expiresAt: number }>();
  constructor(private readonly secret: Uint8Array) {}

  async credentialFor(principal: Principal): Promise<string> {
    const key = `${principal.role}|${principal.subject ?? ''}|${principal.customerId ?? ''}|${principal.storeId ?? ''}`;
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && hit.expiresAt > now) return hit.token;
    const token = await signGatewayCredential(principal, this.secret);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { token, expiresAt: now + (LIFETIME_SECONDS / 2) * 1000 });
    return token;
  }
}

/** Verifies credentials and remembers valid ones until shortly before they expire. */
export class GatewayCredentialVerifier {
  private readonly cache = new Map<string, { principal: Principal; expiresAt: number }>();
  constructor(private readonly secret: Uint8Array) {}

  async verify(token: string): Promise<Principal> {
    const now = Date.now();
    const hit = this.cache.get(token);
    if (hit && hit.expiresAt > now) return hit.principal;
    const verified = await verifyWithExpiry(token, this.secret);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(token, verified);
    return verified.principal;
  }
}

export function secretKey(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}
