import type { ExceptionCode } from '../models/inbound-message.model.js';
import { CommandRefused } from './order-commands.js';

/** What became of one message: done (with the order it made or touched), an exception to fix, or not yet (retry later). */
export type ProcessOutcome =
  | { readonly kind: 'processed'; readonly orderId: string }
  | { readonly kind: 'exception'; readonly code: ExceptionCode; readonly message: string }
  | { readonly kind: 'retry'; readonly reason: string };

/** The message cannot become a command until someone fixes its cause. */
export class MessageException extends Error {
  constructor(
    readonly code: ExceptionCode,
    message: string,
  ) {
    super(message);
  }
}

/** A message of the same entity that arrived earlier is still waiting: this one must wait for it. */
export class WaitForEarlier extends Error {}

/** The outcome of a failed attempt: an exception (ours, or the order domain's refusal) or a retry (anything transient). */
export function outcomeOfFailure(error: unknown): ProcessOutcome {
  if (error instanceof MessageException) return { kind: 'exception', code: error.code, message: error.message };
  if (error instanceof WaitForEarlier) return { kind: 'retry', reason: error.message };
  if (error instanceof CommandRefused) {
    if (error.code === 'NOT_FOUND' && typeof error.extensions['sku'] === 'string') return { kind: 'exception', code: 'UNKNOWN_SKU', message: error.message };
    if (error.code === 'PAYMENT_MISMATCH') return { kind: 'exception', code: 'PAYMENT_MISMATCH', message: error.message };
    return { kind: 'exception', code: 'COMMAND_REFUSED', message: `${error.code}: ${error.message}` };
  }
  return { kind: 'retry', reason: (error as Error).message };
}

export function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new MessageException('INVALID_PAYLOAD', 'the body is not JSON');
  }
}

interface Schema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
}

/** The body in the shape `schema` reads; INVALID_PAYLOAD naming the first wrong fields otherwise. */
export function parse<T>(schema: Schema<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 5).map((issue) => `${issue.path.map(String).join('.') || '(body)'}: ${issue.message}`);
  throw new MessageException('INVALID_PAYLOAD', issues.join('; '));
}
