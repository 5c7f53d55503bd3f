// Helpers of the package tests: the workspace's packages, packing them, the publishing rules.
export { checkPublishRules, type PackageManifest } from './publish-rules.js'
export {
  findWorkspaceRoot,
  listPublicPackages,
  listWorkspacePackages,
  type PackedPackage,
  packPackages,
  type WorkspacePackage,
} from './workspace-packages.js'
