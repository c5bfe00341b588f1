import type { Stoppable, SubgraphResources } from '@mesh/server-kit';
import type { IntegrationModels } from './models/index.js';
import { startFanOut } from './outbound/fan-out-consumer.js';
import { startSubscriberDelivery } from './outbound/subscriber-delivery.js';
import type { IntegrationRuntime } from './runtime.js';
import { startInboundWorker } from './services/inbound-worker.js';
import type { IntegrationSettings } from './settings.js';

/**
 * The integration subgraph's background work: the inbound worker that turns recorded webhooks into
 * commands (woken by `inboxDue`), the subscriber lanes that push events out (woken by
 * `subscribersDue`), and the fan-out consumer that queues every mesh event for its subscribers.
 * Stopped fan-out first, worker last.
 */
export async function startIntegrationEvents(
  runtime: IntegrationRuntime,
  { models, logger, bus }: SubgraphResources<IntegrationSettings, IntegrationModels>,
): Promise<Stoppable> {
  const { settings } = runtime;
  const worker = startInboundWorker({ models, logger, intervalMs: settings.workerIntervalMs, target: runtime.orderTarget });
  const stopWakingWorker = runtime.inboxDue.listen(() => worker.wake());
  const delivery = startSubscriberDelivery(models, settings.subscribers, logger);
  const stopWakingLanes = runtime.subscribersDue.listen((ids) => delivery.wake(ids));
  const fanOut = await startFanOut(bus, models, runtime.activeSubscriptions, (ids) => runtime.subscribersDue.notify(ids));
  return {
    async stop() {
      stopWakingWorker();
      stopWakingLanes();
      await fanOut.stop();
      await delivery.stop();
      await worker.stop();
    },
  };
}
