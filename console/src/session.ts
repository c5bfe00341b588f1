/** Who is signed in: a bearer token the gateway verifies, and the role it claims. */
export interface Session {
  readonly token: string;
  readonly role: ConsoleRole;
  readonly subject: string;
}

/** The roles the console serves: analysts read everything, admins may also replay. */
export type ConsoleRole = 'analyst' | 'admin';

const STORAGE_KEY = 'mesh-console-token';

/** Why a token cannot open the console, or null when it can. */
export function refusalOf(token: string): string | null {
  const claims = claimsOf(token);
  if (!claims) return 'That is not a bearer token (expected a JWT).';
  if (claims.role !== 'analyst' && claims.role !== 'admin') {
    return `The operations console is for analysts and admins: a token with the role "${claims.role ?? 'none'}" is refused.`;
  }
  return null;
}

/**
 * Opens a session for `token`. The role is read from the token only to shape the page (hide
 * nothing, label things); the gateway verifies the signature and enforces every permission.
 */
export function sessionOf(token: string): Session | null {
  const claims = claimsOf(token);
  if (!claims || refusalOf(token)) return null;
  return { token, role: claims.role as ConsoleRole, subject: claims.sub ?? 'unknown' };
}

export function rememberedToken(): string | null {
  return sessionStorage.getItem(STORAGE_KEY);
}

export function remember(token: string | null): void {
  if (token) sessionStorage.setItem(STORAGE_KEY, token);
  else sessionStorage.removeItem(STORAGE_KEY);
}

function claimsOf(token: string): { role?: string; sub?: string } | null {
  const [, payload] = token.trim().split('.');
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims: unknown = JSON.parse(json);
    return typeof claims === 'object' && claims !== null ? (claims as { role?: string; sub?: string }) : null;
  } catch {
    return null;
  }
}
