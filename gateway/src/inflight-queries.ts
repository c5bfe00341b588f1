import { GATEWAY_CREDENTIAL_HEADER } from '@mesh/server-kit';
import { SubgraphAnswer } from './subgraph-answer.js';
import type { SubgraphFetch } from './subgraph-data-source.js';

interface SharedAnswer {
  readonly status: number;
  readonly statusText: string;
  readonly headers: [string, string][];
  readonly body: string;
}

// Apollo's query planner writes subgraph operations as `query Name(...)` or `{...}`; anything
// else (mutations, or a body we cannot read) is never shared.
const QUERY_BODY = /^\{"query":"(query\b|\{)/;
const MUTATION_BODY = /^\{"query":"mutation\b/;

/**
 * Shares one subgraph fetch between identical queries in flight at the same time: the same URL,
 * body (operation and variables) and caller credential, so nobody sees data meant for another
 * principal. Under a hot product page, dozens of requests ask a subgraph the same `_entities`
 * question within a few milliseconds; one answer serves them all. Every caller gets its own
 * answer to parse, so no two requests share result objects.
 *
 * Read-your-writes holds for writes through this gateway: a mutation sent to a subgraph makes
 * every query already in flight to it unjoinable, so a query that starts after the mutation
 * never receives an answer read before it.
 */
export function shareInflightQueries(fetch: SubgraphFetch): SubgraphFetch {
  const inflight = new Map<string, Map<string, Promise<SharedAnswer>>>();
  return async (url, init) => {
    const body = typeof init.body === 'string' ? init.body : undefined;
    if (body === undefined || !QUERY_BODY.test(body)) {
      if (body === undefined || MUTATION_BODY.test(body)) inflight.delete(url);
      return fetch(url, init);
    }
    const credential = new Headers(init.headers).get(GATEWAY_CREDENTIAL_HEADER) ?? '';
    const key = `${credential}\n${body}`;
    let forUrl = inflight.get(url);
    if (!forUrl) inflight.set(url, (forUrl = new Map()));
    const urlEntries = forUrl;
    let shared = urlEntries.get(key);
    if (!shared) {
      shared = fetch(url, init).then(async (response) => ({
        status: response.status,
        statusText: response.statusText,
        headers: [...response.headers],
        body: await response.text(),
      }));
      const settled = shared;
      urlEntries.set(key, settled);
      const forget = () => {
        if (urlEntries.get(key) === settled) urlEntries.delete(key);
      };
      settled.then(forget, forget);
    }
    const answer = await shared;
    return new SubgraphAnswer({ url, status: answer.status, statusText: answer.statusText, headers: answer.headers, body: answer.body });
  };
}
