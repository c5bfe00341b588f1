import type { Connection } from 'mongoose';
import { registerCustomerModel, type CustomerModel } from './customer.model.js';

/**
 * Rung by a service right after it recorded pending events, so that the outbox relay started in
 * the module's `start` hook publishes them at once instead of at its next periodic sweep.
 * In-process only: the relay's sweep is what guarantees delivery.
 */
export interface PendingEventsSignal {
  ring(): void;
  /** Registers the listener (the relay's `poke`); returns the function that removes it. */
  listen(listener: () => void): () => void;
}

export interface CustomerModels {
  readonly customers: CustomerModel;
  readonly pendingEvents: PendingEventsSignal;
}

export function createCustomerModels(connection: Connection): CustomerModels {
  return { customers: registerCustomerModel(connection), pendingEvents: createPendingEventsSignal() };
}

function createPendingEventsSignal(): PendingEventsSignal {
  const listeners = new Set<() => void>();
  return {
    ring: () => listeners.forEach((listener) => listener()),
    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
