import type { Resolvers } from '../__generated__/resolvers-types.js';
import { Product, ProductConnection } from './product.resolvers.js';
import { Query } from './query.resolvers.js';
import { Long, Money, ProductVariant } from './variant.resolvers.js';

export const resolvers: Resolvers = { Query, Product, ProductConnection, ProductVariant, Money, Long };
