import { z } from 'zod';
import type { InboundMessageRecord } from '../models/inbound-message.model.js';
import { MessageException, outcomeOfFailure, parse, parseJson, type ProcessOutcome } from './message-outcome.js';
import { confirmPickup, markReadyForPickup, recordDelivery, shipOrder, type OrderCommandTarget } from './order-commands.js';

export const FULFILMENT_MILESTONES = ['SHIPPED', 'DELIVERED', 'READY_FOR_PICKUP', 'PICKED_UP'] as const;

/** A carrier's or WMS's milestone report (see README, Connectors): the mesh's own documented shape. */
export const fulfilmentMilestoneSchema = z.object({
  orderId: z.string().min(1).max(128),
  milestone: z.enum(FULFILMENT_MILESTONES),
  carrier: z.string().min(1).max(128).optional(),
  trackingNumber: z.string().min(1).max(128).optional(),
  occurredAt: z.iso.datetime({ offset: true }),
});

/**
 * A fulfilment milestone becomes the order lifecycle's own command, keyed by the sender and its
 * event id: SHIPPED -> shipOrder (with the tracking, when given), READY_FOR_PICKUP ->
 * markReadyForPickup, PICKED_UP -> confirmPickup, DELIVERED -> recordDelivery (needs the carrier
 * and tracking number). The order's status changes and their events are the order domain's, so
 * they reach subscribers like every other transition. A milestone the order's status does not
 * allow (delivered before shipped) is a COMMAND_REFUSED exception, to replay once it does.
 */
export async function processFulfilmentMessage(target: OrderCommandTarget, message: InboundMessageRecord): Promise<ProcessOutcome> {
  try {
    const report = parse(fulfilmentMilestoneSchema, parseJson(message.body));
    const key = `fulfilment:${message.sender}:${message.webhookId}`;
    const tracking = report.carrier && report.trackingNumber ? { carrier: report.carrier, trackingNumber: report.trackingNumber } : undefined;
    switch (report.milestone) {
      case 'SHIPPED':
        await shipOrder(target, report.orderId, key, tracking);
        break;
      case 'READY_FOR_PICKUP':
        await markReadyForPickup(target, report.orderId, key);
        break;
      case 'PICKED_UP':
        await confirmPickup(target, report.orderId, key);
        break;
      case 'DELIVERED':
        if (!tracking) throw new MessageException('INVALID_PAYLOAD', 'a DELIVERED milestone needs carrier and trackingNumber');
        await recordDelivery(target, report.orderId, tracking, report.occurredAt);
        break;
    }
    return { kind: 'processed', orderId: report.orderId };
  } catch (error) {
    return outcomeOfFailure(error);
  }
}
