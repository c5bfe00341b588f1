import type { BusObserver } from '@mesh/events';
import type { ServiceMetrics } from './metrics.js';

/** Reports a bus's traffic (wrap it with `observeBus(bus, busMetricsObserver(metrics))`) to the service's metrics. */
export function busMetricsObserver(metrics: ServiceMetrics): BusObserver {
  return {
    published: (topic, outcome) => metrics.eventsPublished.inc({ topic, outcome }),
    handled({ consumer, envelope, outcome, seconds }) {
      const labels = { consumer, topic: envelope.type };
      metrics.eventsHandled.inc({ ...labels, outcome });
      metrics.eventHandlingDuration.observe(labels, seconds);
      const occurredAt = Date.parse(envelope.occurredAt);
      if (outcome === 'ack' && Number.isFinite(occurredAt)) metrics.eventDeliveryDelay.observe(labels, Math.max(0, (Date.now() - occurredAt) / 1000));
    },
    replayed({ consumer, topic, seconds }) {
      metrics.deadLettersReplayed.inc({ consumer, topic });
      metrics.deadLetterRecovery.observe({ consumer }, seconds);
    },
  };
}
