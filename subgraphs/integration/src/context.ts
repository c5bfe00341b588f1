import { can, type RequestContext } from '@mesh/server-kit';
import type { IntegrationRuntime } from './runtime.js';
import type { InboundMessageRecord, InboundStatus } from './models/inbound-message.model.js';
import type { MappingKind, MappingRecord } from './models/mapping.model.js';
import { listInboundMessages, readInboundMessage, replayInboundMessage } from './services/inbound-messages.service.js';
import type { DeliveryStatus, EventDeliveryRecord } from './models/event-delivery.model.js';
import type { EventSubscriptionRecord } from './models/event-subscription.model.js';
import {
  countDeliveries,
  listDeliveries,
  listSubscriptions,
  registerSubscription,
  replayDeadDeliveries,
  resendDelivery,
  setSubscriptionActive,
  type RegisterSubscriptionInput,
  type SubscriptionRegistered,
} from './services/event-subscriptions.service.js';
import type { SettlementExceptionRecord, SettlementExceptionStatus } from './models/settlement-exception.model.js';
import type { SettlementReportRecord } from './models/settlement-report.model.js';
import { importSettlement, type ImportSettlementInput } from './settlement/import-settlement.service.js';
import { listSettlementExceptions, listSettlementReports, resolveSettlementException } from './settlement/settlement-exceptions.service.js';
import { listMappings, setMapping, type SetMappingInput } from './services/set-mapping.service.js';

/** What integration resolvers receive: the caller and the use cases bound to it. */
export interface IntegrationContext extends RequestContext {
  readonly inbox: {
    readonly list: (status: InboundStatus | null | undefined, first: number | null | undefined) => Promise<InboundMessageRecord[]>;
    readonly read: (id: string) => Promise<InboundMessageRecord | null>;
    readonly replay: (id: string) => Promise<InboundMessageRecord>;
    /** Whether this caller may see a message's raw body (it carries the shopper's personal data). */
    readonly mayReadBodies: boolean;
  };
  readonly mappings: {
    readonly list: (kind: MappingKind, system: string | null | undefined, first: number | null | undefined) => Promise<MappingRecord[]>;
    readonly set: (input: SetMappingInput) => Promise<MappingRecord>;
  };
  /** Outbound events to subscribers. */
  readonly subscribers: {
    readonly list: () => Promise<EventSubscriptionRecord[]>;
    readonly register: (input: RegisterSubscriptionInput) => Promise<SubscriptionRegistered>;
    readonly setActive: (id: string, active: boolean) => Promise<EventSubscriptionRecord>;
    readonly deliveries: (subscriptionId: string, status: DeliveryStatus, first: number | null | undefined) => Promise<EventDeliveryRecord[]>;
    readonly count: (subscriptionId: string, status: DeliveryStatus) => Promise<number>;
    readonly replayDead: (subscriptionId: string) => Promise<number>;
    readonly resend: (deliveryId: string) => Promise<EventDeliveryRecord>;
  };
  /** Payment provider settlement reports in, their exceptions out. */
  readonly settlements: {
    readonly import: (input: ImportSettlementInput) => Promise<SettlementReportRecord>;
    readonly reports: (first: number | null | undefined) => Promise<SettlementReportRecord[]>;
    readonly exceptions: (status: SettlementExceptionStatus, first: number | null | undefined) => Promise<SettlementExceptionRecord[]>;
    readonly resolve: (id: string, resolution: string) => Promise<SettlementExceptionRecord>;
  };
}

export function createIntegrationContext(base: RequestContext, runtime: IntegrationRuntime): IntegrationContext {
  const { models, inboxDue, subscribersDue, activeSubscriptions } = runtime;
  const { principal } = base;
  return {
    ...base,
    inbox: {
      list: (status, first) => listInboundMessages(models, principal, status, first),
      read: (id) => readInboundMessage(models, principal, id),
      replay: (id) => replayInboundMessage(models, principal, id, () => inboxDue.notify()),
      mayReadBodies: can(principal, 'pii:read'),
    },
    mappings: {
      list: (kind, system, first) => listMappings(models, principal, kind, system, first),
      set: (input) => setMapping(models, principal, input),
    },
    subscribers: {
      list: () => listSubscriptions(models, principal),
      register: async (input) => {
        const registered = await registerSubscription(models, principal, input);
        activeSubscriptions.changed();
        subscribersDue.notify([registered.subscription._id]);
        return registered;
      },
      setActive: async (id, active) => {
        const updated = await setSubscriptionActive(models, principal, id, active);
        activeSubscriptions.changed();
        subscribersDue.notify([updated._id]);
        return updated;
      },
      deliveries: (subscriptionId, status, first) => listDeliveries(models, principal, subscriptionId, status, first),
      count: (subscriptionId, status) => countDeliveries(models, subscriptionId, status),
      replayDead: (subscriptionId) => replayDeadDeliveries(models, principal, subscriptionId, (id) => subscribersDue.notify([id])),
      resend: (deliveryId) => resendDelivery(models, principal, deliveryId, (id) => subscribersDue.notify([id])),
    },
    settlements: {
      import: (input) => importSettlement(models, principal, input, runtime.settlementTargets(base.correlationId)),
      reports: (first) => listSettlementReports(models, principal, first),
      exceptions: (status, first) => listSettlementExceptions(models, principal, status, first),
      resolve: (id, resolution) => resolveSettlementException(models, principal, id, resolution),
    },
  };
}
