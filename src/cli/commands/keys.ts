import { runKeysGenerate } from '../../security/keys-command';

/** `lowband keys generate [--out DIR] [--name N] [--force]` */
export function run(argv: string[]): Promise<number> {
  return runKeysGenerate(argv);
}
