import { money } from '@mesh/server-kit';
import type {
  CreateReturnResultResolvers,
  ReceiveReturnResultResolvers,
  RefundIssuedResolvers,
  RefundPaymentResultResolvers,
  RefundRefusedResolvers,
  ReturnCreatedResolvers,
  ReturnNotReceivableResolvers,
  ReturnReceivedResolvers,
  ReturnRefusedResolvers,
  ReturnResolvers,
} from '../__generated__/resolvers-types.js';
import { returnView } from '../returns/return-outcomes.js';
import { refundableOf } from '../returns/return-rules.js';

export const Return: ReturnResolvers = {
  id: ({ record }) => record._id,
  status: ({ record }) => record.status,
  reason: ({ record }) => record.reason,
  lines: ({ record, currency }) =>
    record.lines.map((line) => ({
      lineNumber: line.lineNumber,
      variant: { sku: line.sku },
      quantity: line.quantity,
      disposition: line.disposition ?? null,
      refund: line.refundMinor === undefined ? null : money(line.refundMinor, currency),
    })),
  refund: ({ record, currency }) => (record.refundMinor === undefined ? null : money(record.refundMinor, currency)),
  refundTax: ({ record, currency }) => (record.refundTaxMinor === undefined ? null : money(record.refundTaxMinor, currency)),
  requestedAt: ({ record }) => record.requestedAt,
  receivedAt: ({ record }) => record.receivedAt ?? null,
  receivedAtLocation: ({ record }) => (record.receivedAtLocationId ? { id: record.receivedAtLocationId } : null),
};

export const CreateReturnResult: CreateReturnResultResolvers = {
  __resolveType: (result) => (result.kind === 'created' ? 'ReturnCreated' : 'ReturnRefused'),
};
export const ReturnCreated: ReturnCreatedResolvers = {
  return: ({ order, record }) => returnView(order, record),
  order: ({ order }) => order,
};
export const ReturnRefused: ReturnRefusedResolvers = {
  lines: ({ lines }) => [...lines],
};

export const ReceiveReturnResult: ReceiveReturnResultResolvers = {
  __resolveType: (result) => (result.kind === 'received' ? 'ReturnReceived' : 'ReturnNotReceivable'),
};
export const ReturnReceived: ReturnReceivedResolvers = {
  return: ({ order, record }) => returnView(order, record),
  order: ({ order }) => order,
};
export const ReturnNotReceivable: ReturnNotReceivableResolvers = {
  refundable: ({ order }) => refundableOf(order),
};

export const RefundPaymentResult: RefundPaymentResultResolvers = {
  __resolveType: (result) => (result.kind === 'issued' ? 'RefundIssued' : 'RefundRefused'),
};
export const RefundIssued: RefundIssuedResolvers = {
  refundId: ({ refund }) => refund._id,
  amount: ({ refund, order }) => money(refund.amountMinor, order.currency),
  tax: ({ refund, order }) => money(refund.taxMinor, order.currency),
  order: ({ order }) => order,
};
export const RefundRefused: RefundRefusedResolvers = {
  refundable: ({ order }) => refundableOf(order),
};
