import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

/** ISO 4217 codes the mesh trades in, with their minor-unit exponent. */
export const CURRENCY_EXPONENTS = { USD: 2, EUR: 2 } as const;
export type CurrencyCode = keyof typeof CURRENCY_EXPONENTS;

/** Money as it travels through the graph: integer minor units, never floating point. */
export interface MoneyValue {
  readonly minorUnits: bigint;
  readonly currency: CurrencyCode;
}

export function money(minorUnits: bigint | number, currency: CurrencyCode): MoneyValue {
  if (typeof minorUnits === 'number' && !Number.isSafeInteger(minorUnits)) {
    throw new RangeError(`money needs an integer number of minor units, got ${minorUnits}`);
  }
  return { minorUnits: BigInt(minorUnits), currency };
}

/** "1234.50" for 123450 minor units in a two-decimal currency; exact for any size. */
export function formatDecimal(minorUnits: bigint, currency: CurrencyCode): string {
  const exponent = CURRENCY_EXPONENTS[currency];
  const negative = minorUnits < 0n;
  const digits = (negative ? -minorUnits : minorUnits).toString().padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  return `${negative ? '-' : ''}${whole}${exponent > 0 ? `.${fraction}` : ''}`;
}

/** Resolvers for the shared `Money` value type: { amount, minorUnits, currency }. */
export const moneyResolvers = {
  amount: (value: MoneyValue): string => formatDecimal(value.minorUnits, value.currency),
  minorUnits: (value: MoneyValue): bigint => value.minorUnits,
  currency: (value: MoneyValue): CurrencyCode => value.currency,
};

/**
 * `Long`: a signed 64-bit integer, sent as a JSON string of digits so that no client
 * (JavaScript included) loses precision beyond 2^53.
 */
export const LongScalar = new GraphQLScalarType<bigint, string>({
  name: 'Long',
  description: 'A signed 64-bit integer, serialised as a string of decimal digits.',
  serialize(value) {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
    if (typeof value === 'string' && /^-?\d+$/.test(value)) return value;
    throw new GraphQLError(`Long cannot represent ${String(value)}`);
  },
  parseValue(value) {
    return parseLong(value);
  },
  parseLiteral(ast) {
    if (ast.kind === Kind.STRING || ast.kind === Kind.INT) return parseLong(ast.value);
    throw new GraphQLError('Long must be a string of digits or an integer', { extensions: { code: 'BAD_USER_INPUT' } });
  },
});

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

function parseLong(value: unknown): bigint {
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof text !== 'string' || !/^-?\d{1,19}$/.test(text)) {
    throw new GraphQLError('Long must be a string of up to 19 digits', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  const parsed = BigInt(text);
  if (parsed < LONG_MIN || parsed > LONG_MAX) {
    throw new GraphQLError('Long is out of the 64-bit range', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return parsed;
}

/** `DateTime`: an ISO 8601 instant in UTC. */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An instant in time, as an ISO 8601 string in UTC.',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new GraphQLError('DateTime cannot represent an invalid date');
    return date.toISOString();
  },
  parseValue(value) {
    return parseDate(value);
  },
  parseLiteral(ast) {
    if (ast.kind === Kind.STRING) return parseDate(ast.value);
    throw new GraphQLError('DateTime must be an ISO 8601 string', { extensions: { code: 'BAD_USER_INPUT' } });
  },
});

function parseDate(value: unknown): Date {
  if (typeof value !== 'string' || value.length > 40) {
    throw new GraphQLError('DateTime must be an ISO 8601 string', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new GraphQLError('DateTime is not a valid date', { extensions: { code: 'BAD_USER_INPUT' } });
  return date;
}
