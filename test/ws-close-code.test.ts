// The close-code reader against frames built by ws itself, split at every byte boundary.
import t from 'tap';
import { createRequire } from 'node:module';
import { CloseCodeReader, NO_STATUS_RECEIVED } from '../src/proxy/ws-close-code.js';

type Frame = { data: Buffer; opcode: number; mask: boolean };
type FrameOptions = { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean };

// ws frames messages here; its types do not declare the Sender class, so it is loaded untyped.
const { Sender } = createRequire(import.meta.url)('ws') as { Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] } };

function frame({ data, opcode, mask }: Frame): Buffer {
  const parts = Sender.frame(data, { fin: true, rsv1: false, opcode, mask, readOnly: false });
  return Buffer.concat(parts);
}

function closePayload(code: number, reason = ''): Buffer {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2);
  return payload;
}

const STREAMS: Array<[name: string, frames: Frame[], expected: number | undefined]> = [
  ['small text then close', [{ data: Buffer.from('hello'), opcode: 1, mask: false }, { data: closePayload(1000), opcode: 8, mask: false }], 1000],
  ['masked client close with reason', [{ data: Buffer.from('x'), opcode: 1, mask: true }, { data: closePayload(4001, 'bye'), opcode: 8, mask: true }], 4001],
  ['16-bit length frame first', [{ data: Buffer.alloc(300, 7), opcode: 2, mask: true }, { data: closePayload(1001), opcode: 8, mask: true }], 1001],
  ['64-bit length frame first', [{ data: Buffer.alloc(70_000, 9), opcode: 2, mask: false }, { data: closePayload(1011), opcode: 8, mask: false }], 1011],
  ['payload that looks like a close frame', [{ data: Buffer.from([0x88, 0x02, 0x0f, 0xa1]), opcode: 2, mask: false }], undefined],
  ['close without a code', [{ data: Buffer.alloc(0), opcode: 8, mask: true }], NO_STATUS_RECEIVED],
  ['ping and pong are skipped', [{ data: Buffer.from('p'), opcode: 9, mask: true }, { data: Buffer.from('p'), opcode: 10, mask: true }, { data: closePayload(3000), opcode: 8, mask: true }], 3000],
];

t.test('finds the close code whole and split at every byte', async (t) => {
  for (const [name, frames, expected] of STREAMS) {
    const stream = Buffer.concat(frames.map(frame));
    const whole = new CloseCodeReader();
    whole.push(stream);
    t.equal(whole.closeCode, expected, `${name}: one chunk`);
    const step = stream.length > 1000 ? 997 : 1;
    let allSplits = true;
    for (let cut = 1; cut < stream.length; cut += step) {
      const split = new CloseCodeReader();
      split.push(stream.subarray(0, cut));
      split.push(stream.subarray(cut));
      if (split.closeCode !== expected) allSplits = false;
    }
    t.ok(allSplits, `${name}: every two-chunk split`);
    const bytewise = new CloseCodeReader();
    for (let i = 0; i < stream.length; i += 1) bytewise.push(stream.subarray(i, i + 1));
    t.equal(bytewise.closeCode, expected, `${name}: byte by byte`);
  }
});
