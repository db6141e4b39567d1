// Masking throughput: our applyMask (32-bit words over the aligned middle) against the plain
// byte loop that ws falls back to without its native addon. Run: node bench/mask.ts (build first).
import { applyMask } from '@pingora-ts/websocket';
import { compareOps, report, row } from '../../../scripts/bench-kit.mjs';

function byteLoop(buf: Uint8Array, mask: Uint8Array): void {
  for (let i = 0; i < buf.length; i++) buf[i] = buf[i]! ^ mask[i & 3]!;
}

const mask = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);
const rows = [];
for (const size of [64, 16 * 1024, 1024 * 1024]) {
  // Offset 1: a view that starts unaligned, as payloads inside a received chunk do.
  const buf = Buffer.alloc(size + 1).subarray(1);
  const reps = Math.max(1, Math.floor((4 * 1024 * 1024) / size));
  const result = await compareOps(
    {
      ours: () => {
        for (let i = 0; i < reps; i++) applyMask(buf, mask);
        return reps;
      },
      byteLoop: () => {
        for (let i = 0; i < reps; i++) byteLoop(buf, mask);
        return reps;
      },
    },
    { rounds: 9, warmup: 3 },
  );
  const label = size >= 1024 * 1024 ? '1 MiB' : size >= 1024 ? `${size / 1024} KiB` : `${size} B`;
  const mb = (ops: number) => (ops * size) / 1e6;
  rows.push(row(`mask ${label}`, 'MB/s', mb(result.ours), 'byte loop', mb(result.byteLoop), 1.0));
}
report('websocket', 'mask', rows);
