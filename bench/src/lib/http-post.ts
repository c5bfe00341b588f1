import { Agent, request } from 'undici';

/**
 * One pool of kept-alive connections for every call the benchmark makes to the gateway.
 * Undici's `request` rather than the global `fetch`: the same client without the web streams
 * `fetch` wraps both bodies in, which made the load generator one of the busiest processes of a
 * flash sale on this 2-core machine (about 4 s of CPU per burst), CPU the mesh then lacked.
 */
const pool = new Agent({ keepAliveTimeout: 10_000 });

/** An HTTP answer, its body read whole. */
export interface HttpAnswer {
  readonly status: number;
  readonly text: string;
}

/** POSTs `body` as JSON to `url`; `signal` aborts it as it aborts a fetch (a TimeoutError for `AbortSignal.timeout`). */
export async function postJson(url: string, headers: Record<string, string>, body: string, signal?: AbortSignal): Promise<HttpAnswer> {
  const answer = await request(url, {
    dispatcher: pool,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    ...(signal ? { signal } : {}),
  });
  return { status: answer.statusCode, text: await answer.body.text() };
}
