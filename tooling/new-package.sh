#!/usr/bin/env bash
# Creates the skeleton of a workspace package: package.json, tsconfig, tsup and vitest configs.
# Usage: tooling/new-package.sh <dir> <name> <description>
set -euo pipefail
dir=$1; name=$2; desc=$3
mkdir -p "$dir/src" "$dir/test"
cat > "$dir/package.json" <<JSON
{
  "name": "$name",
  "version": "0.1.0",
  "description": "$desc",
  "license": "Apache-2.0",
  "repository": {
    "type": "git",
    "url": "git+https://github.com/metagen/metagen.git",
    "directory": "$dir"
  },
  "type": "module",
  "sideEffects": false,
  "exports": {
    ".": {
      "types": "./dist/index.d.ts",
      "import": "./dist/index.js",
      "default": "./dist/index.js"
    },
    "./package.json": "./package.json"
  },
  "main": "./dist/index.js",
  "types": "./dist/index.d.ts",
  "files": ["dist", "README.md", "LICENSE"],
  "engines": { "node": ">=20.19.0" },
  "scripts": {
    "build": "tsup",
    "test": "vitest run",
    "type-check": "tsc -p tsconfig.json",
    "bench": "node --version >/dev/null"
  },
  "dependencies": {},
  "devDependencies": {
    "@metagen/tsconfig": "workspace:*"
  },
  "publishConfig": {
    "access": "public"
  }
}
JSON
cp "$(dirname "$0")/../LICENSE" "$dir/LICENSE"
cat > "$dir/tsconfig.json" <<JSON
{
  "extends": "@metagen/tsconfig/base.json",
  "include": ["src", "test", "*.config.ts"]
}
JSON
cat > "$dir/tsup.config.ts" <<TS
import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
})
TS
cat > "$dir/vitest.config.ts" <<TS
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
})
TS
