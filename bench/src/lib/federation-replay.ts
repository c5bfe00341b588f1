/**
 * Scenario 2's direct side: replays a gateway query plan (fetched from our gateway with the
 * Apollo-Query-Plan-Experimental header, `internal` format) against the subgraphs themselves,
 * the way @apollo/gateway's executeQueryPlan does: fetch waves in sequence, `_entities` with
 * representations picked by each fetch's `requires`, answers merged into the tree. Only the plan
 * shapes our queries produce are supported (Sequence, Parallel, Flatten over Fetch, no rewrites,
 * no @defer, no conditions); anything else throws rather than measuring something different.
 */
import { type Agent, request as httpRequest } from 'node:http';
import { parse, type SelectionSetNode } from 'graphql';

export type JsonObject = { [key: string]: unknown };

export type PlanSelection =
  | { readonly kind: 'Field'; readonly name: string; readonly selections?: readonly PlanSelection[] }
  | { readonly kind: 'InlineFragment'; readonly typeCondition?: string; readonly selections: readonly PlanSelection[] };

export interface FetchNode {
  readonly kind: 'Fetch';
  readonly serviceName: string;
  readonly operation: string;
  readonly operationName?: string;
  readonly variableUsages?: readonly string[];
  readonly requires?: readonly PlanSelection[];
  readonly inputRewrites?: readonly unknown[];
  readonly outputRewrites?: readonly unknown[];
  readonly contextRewrites?: readonly unknown[];
}

export type PlanNode =
  | { readonly kind: 'Sequence' | 'Parallel'; readonly nodes: readonly PlanNode[] }
  | { readonly kind: 'Flatten'; readonly path: readonly (string | number)[]; readonly node: PlanNode }
  | FetchNode;

