import type { Span } from '@opentelemetry/api';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';

/** The one decision the instrumentation asks for every command, before any work for its span. */
interface SkipDecision {
  _checkSkipInstrumentation(parent: Span | undefined): boolean;
}

/**
 * The MongoDB driver's instrumentation, making command spans only inside a sampled span. Its own
 * `requireParentSpan` checks only that a parent exists: under the unsampled request span of the
 * other 90 % of requests it would still build every command's attributes (serialising the
 * command, values masked, for `db.query.text`) and a span nobody exports. A span that is not
 * recording has no sampled descendants, so skipping there loses nothing from any trace.
 */
export function createMongoDbInstrumentation(): MongoDBInstrumentation {
  const instrumentation = new MongoDBInstrumentation({ enhancedDatabaseReporting: false, requireParentSpan: true });
  // The check is a private method of the instrumentation (0.74): overridden on this instance only.
  (instrumentation as unknown as SkipDecision)._checkSkipInstrumentation = (parent) => parent === undefined || !parent.isRecording();
  return instrumentation;
}
