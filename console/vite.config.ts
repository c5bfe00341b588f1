import { defineConfig } from 'vite';

// The console is a static site under /console/ that talks only to the gateway's /graphql.
// `npm run dev -w @mesh/console` serves it with hot reload and forwards /graphql to the gateway
// (GATEWAY_URL, default http://localhost:4000); `npm start` serves the built copy from the gateway.
const gateway = process.env['GATEWAY_URL'] ?? 'http://localhost:4000';

export default defineConfig({
  base: '/console/',
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 400 },
  server: { proxy: { '/graphql': { target: gateway, ws: true, changeOrigin: true }, '/clienteling/dev-token': gateway } },
});
