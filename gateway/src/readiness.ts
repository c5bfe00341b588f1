import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SupergraphSource } from './supergraph/supergraph-source.js';

/** What /ready answers: whether every subgraph answers, and which supergraph serves (with a refused reload, if any). */
export interface GatewayReadiness {
  readonly status: 'ready' | 'not-ready';
  readonly supergraph: {
    readonly id: string;
    readonly loadedAt: string;
    readonly subgraphs: readonly { readonly name: string; readonly url: string; readonly ready: boolean }[];
    /** The last reload that was refused (the supergraph above keeps serving); null once one succeeds. */
    readonly reloadError: { readonly message: string; readonly at: string } | null;
  };
}

/**
 * The gateway's /ready: 200 when every subgraph of the serving supergraph answers its /ready,
 * 503 otherwise. A refused reload does not make the gateway unready (it still serves the previous
 * supergraph) but is shown, so a deploy can see that its new composition was not taken.
 * Subgraphs are probed at most once a second so a load balancer's probes do not multiply.
 */
export function createReadinessRoute(source: SupergraphSource): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  let last: { at: number; id: string; ready: Map<string, boolean> } = { at: 0, id: '', ready: new Map() };
  async function probe(current: SupergraphSource['current']): Promise<Map<string, boolean>> {
    const { id, routes } = current;
    if (last.id === id && Date.now() - last.at < 1000) return last.ready;
    const results = await Promise.all(routes.map(async (route) => [route.name, await answers(route.url)] as const));
    last = { at: Date.now(), id, ready: new Map(results) };
    return last.ready;
  }
  return async (_req, res) => {
    // One snapshot for the probe and the answer: a reload between them would otherwise report the
    // new supergraph's subgraphs with the old one's probe results (a new subgraph shown not ready).
    const current = source.current;
    const ready = await probe(current);
    const { id, loadedAt, routes } = current;
    const failure = source.reloadFailure;
    const subgraphs = routes.map((route) => ({ name: route.name, url: route.url, ready: ready.get(route.name) ?? false }));
    const body: GatewayReadiness = {
      status: subgraphs.every((subgraph) => subgraph.ready) ? 'ready' : 'not-ready',
      supergraph: { id, loadedAt, subgraphs, reloadError: failure ? { message: failure.message, at: failure.at } : null },
    };
    res.writeHead(body.status === 'ready' ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
}

/**
 * Our subgraphs answer /ready with 200, or 503 while their database is away. A subgraph from
 * elsewhere may have no /ready at all: any answer below 500 shows it is up.
 */
async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(new URL('/ready', url), { signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
    return response.status < 500;
  } catch {
    return false;
  }
}
