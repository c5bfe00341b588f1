import type { BaseContext } from '@apollo/server';
import type { Principal } from '@mesh/server-kit';

/** Per-request gateway context: who is asking and the id that ties the request's work together. */
export interface GatewayContext extends BaseContext {
  readonly principal: Principal;
  readonly correlationId: string;
  /** What the client's limits are counted under: its token subject, else its address (client-identity.ts). */
  readonly clientKey: string;
  /** When the HTTP request reached the gateway (epoch ms); absent for subscription events. Subgraphs are told its age. */
  readonly receivedAt?: number;
}
