import type { ProductResolvers, ProductConnectionResolvers } from '../__generated__/resolvers-types.js';

export const Product: ProductResolvers = {
  __resolveReference: (reference, { loaders }) => loaders.productById.load(reference.id),
  id: (product) => product._id,
  variants: (product, _args, { loaders }) => loaders.variantsByProductId.load(product._id),
};

export const ProductConnection: ProductConnectionResolvers = {
  totalCount: (page) => page.totalCount(),
};
