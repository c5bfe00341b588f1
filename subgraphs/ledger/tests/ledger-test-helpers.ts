
export { dbCommands } from '@mesh/test-kit';

/** The error code of the first GraphQL error, if any. */
export function firstCode(response: { errors?: ReadonlyArray<{ extensions?: Record<string, unknown> }> }): unknown {
  return response.errors?.[0]?.extensions?.['code'];
}

export interface MoneyJson {
  readonly amount: string;
  readonly minorUnits: string;
  readonly currency: string;
}