/** Where one service is and what it must be sent (the gateway: a bearer; a subgraph: x-mesh-principal). */
export interface ServiceTarget {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** POSTs one GraphQL body over keep-alive sockets; answers the parsed JSON body. */
export function postGraphql(agent: Agent, target: ServiceTarget, body: string): Promise<JsonObject> {
  return new Promise((resolve, reject) => {
    const url = new URL(target.url);
    const req = httpRequest(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...target.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve(JSON.parse(text) as JsonObject);
          } catch {
            reject(new Error(`${target.url}: HTTP ${res.statusCode}, not JSON: ${text.slice(0, 200)}`));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The data of a GraphQL answer; any error is thrown (a benchmark must not count broken answers). */
export function dataOf(answer: JsonObject, what: string): JsonObject {
  const errors = answer['errors'];
  if (Array.isArray(errors) && errors.length > 0) throw new Error(`${what}: ${JSON.stringify(errors).slice(0, 500)}`);
  const data = answer['data'];
  if (!isObject(data)) throw new Error(`${what}: answer without data`);
  return data;
}

/** Runs a plan against `services` and answers the merged tree (with the keys and __typename the plan added). */
export async function replayPlan(
  plan: PlanNode,
  variables: Readonly<Record<string, unknown>>,
  services: Readonly<Record<string, ServiceTarget>>,
  agent: Agent,
): Promise<JsonObject> {
  const root: JsonObject = {};
  const run = async (node: PlanNode, entities: () => JsonObject[]): Promise<void> => {
    switch (node.kind) {
      case 'Sequence':
        for (const child of node.nodes) await run(child, entities);
        return;
      case 'Parallel':
        await Promise.all(node.nodes.map((child) => run(child, entities)));
        return;
      case 'Flatten':
        return run(node.node, () => collect(root, node.path));
      case 'Fetch':
        return runFetch(node, entities(), variables, services, agent);
    }
  };
  await run(plan, () => [root]);
  return root;
}

async function runFetch(
  fetch: FetchNode,
  entities: readonly JsonObject[],
  requestVariables: Readonly<Record<string, unknown>>,
  services: Readonly<Record<string, ServiceTarget>>,
  agent: Agent,
): Promise<void> {
  if ([fetch.inputRewrites, fetch.outputRewrites, fetch.contextRewrites].some((rewrites) => rewrites && rewrites.length > 0)) {
    throw new Error(`fetch to ${fetch.serviceName} has rewrites, which the replay does not support`);
  }
  const target = services[fetch.serviceName];
  if (!target) throw new Error(`no URL for service ${fetch.serviceName}`);
  const variables: JsonObject = {};
  for (const name of fetch.variableUsages ?? []) if (requestVariables[name] !== undefined) variables[name] = requestVariables[name];
  const send = async (extra: JsonObject) =>
    dataOf(
      await postGraphql(agent, target, JSON.stringify({ query: fetch.operation, operationName: fetch.operationName, variables: { ...variables, ...extra } })),
      fetch.serviceName,
    );
  if (!fetch.requires) {
    const data = await send({});
    for (const entity of entities) deepMerge(entity, data);
    return;
  }
  const requires = fetch.requires;
  const representations: JsonObject[] = [];
  const owners: JsonObject[] = [];
  for (const entity of entities) {
    const representation = pick(entity, requires);
    if (typeof representation['__typename'] === 'string') {
      representations.push(representation);
      owners.push(entity);
    }
  }
  if (representations.length === 0) return;
  const received = (await send({ representations }))['_entities'];
  if (!Array.isArray(received) || received.length !== representations.length)
    throw new Error(`${fetch.serviceName}: _entities does not match the representations`);
  received.forEach((entity, index) => {
    if (isObject(entity)) deepMerge(owners[index]!, entity);
  });
}

/** The objects at a plan path ('@' walks into every element of a list); nulls are skipped, as the gateway does. */
function collect(root: JsonObject, path: readonly (string | number)[]): JsonObject[] {
  let current: unknown[] = [root];
  for (const step of path) {
    const next: unknown[] = [];
    for (const value of current) {
      if (step === '@') {
        if (Array.isArray(value)) next.push(...value);
      } else if (isObject(value)) {
        next.push(value[String(step)]);
      }
    }
    current = next;
  }
  return current.flatMap((value) => (Array.isArray(value) ? value : [value])).filter(isObject);
}

/** A representation: the fields `requires` names, read from what earlier fetches merged in. */
function pick(entity: JsonObject, selections: readonly PlanSelection[]): JsonObject {
  const out: JsonObject = {};
  for (const selection of selections) {
    if (selection.kind === 'InlineFragment') {
      if (!selection.typeCondition || entity['__typename'] === selection.typeCondition) Object.assign(out, pick(entity, selection.selections));
      continue;
    }
    const value = entity[selection.name];
    out[selection.name] = selection.selections ? pickValue(value, selection.selections) : value;
  }
  return out;
}

function pickValue(value: unknown, selections: readonly PlanSelection[]): unknown {
  if (Array.isArray(value)) return value.map((item) => pickValue(item, selections));
  return isObject(value) ? pick(value, selections) : value;
}

function deepMerge(target: JsonObject, source: JsonObject): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (isObject(existing) && isObject(value)) deepMerge(existing, value);
    else if (Array.isArray(existing) && Array.isArray(value) && existing.length === value.length) {
      value.forEach((item, index) => {
        const mine = existing[index];
        if (isObject(mine) && isObject(item)) deepMerge(mine, item);
        else existing[index] = item;
      });
    } else target[key] = value;
  }
}

/**
 * The client's view of a merged tree: only the fields (under their aliases) the client's query
 * selected, so the direct answer can be compared with the gateway's. Fragments are inlined
 * without a type check (our queries select concrete types only).
 */
export function projectOnto(query: string, data: JsonObject): JsonObject {
  const operation = parse(query).definitions.find((definition) => definition.kind === 'OperationDefinition');
  if (!operation || operation.kind !== 'OperationDefinition') throw new Error('the query has no operation');
  return projectObject(operation.selectionSet, data);
}

function projectObject(selectionSet: SelectionSetNode, data: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const selection of selectionSet.selections) {
    if (selection.kind === 'InlineFragment') Object.assign(out, projectObject(selection.selectionSet, data));
    else if (selection.kind === 'Field') {
      const key = selection.alias?.value ?? selection.name.value;
      const value = data[key];
      out[key] = selection.selectionSet ? projectValue(selection.selectionSet, value) : value;
    } else throw new Error('named fragments are not supported by the projection');
  }
  return out;
}

function projectValue(selectionSet: SelectionSetNode, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => projectValue(selectionSet, item));
  return isObject(value) ? projectObject(selectionSet, value) : value;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
