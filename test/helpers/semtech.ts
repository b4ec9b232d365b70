import dgram from 'node:dgram';

/** A packet forwarder stand-in: sends PUSH_DATA datagrams with `rxpk` entries to the gateway's UDP ingest. */
export class FakeForwarder {
  private readonly sock = dgram.createSocket('udp4');
  private token = 0;

  constructor(private readonly port: number, private readonly host = '127.0.0.1') {}

  /** One PUSH_DATA carrying `payloads` as separate rxpk; resolves when handed to the kernel. */
  push(payloads: Buffer[]): Promise<void> {
    const rxpk = payloads.map((p) => ({
      tmst: 1, chan: 0, rfch: 0, freq: 868.1, stat: 1, modu: 'LORA', datr: 'SF7BW125', codr: '4/5', rssi: -50, lsnr: 7.5, size: p.length, data: p.toString('base64'),
    }));
    const head = Buffer.from([2, (this.token >> 8) & 0xff, this.token++ & 0xff, 0, 0xaa, 0x55, 0, 0, 0, 0, 0, 1]);
    const msg = Buffer.concat([head, Buffer.from(JSON.stringify({ rxpk }))]);
    return new Promise((resolve, reject) => this.sock.send(msg, this.port, this.host, (err) => (err ? reject(err) : resolve())));
  }

  close(): void {
    this.sock.close();
  }
}

/** The UDP port an adapter reports in its status detail (`listening on 127.0.0.1:PORT`). */
export function udpPortFromStatus(status: { adapters: { name: string; detail?: string }[] }, name: string): number | undefined {
  const d = status.adapters.find((a) => a.name === name)?.detail;
  const m = d ? /listening on .*:(\d+)$/.exec(d) : null;
  return m ? Number(m[1]) : undefined;
}
