// Smarter's Secret manifests for the CLI (`apply`, `describe`, `get secret(s)`): the one reader and
// writer, which the apply function runs too, is lib/manifest/.
export {
  MANIFEST_API_VERSION,
  MASKED_VALUE,
  ManifestError,
  manifestOf,
  secretFromManifest,
  type ManifestSecret,
} from '../lib/manifest/secret-manifest.js';
export { parseManifestText } from '../lib/manifest/yaml-text.js';
