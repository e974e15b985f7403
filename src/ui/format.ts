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

/** "holiday.mov" -> "holiday-deblurred.mp4"; names without an extension keep their whole name. */
export function outputName(inputName: string): string {
  const base = inputName.replace(/[/\\]/g, '_');
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : base;
  return `${stem || 'video'}-deblurred.mp4`;
}

/** Seconds as "0:07", "1:05", "1:02:03". */
export function formatClock(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Time left in plain words: "about 5 s left", "about 3 min left", "about 1 h 20 min left". */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return 'estimating time left…';
  if (seconds < 1) return 'almost done';
  if (seconds < 60) return `about ${Math.ceil(seconds)} s left`;
  const min = Math.round(seconds / 60);
  if (min < 60) return `about ${min} min left`;
  const h = Math.floor(min / 60);
  return `about ${h} h ${min % 60} min left`;
}

/** Frames per second with sensible precision: 0.42 -> "0.42", 3.14 -> "3.1", 31.4 -> "31". */
export function formatFps(fps: number): string {
  if (!Number.isFinite(fps) || fps <= 0) return '–';
  if (fps < 1) return fps.toFixed(2);
  if (fps < 10) return fps.toFixed(1);
  return fps.toFixed(0);
}
