import type { Logger } from '@mesh/server-kit';
import type { IntegrationModels } from '../models/index.js';
import type { InboundMessageRecord } from '../models/inbound-message.model.js';
import type { OrderCommandTarget } from './order-commands.js';
import { processInboundMessage, type ProcessOutcome } from './process-inbound-message.service.js';
import { startWakeableLoop } from './wakeable-loop.js';

/** How long a claimed message is left to its worker before another may take it (a crash mid-way). */
const CLAIM_LEASE_MS = 60_000;
const MAX_BACKOFF_MS = 60_000;
/** An idle worker's pauses double from `intervalMs` up to this many times it while the inbox has nothing due. */
const IDLE_BACKOFF_LIMIT = 5;

export interface InboundWorkerOptions {
  readonly models: IntegrationModels;
  readonly logger: Logger;
  readonly intervalMs: number;
  /** Where commands go, for one message (its correlation id). */
  readonly target: (correlationId: string) => OrderCommandTarget;
}

export interface InboundWorker {
  /** A message was recorded or replayed: look again now rather than at the next pass. */
  wake(): void;
  stop(): Promise<void>;
}

/** Backoff after the nth failed attempt: 0.5 s, 1 s, 2 s ... at most 60 s. */
export const retryDelayMs = (attempts: number) => Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.max(0, attempts - 1));

/**
 * Works through the inbox: claims the next due RECEIVED message (a guarded update that moves its
 * `nextAttemptAt` a lease ahead, so replicas never run one message at once and a crash only delays
 * it), processes it, and settles it PROCESSED, EXCEPTION, or RECEIVED again after a backoff. One
 * message at a time in due order, so the messages of one order keep their arrival order.
 */
export function startInboundWorker(options: InboundWorkerOptions): InboundWorker {
  let idleMs = options.intervalMs;
  return startWakeableLoop(
    async (pause) => {
      const message = await claimNext(options.models);
      if (!message) {
        // This process's webhooks and replays wake it at once; the pause only bounds how late a
        // retry that fell due or a message another replica recorded (and did not take) is picked up.
        await pause.sleep(idleMs);
        idleMs = Math.min(options.intervalMs * IDLE_BACKOFF_LIMIT, idleMs * 2);
        return;
      }
      idleMs = options.intervalMs;
      const outcome = await processInboundMessage(options.models, options.target(message.correlationId), message);
      await settle(options.models, message, outcome);
      if (outcome.kind !== 'processed') options.logger.info({ id: message._id, topic: message.topic, outcome }, 'inbound message not processed');
    },
    { logger: options.logger, failureMessage: 'inbound worker pass failed', failurePauseMs: options.intervalMs },
  );
}

async function claimNext(models: IntegrationModels): Promise<InboundMessageRecord | null> {
  const now = new Date();
  return models.inboundMessages
    .findOneAndUpdate(
      { status: 'RECEIVED', nextAttemptAt: { $lte: now } },
      { $set: { nextAttemptAt: new Date(now.getTime() + CLAIM_LEASE_MS) }, $inc: { attempts: 1 } },
      { sort: { nextAttemptAt: 1 }, returnDocument: 'after' },
    )
    .lean<InboundMessageRecord>();
}

async function settle(models: IntegrationModels, message: InboundMessageRecord, outcome: ProcessOutcome): Promise<void> {
  const now = new Date();
  const guard = { _id: message._id, status: 'RECEIVED' as const };
  if (outcome.kind === 'processed') {
    await models.inboundMessages.updateOne(guard, {
      $set: { status: 'PROCESSED', orderId: outcome.orderId, processedAt: now },
      $unset: { exception: 1, lastError: 1 },
    });
  } else if (outcome.kind === 'exception') {
    await models.inboundMessages.updateOne(guard, {
      $set: { status: 'EXCEPTION', exception: { code: outcome.code, message: outcome.message, at: now } },
      $unset: { lastError: 1 },
    });
  } else {
    await models.inboundMessages.updateOne(guard, {
      $set: { nextAttemptAt: new Date(now.getTime() + retryDelayMs(message.attempts)), lastError: outcome.reason },
    });
  }
}
