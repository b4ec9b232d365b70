import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root, whether tests run compiled (dist/test/...) or through tsx (test/...). */
export const REPO = (() => {
  let d = __dirname;
  while (!existsSync(join(d, 'package.json'))) {
    const up = dirname(d);
    if (up === d) throw new Error('package.json not found above ' + __dirname);
    d = up;
  }
  return d;
})();

/** True when this file runs as TypeScript through tsx. */
export const VIA_TSX = __filename.endsWith('.ts');

/** argv prefix that runs a project file (given by its path under the repo, without extension). */
export function nodeArgs(modulePath: string): string[] {
  return VIA_TSX ? ['--import', 'tsx', join(REPO, `${modulePath}.ts`)] : [join(REPO, 'dist', `${modulePath}.js`)];
}

/** argv (after `node`) for the `lowband` CLI. */
export function cliArgs(...args: string[]): string[] {
  return [...nodeArgs('src/cli/main'), ...args];
}

/** A file under test/fixtures (fixtures stay in the source tree; compiled tests run from dist/test). */
export function fixturePath(...parts: string[]): string {
  return join(REPO, 'test', 'fixtures', ...parts);
}
