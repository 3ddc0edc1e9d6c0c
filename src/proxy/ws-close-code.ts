// Reads the close code of a WebSocket stream without re-framing it: the relay stays a byte pipe
// (extensions and message sizes intact) and this only skips from frame header to frame header.

import { randomBytes } from 'node:crypto';

const OPCODE_CLOSE = 0x8;
/** RFC 6455 §7.4.1: the endpoint is going away (server shutdown). */
export const GOING_AWAY = 1001;
/** RFC 6455 §7.1.5: a close frame without a status code. */
export const NO_STATUS_RECEIVED = 1005;

export class CloseCodeReader {
  /** The code of the first close frame seen, once one has been. */
  closeCode: number | undefined;
  private pending: Buffer | undefined;
  private skip = 0;

  /** Between frames, with no close seen: a frame of our own can go in here without tearing one. */
  get canInsertFrame(): boolean {
    return this.closeCode === undefined && this.skip === 0 && this.pending === undefined;
  }

  push(chunk: Buffer): void {
    if (this.closeCode !== undefined) return;
    let data = chunk;
    if (this.pending !== undefined) {
      data = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    }
    let offset = 0;
    while (offset < data.length) {
      if (this.skip > 0) {
        const step = Math.min(this.skip, data.length - offset);
        this.skip -= step;
        offset += step;
        continue;
      }
      const consumed = this.readHeader(data, offset);
      if (consumed === 0) {
        this.pending = data.subarray(offset);
        return;
      }
      if (this.closeCode !== undefined) return;
      offset += consumed;
    }
  }

  /** Returns the header's length and sets `skip` to its payload, or 0 when the header is incomplete. */
  private readHeader(data: Buffer, offset: number): number {
    const available = data.length - offset;
    if (available < 2) return 0;
    const opcode = data[offset]! & 0x0f;
    const masked = (data[offset + 1]! & 0x80) !== 0;
    const shortLength = data[offset + 1]! & 0x7f;
    const lengthBytes = shortLength === 126 ? 2 : shortLength === 127 ? 8 : 0;
    const headerLength = 2 + lengthBytes + (masked ? 4 : 0);
    const payloadLength =
      lengthBytes === 0
        ? shortLength
        : available < 2 + lengthBytes
          ? -1
          : lengthBytes === 2
            ? data.readUInt16BE(offset + 2)
            : Number(data.readBigUInt64BE(offset + 2));
    if (payloadLength < 0) return 0;
    if (opcode === OPCODE_CLOSE) {
      if (payloadLength < 2) {
        this.closeCode = NO_STATUS_RECEIVED;
        return headerLength;
      }
      // Control frames are never fragmented and at most 125 bytes: wait for the code to arrive.
      if (available < headerLength + 2) return 0;
      const codeAt = offset + headerLength;
      let high = data[codeAt]!;
      let low = data[codeAt + 1]!;
      if (masked) {
        const maskAt = offset + headerLength - 4;
        high ^= data[maskAt]!;
        low ^= data[maskAt + 1]!;
      }
      this.closeCode = (high << 8) | low;
      return headerLength;
    }
    if (available < headerLength) return 0;
    this.skip = payloadLength;
    return headerLength;
  }
}

/** A close frame; masked when it goes to a server, as RFC 6455 §5.3 requires of clients. */
export function closeFrame(code: number, masked: boolean): Buffer {
  if (!masked) return Buffer.from([0x80 | OPCODE_CLOSE, 2, code >> 8, code & 0xff]);
  const mask = randomBytes(4);
  return Buffer.from([0x80 | OPCODE_CLOSE, 0x80 | 2, ...mask, (code >> 8) ^ mask[0]!, (code & 0xff) ^ mask[1]!]);
}
