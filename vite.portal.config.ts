import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The customer's pages at /portal (a quote by its link now; the portal of #23 grows here): small, no sign-in. */
export default defineConfig({
  root: path.resolve(__dirname, 'web/portal'),
  base: '/portal/',
  plugins: [react()],
  build: { outDir: path.resolve(__dirname, 'dist/web/portal'), emptyOutDir: true, sourcemap: true },
  server: { proxy: { '/api': 'http://localhost:3000' } },
});
