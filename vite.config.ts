import { vitePlugin as remix } from '@remix-run/dev';
import { defineConfig } from 'vite';

// The Remix plugin is left out under vitest (it would take over the test build).
export default defineConfig({
  plugins: [
    !process.env.VITEST &&
      remix({
        appDirectory: 'web/app',
        buildDirectory: 'web/build',
        serverModuleFormat: 'esm',
        ignoredRouteFiles: ['**/*.test.*', '**/*.css'],
      }),
  ],
  build: { target: 'es2022' },
});
