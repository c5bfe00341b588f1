import type { Supergraph } from '@apollo/federation-internals';
import { ConfigError, parseJsonObject } from '@mesh/server-kit';

// Why: a new domain joins the mesh by composition and configuration alone. The supergraph names
// every subgraph and the URL it was composed with (`join__graph`); configuration may move any of
// them by name (another host per environment), and nothing in the gateway lists the domains.

type Env = Readonly<Record<string, string | undefined>>;

/** One subgraph the supergraph routes to, and the URL the gateway sends its fetches to. */
export interface SubgraphRoute {
  readonly name: string;
  readonly url: string;
  /** Where the URL came from: the supergraph's `join__graph`, or a configured override. */
  readonly source: 'supergraph' | 'config';
}

/** The key a subgraph's URL override is stored under: its name upper-cased, non-alphanumerics as `_`. */
export function overrideKey(subgraphName: string): string {
  return subgraphName.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/**
 * Reads subgraph URL overrides, weakest first: `<NAME>_URL` (the original variables, kept so
 * existing deployments work), `SUBGRAPH_URLS` (a JSON object of name -> URL), then
 * `SUBGRAPH_URL_<NAME>`. Throws ConfigError for a malformed JSON object or URL.
 */
export function readSubgraphUrlOverrides(env: Env): Readonly<Record<string, string>> {
  const overrides: Record<string, string> = {};
  const names = Object.keys(env);
  for (const name of names) {
    const legacy = /^([A-Z0-9_]+)_URL$/.exec(name);
    if (!legacy?.[1] || name.startsWith('SUBGRAPH_URL_') || name === 'SUBGRAPH_URLS') continue;
    const value = env[name];
    // Only http(s) values can be subgraph URLs; NATS_URL, REDIS_URL and the like are someone else's.
    if (value && /^https?:\/\//.test(value)) overrides[legacy[1]] = value;
  }
  const json = env['SUBGRAPH_URLS'];
  if (json) {
    for (const [name, url] of Object.entries(parseJsonObject('SUBGRAPH_URLS', json, 'a JSON object of subgraph name -> URL'))) {
      if (typeof url !== 'string') throw new ConfigError(`SUBGRAPH_URLS: the URL of "${name}" must be a string`);
      overrides[overrideKey(name)] = checkedUrl(`SUBGRAPH_URLS.${name}`, url);
    }
  }
  for (const name of names) {
    if (!name.startsWith('SUBGRAPH_URL_')) continue;
    const value = env[name];
    if (value) overrides[name.slice('SUBGRAPH_URL_'.length)] = checkedUrl(name, value);
  }
  return Object.freeze(overrides);
}

/**
 * Every subgraph of a supergraph with the URL to use: the override for its name if configured,
 * else its `join__graph` URL. Throws when a subgraph ends up with no usable URL.
 */
export function resolveSubgraphRoutes(supergraph: Supergraph, overrides: Readonly<Record<string, string>>): readonly SubgraphRoute[] {
  return supergraph.subgraphsMetadata().map(({ name, url }) => {
    const override = overrides[overrideKey(name)];
    if (override) return { name, url: override, source: 'config' as const };
    if (!url || !/^https?:\/\//.test(url)) {
      throw new Error(`the supergraph gives subgraph "${name}" no http(s) URL ("${url}"); set SUBGRAPH_URL_${overrideKey(name)}`);
    }
    return { name, url, source: 'supergraph' as const };
  });
}

function checkedUrl(name: string, value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return value;
  } catch {
    // reported below
  }
  throw new ConfigError(`${name} must be an http(s) URL, got "${value}"`);
}
