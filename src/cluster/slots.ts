// Hash slots, as Redis Cluster computes them: CRC16 (the XMODEM variant: polynomial 0x1021, initial
// value 0, no reflection) of the key, modulo 16384 (cluster.c keyHashSlot). When a key contains a
// non-empty "{...}" section, only the bytes between the first '{' and the first '}' after it are
// hashed (a hash tag), so that {user}:1 and {user}:2 land in the same slot. Keys are latin1 strings
// (one char per byte), so charCodeAt gives the bytes Redis hashes.

export const SLOTS = 16384;

/** The CRC16-XMODEM table, one entry per byte value (Redis's crc16tab, computed instead of listed). */
const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let b = 0; b < 256; b++) {
    let crc = b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    t[b] = crc;
  }
  return t;
})();

/** CRC16-XMODEM of key.slice(from, to). */
export function crc16(key: string, from = 0, to = key.length): number {
  let crc = 0;
  for (let i = from; i < to; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ key.charCodeAt(i)) & 0xff];
  return crc;
}

/** Redis's keyHashSlot: the slot of `key`, honouring a non-empty hash tag. */
export function keyHashSlot(key: string): number {
  const s = key.indexOf('{');
  if (s >= 0) {
    const e = key.indexOf('}', s + 1);
    // No '}', or "{}" with nothing inside: the whole key is hashed.
    if (e > s + 1) return crc16(key, s + 1, e) & (SLOTS - 1);
  }
  return crc16(key) & (SLOTS - 1);
}
