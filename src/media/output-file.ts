// Where the MP4 goes while it is made: a file in the origin-private file system
// (OPFS), written in place through a sync access handle (dedicated workers
// only), so a long video's output lives on disk, not in memory. The finished
// file is handed to the page as a disk-backed File.
//
// Files are named `<owner>.<random>.mp4`, the owner being the page that asked
// for the run (EngineClient's page id, a UUID). That page holds a Web Lock
// named by its id for as long as it lives, so a file whose owner's lock is not
// held belongs to a closed tab and can go. Before each new file, `sweep`
// removes those and the owner's own earlier outputs (the page drops its
// previous result before it starts a run). A file still being written is
// locked by its handle; removing it fails, and it is left alone.
//
// Where OPFS or sync access handles are missing (a page context, an old
// browser, storage refused), `createOutputFile` returns null and the writer
// keeps the bytes in memory (ByteCollector) as before.
import { DiskFullError } from './errors';
import type { PositionedWrite } from './byte-collector';

export const OUTPUT_DIR = 'unblur-output';

const OWNER = /^[A-Za-z0-9-]{1,64}$/;
const FILE_NAME = /^([A-Za-z0-9-]{1,64})\.[A-Za-z0-9-]+\.mp4$/;

// The parts of the File System Access API this file uses (tests pass fakes).
export interface SyncHandle {
  write(data: Uint8Array, options: { at: number }): number;
  flush(): void;
  close(): void;
}
export interface OutputFileHandle {
  createSyncAccessHandle(): Promise<SyncHandle>;
  getFile(): Promise<File>;
}
export interface OutputDir {
  getFileHandle(name: string, options: { create: boolean }): Promise<OutputFileHandle>;
  removeEntry(name: string): Promise<void>;
  keys(): AsyncIterable<string>;
}
export interface OutputStorage {
  /** The output folder; throws where OPFS is unavailable. */
  dir(): Promise<OutputDir>;
  /** Names of the Web Locks held right now in this origin; null: no Web Locks here. */
  heldLocks(): Promise<string[] | null>;
}

export interface OutputFile {
  readonly name: string;
  /** Positioned writes (mediabunny's StreamTarget chunks) go straight to the file. */
  readonly writable: WritableStream<PositionedWrite>;
  /** Bytes in the file (the largest byte written + 1). */
  readonly size: number;
  /** Closes the handle; the file as a disk-backed File. */
  finish(): Promise<File>;
  /** Closes the handle and deletes the file (a cancelled or failed run). */
  remove(): Promise<void>;
}

/** The browser's OPFS and Web Locks, or null where there is no OPFS API at all. */
export function browserStorage(): OutputStorage | null {
  const nav = (globalThis as { navigator?: Navigator }).navigator;
  if (!nav?.storage?.getDirectory) return null;
  return {
    async dir() {
      const root = await nav.storage.getDirectory();
      return (await root.getDirectoryHandle(OUTPUT_DIR, { create: true })) as unknown as OutputDir;
    },
    async heldLocks() {
      if (!nav.locks?.query) return null;
      const state = await nav.locks.query();
      return (state.held ?? []).map((l) => l.name ?? '');
    },
  };
}

/** Removes the outputs of closed pages and `owner`'s earlier ones; returns the names removed. */
export async function sweep(dir: OutputDir, owner: string, heldLocks: string[] | null): Promise<string[]> {
  const names: string[] = [];
  for await (const name of dir.keys()) names.push(name);
  const removed: string[] = [];
  for (const name of names) {
    const m = FILE_NAME.exec(name);
    if (!m) continue;
    const fileOwner = m[1]!;
    const gone = fileOwner === owner || (heldLocks !== null && !heldLocks.includes(fileOwner));
    if (!gone) continue;
    try {
      await dir.removeEntry(name);
      removed.push(name);
    } catch {
      // Still open for writing (a run in another tab, or one a lost GPU suspended here): not ours to take.
    }
  }
  return removed;
}

function randomPart(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * A new output file for `owner`, after sweeping the folder; null where OPFS
 * or sync access handles are not available (the caller keeps the bytes in memory).
 */
export async function createOutputFile(owner: string, storage: OutputStorage | null = browserStorage()): Promise<OutputFile | null> {
  if (!OWNER.test(owner)) throw new Error(`bad output owner ${JSON.stringify(owner)}`);
  if (!storage) return null;
  const name = `${owner}.${randomPart()}.mp4`;
  let dir: OutputDir | null = null;
  let file: OutputFileHandle | null = null;
  let handle: SyncHandle;
  try {
    dir = await storage.dir();
    await sweep(dir, owner, await storage.heldLocks().catch(() => null));
    file = await dir.getFileHandle(name, { create: true });
    if (typeof file.createSyncAccessHandle !== 'function') throw new Error('no sync access handles here');
    handle = await file.createSyncAccessHandle();
  } catch (e) {
    if (file) await dir!.removeEntry(name).catch(() => undefined);
    if (isQuotaError(e)) throw new DiskFullError({ cause: e });
    return null; // no sync access handles (a page context), or storage refused: memory it is
  }
  const folder = dir;
  const fileHandle = file;

  let size = 0;
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    handle.close();
  };
  const write = (position: number, data: Uint8Array) => {
    if (!open) throw new Error('the output file is closed');
    let done = 0;
    try {
      while (done < data.byteLength) {
        const n = handle.write(data.subarray(done), { at: position + done });
        // Chromium 156 answers a write over the quota with a count of 2^32 - 8
        // rather than a QuotaExceededError: a count outside 1..asked is a failed write.
        if (!(n > 0 && n <= data.byteLength - done)) throw new DiskFullError();
        done += n;
      }
    } catch (e) {
      throw isQuotaError(e) ? new DiskFullError({ cause: e }) : e;
    }
    size = Math.max(size, position + data.byteLength);
  };
  return {
    name,
    get size() {
      return size;
    },
    writable: new WritableStream<PositionedWrite>({ write: (chunk) => write(chunk.position, chunk.data) }),
    async finish() {
      try {
        handle.flush();
      } finally {
        close();
      }
      return fileHandle.getFile();
    },
    async remove() {
      try {
        close();
      } finally {
        await folder.removeEntry(name).catch(() => undefined);
      }
    },
  };
}

function isQuotaError(e: unknown): boolean {
  return !!e && typeof e === 'object' && (e as { name?: unknown }).name === 'QuotaExceededError';
}
