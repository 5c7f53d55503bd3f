// The publishing rules on manifests that keep and break each of them.
import { describe, expect, it } from 'vitest'
import { checkPublishRules } from '../src/publish-rules.js'

const good = {
  name: '@metagen/example',
  license: 'Apache-2.0',
  repository: {
    type: 'git',
    url: 'git+https://example.invalid/metagen.git',
    directory: 'packages/example',
  },
  publishConfig: { access: 'public' },
  files: ['dist', 'README.md', 'LICENSE'],
  dependencies: { '@metagen/core': 'workspace:^', zod: '4.1.0' },
}
const packed = ['package.json', 'README.md', 'LICENSE', 'dist/index.js']

describe('checkPublishRules', () => {
  it('accepts a manifest that keeps every rule', () => {
    expect(checkPublishRules(good, packed)).toEqual([])
  })

  it('names each broken rule', () => {
    const problems = checkPublishRules(
      {
        ...good,
        license: 'MIT',
        repository: 'metagen/metagen',
        publishConfig: undefined,
        files: ['dist'],
        peerDependencies: { '@metagen/core': 'workspace:*' },
      },
      ['package.json', 'dist/index.js'],
    )
    expect(problems).toEqual([
      '@metagen/example: license must be "Apache-2.0"',
      '@metagen/example: "files" must list "LICENSE"',
      '@metagen/example: the tarball has no LICENSE',
      '@metagen/example: the tarball has no README.md',
      '@metagen/example: "repository" must be { type: "git", url, directory }',
      '@metagen/example: "publishConfig.access" must be "public"',
      '@metagen/example: peerDependencies.@metagen/core must be "workspace:^", found "workspace:*"',
    ])
  })
})
