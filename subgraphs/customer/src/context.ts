import type { RequestContext } from '@mesh/server-kit';
import { createCustomerLoaders, type CustomerLoaders } from './loaders.js';
import type { IdentityKind } from './models/customer.model.js';
import type { CustomerView } from './pii-masking.js';
import { listCustomers, type CustomerPage } from './services/list-customers.service.js';
import { mergeCustomers, type MergeCustomersInput, type MergeOutcome } from './services/merge-customers.service.js';
import { readCustomer, readCustomerByIdentity, readMe } from './services/read-customer.service.js';
import { readCustomerTraceSteps } from './services/read-trace-steps.service.js';
import type { CustomerRuntime } from './runtime.js';

/** The customer read use cases, bound to this request's caller and loaders; each applies access and masking. */
export interface CustomerDirectory {
  readonly customer: (id: string) => Promise<CustomerView | null>;
  readonly me: () => Promise<CustomerView | null>;
  readonly customerByIdentity: (kind: IdentityKind, value: string) => Promise<CustomerView | null>;
  readonly customers: (args: Parameters<typeof listCustomers>[3]) => Promise<CustomerPage>;
}

/** The customer write use cases, bound to this request's caller and correlation id; each checks access first. */
export interface CustomerCommands {
  readonly mergeCustomers: (input: MergeCustomersInput) => Promise<MergeOutcome>;
}

/** What customer resolvers receive: the caller, fresh loaders, and the use cases bound to both. */
export interface CustomerContext extends RequestContext {
  readonly loaders: CustomerLoaders;
  readonly directory: CustomerDirectory;
  readonly commands: CustomerCommands;
  /** The customer domain's steps of a workflow (Trace.customerSteps). */
  readonly traceSteps: (correlationId: string) => ReturnType<typeof readCustomerTraceSteps>;
}

export function createCustomerContext(base: RequestContext, { models }: CustomerRuntime): CustomerContext {
  const loaders = createCustomerLoaders(models);
  const { principal, correlationId } = base;
  return {
    ...base,
    loaders,
    traceSteps: (correlationId) => readCustomerTraceSteps(models, correlationId),
    directory: {
      customer: (id) => readCustomer(principal, loaders, id),
      me: () => readMe(principal, loaders),
      customerByIdentity: (kind, value) => readCustomerByIdentity(principal, loaders, kind, value),
      customers: (args) => listCustomers(principal, models, loaders, args),
    },
    commands: {
      mergeCustomers: (input) => mergeCustomers(models, { principal, correlationId }, input),
    },
  };
}
