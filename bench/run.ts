// `npm run bench`: every benchmark, one after the other, each with its baseline in the same run.
import { main as pipeline } from './pipeline';
import { main as spool } from './spool';
import { main as reliable } from './reliable';
import { main as mqtt } from './mqtt';
import { main as udp } from './udp';
import { main as decodeBle } from './decode-ble';
import { main as nats } from './nats';
import { main as steady } from './steady';

async function run(): Promise<void> {
  const only = process.argv.slice(2);
  const all: [string, () => Promise<void>][] = [
    ['pipeline', pipeline],
    ['spool', spool],
    ['reliable', reliable],
    ['mqtt', mqtt],
    ['udp', udp],
    ['decode-ble', decodeBle],
    ['nats', nats],
    ['steady', steady],
  ];
  for (const [name, fn] of all) {
    if (only.length > 0 && !only.includes(name)) continue;
    await fn();
  }
}

run().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
