import { Histogram, type Registry } from 'prom-client';
import { REQUEST_BUCKETS } from '@mesh/server-kit';
import type { SubgraphFetch } from './subgraph-data-source.js';

/** How one subgraph fetch ended: an answer (ok or an HTTP error status), a timeout, or no answer. */
export type SubgraphFetchOutcome = 'ok' | 'http_error' | 'timeout' | 'network_error';

/** mesh_subgraph_fetch_duration_seconds{subgraph, outcome}: every fetch the gateway makes to a subgraph. */
export function createSubgraphFetchHistogram(registry: Registry): Histogram<'subgraph' | 'outcome'> {
  return new Histogram({
    name: 'mesh_subgraph_fetch_duration_seconds',
    help: 'Fetches from the gateway to a subgraph, by subgraph and outcome (ok, http_error, timeout, network_error)',
    labelNames: ['subgraph', 'outcome'],
    buckets: REQUEST_BUCKETS,
    registers: [registry],
  });
}

/** The same fetch, timed into `histogram` under the subgraph's name (a name from the supergraph, so bounded). */
export function timedSubgraphFetch(fetch: SubgraphFetch, subgraph: string, histogram: Histogram<'subgraph' | 'outcome'>): SubgraphFetch {
  return async (url, init) => {
    const stop = histogram.startTimer({ subgraph });
    try {
      const response = await fetch(url, init);
      stop({ outcome: response.ok ? 'ok' : 'http_error' });
      return response;
    } catch (error) {
      stop({ outcome: (error as Error).name === 'TimeoutError' ? 'timeout' : 'network_error' });
      throw error;
    }
  };
}
