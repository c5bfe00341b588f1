import type { RequestContext } from '@mesh/server-kit';
import type { IntegrationRuntime } from './integration-runtime.js';
import type { IntegrationModels } from './models/index.js';
import type { InboundMessageRecord, InboundStatus } from './models/inbound-message.model.js';
import type { MappingKind, MappingRecord } from './models/mapping.model.js';
import { listInboundMessages, readInboundMessage, replayInboundMessage } from './services/inbound-messages.service.js';
import { listMappings, setMapping, type SetMappingInput } from './services/set-mapping.service.js';

/** What integration resolvers receive: the caller and the use cases bound to it. */
export interface IntegrationContext extends RequestContext {
  readonly inbox: {
    readonly list: (status: InboundStatus | null | undefined, first: number | null | undefined) => Promise<InboundMessageRecord[]>;
    readonly read: (id: string) => Promise<InboundMessageRecord | null>;
    readonly replay: (id: string) => Promise<InboundMessageRecord>;
  };
  readonly mappings: {
    readonly list: (kind: MappingKind, system: string | null | undefined, first: number | null | undefined) => Promise<MappingRecord[]>;
    readonly set: (input: SetMappingInput) => Promise<MappingRecord>;
  };
}

export function createIntegrationContext(base: RequestContext, models: IntegrationModels, runtime: IntegrationRuntime): IntegrationContext {
  const { principal } = base;
  return {
    ...base,
    inbox: {
      list: (status, first) => listInboundMessages(models, principal, status, first),
      read: (id) => readInboundMessage(models, principal, id),
      replay: (id) => replayInboundMessage(models, principal, id, () => runtime.wake()),
    },
    mappings: {
      list: (kind, system, first) => listMappings(models, principal, kind, system, first ?? 20),
      set: (input) => setMapping(models, principal, input),
    },
  };
}
