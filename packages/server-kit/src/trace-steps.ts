import { forbidden, unauthenticated } from './errors.js';
import { identifier } from './input-guards.js';
import { can, type Principal } from './roles.js';

/** A workflow's trace and the dead letters need `events:read` (analysts, admins); every contributing field checks it itself. */
export function requireEventsRead(principal: Principal): void {
  if (can(principal, 'events:read')) return;
  if (principal.role === 'anonymous') throw unauthenticated('Sign in to read the event trail');
  throw forbidden('Your role may not read the event trail');
}

/** What a subgraph's context offers to contribute its steps to a trace. */
export interface TraceStepsContext<Steps> {
  readonly principal: Principal;
  /** This domain's steps of the workflow with the correlation id, oldest first. */
  readonly traceSteps: (correlationId: string) => Steps;
}

/**
 * The `Trace` resolvers of a subgraph that adds its own steps to the entity the ledger serves
 * (Query.trace): `field` (e.g. `orderSteps`) answers `context.traceSteps` after checking `events:read`.
 * A reference with a correlation id that is not an identifier is refused as BAD_USER_INPUT.
 */
export function traceStepsResolvers<const Field extends string, Steps>(
  field: Field,
): { __resolveReference: (reference: { readonly correlationId?: unknown }) => { __typename: 'Trace'; correlationId: string } } & {
  readonly [Key in Field]: (trace: { readonly correlationId: string }, args: unknown, context: TraceStepsContext<Steps>) => Steps;
} {
  const steps = (trace: { readonly correlationId: string }, _args: unknown, { principal, traceSteps }: TraceStepsContext<Steps>): Steps => {
    requireEventsRead(principal);
    return traceSteps(trace.correlationId);
  };
  return {
    __resolveReference: (reference) => ({ __typename: 'Trace' as const, correlationId: identifier(String(reference.correlationId), 'correlationId') }),
    [field]: steps,
  } as ReturnType<typeof traceStepsResolvers<Field, Steps>>;
}
