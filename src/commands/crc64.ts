// CRC-64 as Redis's crc64.c computes it (the "Jones" polynomial, reflected: 0xad93d23594c935a9,
// whose reflection is 0x95ac9329ac4bc9b5; initial value 0, no final xor), the checksum that ends
// every DUMP payload and FUNCTION DUMP payload. Redis's check value: crc64(0, "123456789") =
// 0xe9c6d914c4b8d9ca (test/unit/dump-payload.test.ts).
//
// A byte-at-a-time table, with the 64-bit state held as two 32-bit halves: BigInt arithmetic per
// byte would cost a microsecond for every few bytes of a DUMP of a large value.

/** The reflected polynomial, as its high and low 32-bit halves. */
const POLY_HI = 0x95ac9329;
const POLY_LO = 0xac4bc9b5;

const TABLE_HI = new Uint32Array(256);
const TABLE_LO = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let hi = 0;
  let lo = n;
  for (let k = 0; k < 8; k++) {
    const carry = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi >>>= 1;
    if (carry) {
      hi = (hi ^ POLY_HI) >>> 0;
      lo = (lo ^ POLY_LO) >>> 0;
    }
  }
  TABLE_HI[n] = hi;
  TABLE_LO[n] = lo;
}

/** The CRC-64 of `b[0, end)`, as 8 bytes little-endian (how Redis appends it to a payload). */
export function crc64(b: Uint8Array, end = b.length): Buffer {
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < end; i++) {
    const t = (lo ^ b[i]) & 0xff;
    lo = ((lo >>> 8) | (hi << 24)) ^ TABLE_LO[t];
    hi = (hi >>> 8) ^ TABLE_HI[t];
  }
  const out = Buffer.alloc(8);
  out.writeInt32LE(lo | 0, 0);
  out.writeInt32LE(hi | 0, 4);
  return out;
}
