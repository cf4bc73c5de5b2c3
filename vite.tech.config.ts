import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

/** The technician PWA at /tech: its own bundle (≤ 200 KB gzipped), service worker and manifest. */
export default defineConfig({
  root: path.resolve(__dirname, 'web/tech'),
  base: '/tech/',
  plugins: [
    react(),
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: false,
      strategies: 'generateSW',
      scope: '/tech/',
      includeAssets: ['icon.svg', 'icon-192.png'],
      manifest: {
        name: 'Closeout for technicians',
        short_name: 'Closeout',
        description: 'Your jobs and closeouts, with or without a signal',
        start_url: '/tech/',
        scope: '/tech/',
        display: 'standalone',
        orientation: 'portrait',
        background_color: '#f3f5f7',
        theme_color: '#1c3d5a',
        icons: [
          { src: 'icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        // The app shell comes from the cache; the API never does (the outbox and IndexedDB own offline data).
        navigateFallback: '/tech/index.html',
        navigateFallbackAllowlist: [/^\/tech\//],
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
        cleanupOutdatedCaches: true,
        clientsClaim: true,
        skipWaiting: true,
      },
    }),
  ],
  build: { outDir: path.resolve(__dirname, 'dist/web/tech'), emptyOutDir: true, sourcemap: true },
  server: { proxy: { '/api': 'http://localhost:3000' } },
});
