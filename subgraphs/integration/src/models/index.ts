import type { Connection } from 'mongoose';
import { registerEventDeliveryModel, type EventDeliveryModel } from './event-delivery.model.js';
import { registerEventSubscriptionModel, type EventSubscriptionModel } from './event-subscription.model.js';
import { registerInboundMessageModel, type InboundMessageModel } from './inbound-message.model.js';
import { registerMappingModel, type MappingModel } from './mapping.model.js';
import { registerOrderLinkModel, type OrderLinkModel } from './order-link.model.js';
import { registerSettlementExceptionModel, type SettlementExceptionModel } from './settlement-exception.model.js';
import { registerSettlementReportModel, type SettlementReportModel } from './settlement-report.model.js';

export interface IntegrationModels {
  readonly inboundMessages: InboundMessageModel;
  readonly mappings: MappingModel;
  readonly orderLinks: OrderLinkModel;
  readonly eventSubscriptions: EventSubscriptionModel;
  readonly eventDeliveries: EventDeliveryModel;
  readonly settlementReports: SettlementReportModel;
  readonly settlementExceptions: SettlementExceptionModel;
}

export function createIntegrationModels(connection: Connection): IntegrationModels {
  return {
    inboundMessages: registerInboundMessageModel(connection),
    mappings: registerMappingModel(connection),
    orderLinks: registerOrderLinkModel(connection),
    eventSubscriptions: registerEventSubscriptionModel(connection),
    eventDeliveries: registerEventDeliveryModel(connection),
    settlementReports: registerSettlementReportModel(connection),
    settlementExceptions: registerSettlementExceptionModel(connection),
  };
}
