import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePhyPayload, type DataFrame, type JoinRequestFrame } from '../../../../src/radios/lora/lorawan/phy';
import { V } from './frames';

function data(hex: string): DataFrame {
  const p = parsePhyPayload(Buffer.from(hex, 'hex'));
  assert.ok(p.ok, p.ok ? '' : p.error.message);
  assert.equal(p.frame.kind, 'data');
  return p.frame as DataFrame;
}

test('public vector frames parse: mtype, DevAddr MSB-first, FCnt, FPort, MIC', () => {
  for (const v of V.frames) {
    const f = data(v.phy);
    assert.equal(f.mtype, v.mtype);
    assert.equal(f.devaddr, v.devaddr);
    assert.equal(f.fcnt16, v.fcnt);
    assert.equal(f.fport, v.fport);
    assert.equal(f.mic.toString('hex'), v.mic);
    assert.equal(f.major, 0);
    assert.equal(f.devAddrLe.toString('hex'), 'f17dbe49', 'DevAddr bytes kept as on air');
  }
});

test('FCtrl bits: downlink 0x20 is ACK; uplink bits ADR, ADRACKReq, ACK, ClassB and FOptsLen', () => {
  const down = data(V.frames[3].phy);
  assert.equal(down.uplink, false);
  assert.deepEqual(down.fctrl, { adr: false, adrackreq: false, ack: true, fpending: false, classb: false, foptslen: 0 });
  // Uplink with FCtrl 0xf2 (all flags, FOptsLen 2) and FOpts 0x0203, FPort 5, 1 byte payload.
  const up = data('40f17dbe49f2070002030501aabbccdd');
  assert.deepEqual(up.fctrl, { adr: true, adrackreq: true, ack: true, fpending: false, classb: true, foptslen: 2 });
  assert.equal(up.fopts.toString('hex'), '0203');
  assert.equal(up.fcnt16, 7);
  assert.equal(up.fport, 5);
  assert.equal(up.frmPayload.toString('hex'), '01');
  // Downlink: bit 4 is FPending.
  const dn = data('60f17dbe4990010000112233');
  assert.equal(dn.fctrl.fpending, true);
  assert.equal(dn.fctrl.adr, true);
  assert.equal(dn.fport, undefined, 'no FPort when nothing follows FHDR');
});

test('every message type is recognised from MHDR', () => {
  const kinds: Record<string, string> = {};
  const samples: Array<[string, string]> = [
    ['JoinRequest', V.join.phy],
    ['JoinAccept', '20' + '00'.repeat(16)],
    ['UnconfirmedDataUp', V.frames[0].phy],
    ['UnconfirmedDataDown', V.frames[3].phy],
    ['ConfirmedDataUp', '80f17dbe4900020001954378762b11ff0d'],
    ['ConfirmedDataDown', 'a0f17dbe4900020001954378762b11ff0d'],
    ['RejoinRequest', 'c000' + '00'.repeat(17)],
    ['Proprietary', 'e0010203'],
  ];
  for (const [mtype, hex] of samples) {
    const p = parsePhyPayload(Buffer.from(hex, 'hex'));
    assert.ok(p.ok, `${mtype}: ${p.ok ? '' : p.error.message}`);
    assert.equal(p.frame.mtype, mtype);
    kinds[mtype] = p.frame.kind;
  }
  assert.equal(kinds.ConfirmedDataUp, 'data');
  assert.equal(kinds.RejoinRequest, 'rejoin-request');
});

test('join request: JoinEUI/DevEUI printed MSB-first, DevNonce little-endian', () => {
  const p = parsePhyPayload(Buffer.from(V.join.phy, 'hex'));
  assert.ok(p.ok);
  const f = p.frame as JoinRequestFrame;
  assert.equal(f.kind, 'join-request');
  assert.equal(f.joineui, 'aa13693363343639');
  assert.equal(f.deveui, '3331383274356905');
  assert.equal(f.deveui.length, 16);
  assert.equal(f.devnonce, 0x8904);
  assert.equal(f.mic.toString('hex'), V.join.mic);
});

test('bad frames give typed errors, not exceptions', () => {
  const cases: Array<[string, string]> = [
    ['', 'too_short'],
    ['40f17dbe49', 'too_short'],
    ['41f17dbe4900020001954378762b11ff0d', 'bad_major'],
    ['40f17dbe490f0200aabbccdd', 'fopts_overflow'],
    ['40f17dbe4901020001000000000000', 'fopts_with_fport0'],
    ['0039363463', 'bad_length'],
    ['20' + '00'.repeat(20), 'bad_length'],
    ['c007' + '00'.repeat(17), 'bad_length'],
  ];
  for (const [hex, code] of cases) {
    const p = parsePhyPayload(Buffer.from(hex, 'hex'));
    assert.equal(p.ok, false, hex);
    if (!p.ok) {
      assert.equal(p.error.code, code, hex);
      assert.ok(p.error.message.length > 0);
    }
  }
  const notBuf = parsePhyPayload('40f1' as unknown as Buffer);
  assert.equal(notBuf.ok, false);
});
