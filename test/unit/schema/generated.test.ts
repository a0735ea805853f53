// The CRD manifests and src/schema/types.ts are generated from src/schema; this fails while
// a committed copy differs from what `npm run generate` would write.
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { generatedFiles, REPOSITORY_ROOT } from '../../../hack/generate.js';

describe('generated files', () => {
  test.each([...generatedFiles()])('%s is up to date', (relativePath, expected) => {
    const committed = readFileSync(path.join(REPOSITORY_ROOT, relativePath), 'utf8');

    expect(committed === expected ? 'up to date' : `stale: run \`npm run generate\` and commit ${relativePath}`).toBe('up to date');
  });
});
