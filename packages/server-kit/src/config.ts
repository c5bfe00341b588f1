/**
 * Typed, fail-fast readers for environment configuration. Every service parses its
 * configuration once at start-up into a frozen object; a missing or malformed value stops
 * the process with a message that names the variable.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

export function readString(env: Env, name: string, fallback?: string): string {
  const value = env[name];
  if (value !== undefined && value !== '') return value;
  if (fallback !== undefined) return fallback;
  throw new ConfigError(`${name} is required`);
}

export function readOptionalString(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

export function readInt(env: Env, name: string, fallback: number, bounds: { min?: number; max?: number } = {}): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new ConfigError(`${name} must be an integer, got "${raw}"`);
  if (bounds.min !== undefined && value < bounds.min) throw new ConfigError(`${name} must be >= ${bounds.min}`);
  if (bounds.max !== undefined && value > bounds.max) throw new ConfigError(`${name} must be <= ${bounds.max}`);
  return value;
}

export function readPort(env: Env, name: string, fallback: number): number {
  return readInt(env, name, fallback, { min: 0, max: 65535 });
}

export function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

/** Parses a setting holding a JSON object (`mustBe` completes "NAME must be ..." when it is not one). */
export function parseJsonObject(name: string, raw: string, mustBe: string): Readonly<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`${name} must be ${mustBe}`);
  return parsed as Readonly<Record<string, unknown>>;
}

/** The environment the process runs in; production turns off dev conveniences (Sandbox, dev keys). */
export type RuntimeEnvironment = 'development' | 'test' | 'production';

export function readEnvironment(env: Env): RuntimeEnvironment {
  const raw = env['NODE_ENV'] ?? 'development';
  if (raw === 'development' || raw === 'test' || raw === 'production') return raw;
  throw new ConfigError(`NODE_ENV must be development, test or production, got "${raw}"`);
}

/**
 * The secret the gateway signs forwarded principals with. Development and tests get a fixed
 * default so the mesh runs with no set-up; production refuses to start without a real one.
 */
export function readInternalSecret(env: Env): string {
  const environment = readEnvironment(env);
  const secret = readOptionalString(env, 'MESH_INTERNAL_SECRET');
  if (secret !== undefined) {
    if (secret.length < 32) throw new ConfigError('MESH_INTERNAL_SECRET must be at least 32 characters');
    return secret;
  }
  if (environment === 'production') throw new ConfigError('MESH_INTERNAL_SECRET is required in production');
  return 'dev-only-internal-secret-change-me-in-production';
}
