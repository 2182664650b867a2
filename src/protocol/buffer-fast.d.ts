// Node's Buffer has undocumented-but-stable latin1Slice/latin1Write methods (used by
// buffer.toString('latin1') / buffer.write(s, 'latin1') internally) that skip encoding dispatch.
// The hot paths call them directly.
declare global {
  interface Buffer {
    latin1Slice(start: number, end: number): string;
    latin1Write(s: string, offset: number, length?: number): number;
  }
}
export {};
