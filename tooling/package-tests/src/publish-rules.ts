// metagen's own rules for a publishable package.json, beyond what publint checks: what the
// registry page and npm users need (license file, repository, public access, caret ranges).

/** The fields of a package.json that the rules read. */
export interface PackageManifest {
  name?: unknown
  license?: unknown
  repository?: unknown
  publishConfig?: unknown
  files?: unknown
  dependencies?: unknown
  peerDependencies?: unknown
}

/**
 * Checks a public package's manifest (as in the workspace) and the list of files in its packed
 * tarball; returns one message per broken rule, empty when all hold:
 * - `license` is `Apache-2.0`, a `LICENSE` file is in `files` and in the tarball, and so is
 *   `README.md`;
 * - `repository` names the git URL and the package's folder;
 * - `publishConfig.access` is `public` (scoped packages are private on the registry otherwise);
 * - dependencies on other `@metagen/*` packages use `workspace:^` (a caret range once packed).
 */
export function checkPublishRules(
  manifest: PackageManifest,
  packedFiles: readonly string[],
): string[] {
  const problems: string[] = []
  const name = String(manifest.name)
  if (manifest.license !== 'Apache-2.0') problems.push(`${name}: license must be "Apache-2.0"`)
  const files = Array.isArray(manifest.files) ? manifest.files : []
  if (!files.includes('LICENSE')) problems.push(`${name}: "files" must list "LICENSE"`)
  for (const required of ['LICENSE', 'README.md', 'package.json']) {
    if (!packedFiles.includes(required)) problems.push(`${name}: the tarball has no ${required}`)
  }
  const repository = manifest.repository as { type?: unknown; url?: unknown; directory?: unknown }
  if (
    typeof repository !== 'object' ||
    repository === null ||
    repository.type !== 'git' ||
    typeof repository.url !== 'string' ||
    typeof repository.directory !== 'string'
  ) {
    problems.push(`${name}: "repository" must be { type: "git", url, directory }`)
  }
  const publishConfig = manifest.publishConfig as { access?: unknown } | undefined
  if (publishConfig?.access !== 'public') {
    problems.push(`${name}: "publishConfig.access" must be "public"`)
  }
  for (const field of ['dependencies', 'peerDependencies'] as const) {
    const ranges = (manifest[field] ?? {}) as Record<string, unknown>
    for (const [dependency, range] of Object.entries(ranges)) {
      if (dependency.startsWith('@metagen/') && range !== 'workspace:^') {
        problems.push(
          `${name}: ${field}.${dependency} must be "workspace:^", found ${JSON.stringify(range)}`,
        )
      }
    }
  }
  return problems
}
