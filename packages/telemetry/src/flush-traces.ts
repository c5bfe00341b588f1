import { trace } from '@opentelemetry/api';

/**
 * Exports the spans still buffered (the SDK batches them) before the process exits; resolves at
 * once when tracing is off. Bounded by `timeoutMs` so a missing collector never holds a shutdown.
 */
export async function flushTraces(timeoutMs = 2000): Promise<void> {
  const provider = trace.getTracerProvider() as { getDelegate?: () => unknown };
  const delegate = (provider.getDelegate?.() ?? provider) as { forceFlush?: () => Promise<void> };
  if (typeof delegate.forceFlush !== 'function') return;
  await Promise.race([delegate.forceFlush().catch(() => undefined), new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref())]);
}
