// Small formatting helpers for the UI. Pure functions, tested in Node.

const UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB'] as const;

/** 1536 -> "1.5 KB", 0 -> "0 bytes", 1 -> "1 byte". Decimal units (1 KB = 1000 bytes), like file managers. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return 'unknown size';
  if (n === 1) return '1 byte';
  if (n < 1000) return `${Math.round(n)} bytes`;
  let v = n;
  let u = 0;
  while (v >= 1000 && u < UNITS.length - 1) {
    v /= 1000;
    u += 1;
  }
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${v.toFixed(digits)} ${UNITS[u]}`;
}

/** Bytes as a grouped integer: 1234567 -> "1,234,567". */
export function formatByteCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
