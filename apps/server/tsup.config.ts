import { defineConfig } from 'tsup'

export default defineConfig([
  {
    entry: ['src/index.ts', 'src/bin.ts'],
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
  },
  // The playground client: bundled for the browser into dist/playground/ (served by the
  // server, inlined into saved-trace pages); no framework, no CDN at run time.
  {
    entry: { playground: 'client/playground.ts', 'trace-viewer': 'client/trace-viewer.ts' },
    outDir: 'dist/playground',
    format: ['iife'],
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    dts: false,
    clean: false,
    outExtension: () => ({ js: '.js' }),
  },
])
