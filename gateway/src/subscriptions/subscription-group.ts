import { GraphQLError } from 'graphql';
import type { ExecutionResult, FormattedExecutionResult } from 'graphql-ws';
import type { Logger } from '@mesh/server-kit';
import { executeEvent, type EventExecution } from './event-execution.js';
import { sharedPayload, type Subscriber } from './subscriber.js';
import type { UpstreamPool } from './upstream-pool.js';

// Why: clienteling tablets and storefront pages watch the same few SKUs and stores with the same
// documents. Identical subscriptions (same document, variables and caller: see grouping-key.ts)
// share one upstream subscription; each event runs the rest of the plan once and is serialised
// once, and the same bytes go to every subscriber. Subscribers leave one by one; the last one
// out ends the upstream subscription.

export interface GroupOptions {
  readonly execution: Omit<EventExecution, 'logger'>;
  readonly pool: UpstreamPool;
  readonly logger: Logger;
  /** Shapes a result's errors for clients (the HTTP error formatter), once per event; final results are shaped by graphql-ws's onNext. */
  readonly formatResult: (result: ExecutionResult) => FormattedExecutionResult;
  /** Run once when the group takes no more subscribers (emptied, or its upstream ended). */
  readonly onClosed: () => void;
}

export class SubscriptionGroup {
  private readonly subscribers = new Set<Subscriber>();
  private readonly stopUpstream: () => void;
  // Events are resolved one after another so every subscriber receives them in upstream order.
  private queue = Promise.resolve();
  private closed = false;

  constructor(private readonly options: GroupOptions) {
    const { execution, pool } = options;
    const { plan, variables, context } = execution;
    const logger = options.logger.child({ correlationId: context.correlationId });
    const primaryVariables = Object.fromEntries((plan.primary.variableUsages ?? []).filter((name) => name in variables).map((name) => [name, variables[name]]));
    this.stopUpstream = pool.subscribe(
      plan.primary.serviceName,
      { query: plan.primary.operation, operationName: plan.primary.operationName, variables: primaryVariables },
      context,
      {
        next: (event) =>
          this.enqueue(logger, async () => {
            this.broadcast(await executeEvent({ ...execution, logger }, event));
          }),
        error: (errors) => {
          this.close();
          const serviceName = plan.primary.serviceName;
          const final = { errors: errors.map((error) => new GraphQLError(error.message, { extensions: { ...error.extensions, serviceName } })) };
          this.enqueue(logger, () => this.finishAll(final));
        },
        complete: () => {
          this.close();
          this.enqueue(logger, () => this.finishAll());
        },
      },
    );
  }

  /** Whether a new subscriber may still join (false once the upstream ended or the last subscriber left). */
  get open(): boolean {
    return !this.closed;
  }

  add(subscriber: Subscriber): void {
    this.subscribers.add(subscriber);
  }

  /** Called when a subscriber's subscription ends; the last one out stops the upstream subscription. */
  remove(subscriber: Subscriber): void {
    this.subscribers.delete(subscriber);
    if (this.subscribers.size > 0) return;
    this.close();
    this.stopUpstream();
  }

  get size(): number {
    return this.subscribers.size;
  }

  private enqueue(logger: Logger, step: () => Promise<void> | void): void {
    this.queue = this.queue.then(step).catch((error: unknown) => {
      logger.error({ err: error }, 'resolving a subscription event failed');
      this.broadcast({ errors: [new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })] });
    });
  }

  private broadcast(result: ExecutionResult): void {
    if (this.subscribers.size === 0) return;
    const payload = sharedPayload(this.options.formatResult(result));
    for (const subscriber of this.subscribers) subscriber.write(payload);
  }

  private finishAll(last?: ExecutionResult): void {
    for (const subscriber of [...this.subscribers]) subscriber.finish(last);
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.options.onClosed();
  }
}
