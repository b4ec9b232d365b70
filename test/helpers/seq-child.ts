// Issues sequence numbers as fast as it can, one per line, until killed (used by the kill -9 test).
import { SequenceCounter } from '../../src/core/sequence';

const c = SequenceCounter.open(process.argv[2], { block: 50 });
setInterval(() => {
  let out = '';
  for (let i = 0; i < 7; i++) out += `${c.next()}\n`;
  process.stdout.write(out);
}, 1);
