/**
 * Whether this CPU runs int8 convolutions fast and exactly. onnxruntime's x86 int8 kernels without VNNI
 * (AVX2 `vpmaddubsw`) add two u8×s8 products into a saturating int16: on an AVX2-only EPYC our int8
 * Real-ESRGAN was no faster than fp32 (26 s per input MP either way at ×4) and its output drifted to 23.5 dB
 * PSNR from fp32's (30.7 dB with VNNI). With VNNI (AVX-512 or AVX) the products sum in int32 and int8 runs
 * about twice as fast as fp32; Arm's dot-product instructions do the same.
 */
import { readFileSync } from 'node:fs';
import { arch, platform } from 'node:os';

let cached: boolean | undefined;

/** x86 with VNNI, or Arm: int8 is the faster choice there. Read once from /proc/cpuinfo on Linux x86. */
export function int8DotProducts(): boolean {
  if (cached === undefined) cached = detect();
  return cached;
}

function detect(): boolean {
  if (arch() === 'arm64') return true;
  if (arch() !== 'x64' || platform() !== 'linux') return false;
  try {
    const flags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '';
    return /\b(avx512_vnni|avx_vnni)\b/.test(flags);
  } catch {
    return false;
  }
}
