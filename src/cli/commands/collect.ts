import { runCollect } from '../../collect/command';

/** `lowband collect --bind E [--out FILE] [--json]`: a reference backend for the reliable channel. */
export function run(argv: string[]): Promise<number> {
  return runCollect(argv);
}
