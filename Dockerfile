# One image for every mesh service; SERVICE picks which one runs (gateway, product, inventory,
# order, customer, ledger, integration). Build: docker build -t retail-mesh .
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund && npx turbo run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app /app
USER node
ARG SERVICE=gateway
ENV SERVICE=${SERVICE}
CMD ["sh", "-c", "if [ \"$SERVICE\" = gateway ]; then exec node --enable-source-maps --import ./packages/telemetry/dist/register.js gateway/dist/index.js; else exec node --enable-source-maps --import ./packages/telemetry/dist/register.js subgraphs/$SERVICE/dist/index.js; fi"]
