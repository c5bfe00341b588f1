import { GraphQLError } from 'graphql';
import type { ExecutionResult, FormattedExecutionResult } from 'graphql-ws';
import type { Logger } from '@mesh/server-kit';
import { RESUME_CURSOR_ALIAS, RESUME_KIND_ALIAS } from './cursor-resume.js';
import { executeEvent, type EventExecution } from './event-execution.js';
import { sharedPayload, type Subscriber } from './subscriber.js';
import type { SubscriptionPlan } from './subscription-planner.js';
import type { UpstreamPool, UpstreamRequest } from './upstream-pool.js';

// Why: clienteling tablets and storefront pages watch the same few SKUs and stores with the same
// documents. Identical subscriptions (same document, variables and caller: see grouping-key.ts)
// share one upstream subscription; each event runs the rest of the plan once and is serialised
// once, and the same bytes go to every subscriber. Subscribers leave one by one; the last one
// out ends the upstream subscription. A subscriber that caught up on its own (a snapshot, a
// resume) is handed over at the first event both it and the group have delivered.

export interface GroupOptions {
  readonly execution: Omit<EventExecution, 'logger'>;
  /** What to subscribe to upstream (the primary fetch with the subscriber's variables). */
  readonly upstream: UpstreamRequest;
  readonly pool: UpstreamPool;
  readonly logger: Logger;
  /** Shapes a result's errors for clients (the HTTP error formatter), once per event; final results are shaped by graphql-ws's onNext. */
  readonly formatResult: (result: ExecutionResult) => FormattedExecutionResult;
  /** Run once when the group takes no more subscribers (emptied, or its upstream ended). */
  readonly onClosed: () => void;
  /** Run after each event was written to every subscriber, with its cursor when it is a CHANGE of a resumable field. */
  readonly onDelivered?: (cursor: string | undefined) => void;
}

/** The primary fetch of a plan as sent upstream, with the variables it uses. */
export function primaryRequest(plan: SubscriptionPlan, variables: Readonly<Record<string, unknown>>): UpstreamRequest {
  const used = (plan.primary.variableUsages ?? []).filter((name) => name in variables);
  return {
    query: plan.primary.operation,
    operationName: plan.primary.operationName,
    variables: Object.fromEntries(used.map((name) => [name, variables[name]])),
  };
}

/** The cursor of a CHANGE update (not of snapshot rows, which share the position they were read at). */
function changeCursorOf(data: Readonly<Record<string, unknown>> | null | undefined): string | undefined {
  const root = Object.values(data ?? {})[0];
  if (!root || typeof root !== 'object') return undefined;
  const { [RESUME_CURSOR_ALIAS]: cursor, [RESUME_KIND_ALIAS]: kind } = root as Record<string, unknown>;
  return kind === 'CHANGE' && typeof cursor === 'string' ? cursor : undefined;
}

interface Arrival {
  /** The cursor of the last event the arriving subscriber received on its own upstream subscription. */
  readonly cursor: string;
  /** Run when it became a member: it leaves its own upstream subscription. */
  readonly joined: () => void;
}

export class SubscriptionGroup {
  private readonly subscribers = new Set<Subscriber>();
  /** Subscribers catching up on their own, each waiting for this group to deliver the cursor it reached. */
  private readonly arriving = new Map<Subscriber, Arrival>();
  private readonly stopUpstream: () => void;
  // Events are resolved one after another so every subscriber receives them in upstream order.
  private queue = Promise.resolve();
  private closed = false;
  private stopped = false;
  private lastCursor: string | undefined;

  constructor(private readonly options: GroupOptions) {
    const { execution, pool } = options;
    const logger = options.logger.child({ correlationId: execution.context.correlationId });
    const serviceName = execution.plan.primary.serviceName;
    this.stopUpstream = pool.subscribe(serviceName, options.upstream, execution.context, {
      next: (event) =>
        this.enqueue(logger, async () => {
          // A group that only holds subscribers still catching up needs the cursor, not the result;
          // one that gained a member while the event was on its way resolves it after all.
          const resolve = () => executeEvent({ ...execution, logger }, event);
          const result = this.subscribers.size > 0 ? await resolve() : undefined;
          this.broadcast(result ?? (this.subscribers.size > 0 ? await resolve() : undefined), changeCursorOf(event.data));
        }),
      error: (errors) => {
        this.close();
        const final = { errors: errors.map((error) => new GraphQLError(error.message, { extensions: { ...error.extensions, serviceName } })) };
        this.enqueue(logger, () => this.finishAll(final));
      },
      complete: () => {
        this.close();
        this.enqueue(logger, () => this.finishAll());
      },
    });
  }

  /** Whether a new subscriber may still join (false once the upstream ended or the last subscriber left). */
  get open(): boolean {
    return !this.closed;
  }

  add(subscriber: Subscriber): void {
    this.subscribers.add(subscriber);
  }

  /**
   * A subscriber that received everything up to `cursor` on its own upstream subscription joins
   * as soon as this group has delivered that same event, so it misses and repeats nothing;
   * until then it stays where it is (called again with each newer cursor it receives).
   */
  handOver(subscriber: Subscriber, cursor: string, joined: () => void): void {
    if (this.closed) return;
    if (this.lastCursor !== cursor) return void this.arriving.set(subscriber, { cursor, joined });
    this.arriving.delete(subscriber);
    this.subscribers.add(subscriber);
    joined();
  }

  /** Called when a subscriber's subscription ends; the last one out stops the upstream subscription. */
  remove(subscriber: Subscriber): void {
    this.subscribers.delete(subscriber);
    this.arriving.delete(subscriber);
    if (this.subscribers.size > 0 || this.arriving.size > 0 || this.stopped) return;
    this.stopped = true;
    this.close();
    this.stopUpstream();
  }

  private enqueue(logger: Logger, step: () => Promise<void> | void): void {
    this.queue = this.queue.then(step).catch((error: unknown) => {
      logger.error({ err: error }, 'resolving a subscription event failed');
      this.broadcast({ errors: [new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })] }, undefined);
    });
  }

  private broadcast(result: ExecutionResult | undefined, cursor: string | undefined): void {
    if (result && this.subscribers.size > 0) {
      const payload = sharedPayload(this.options.formatResult(result));
      for (const subscriber of this.subscribers) subscriber.write(payload);
    }
    this.lastCursor = cursor;
    if (cursor === undefined) return;
    for (const [subscriber, arrival] of this.arriving) {
      if (arrival.cursor === cursor) this.handOver(subscriber, cursor, arrival.joined);
    }
    this.options.onDelivered?.(cursor);
  }

  private finishAll(last?: ExecutionResult): void {
    this.arriving.clear();
    for (const subscriber of [...this.subscribers]) subscriber.finish(last);
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.options.onClosed();
  }
}
