// `npm run build` writes dist/, which `clientele --dashboard dist` serves at /dashboard/:
// relative asset paths (base './') make it work under any prefix. `npm run dev` proxies
// the API to a running server (CLIENTELE_URL, default http://127.0.0.1:8080), so the
// page and the API share an origin as they do in production.
import { defineConfig } from 'vite';

const api = process.env.CLIENTELE_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  server: {
    proxy: {
      '/graphql': { target: api, ws: true, changeOrigin: true },
      '/invoices': { target: api, changeOrigin: true },
    },
  },
});
