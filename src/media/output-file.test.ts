import { describe, expect, it } from 'vitest';
import { DiskFullError, toUserError } from './errors';
import { createOutputFile, sweep, type OutputDir, type OutputFileHandle, type OutputStorage, type SyncHandle } from './output-file';

const PAGE = '0f8e6c2a-1b2c-4d5e-8f90-123456789abc';
const OTHER = '11111111-2222-4333-8444-555555555555';
const GONE = '99999999-8888-4777-8666-555555555555';

/** An in-memory OPFS folder: files are byte arrays; a file with an open sync handle cannot be removed. */
class FakeDir implements OutputDir {
  files = new Map<string, Uint8Array>();
  open = new Set<string>();
  /** Bytes a file may hold before writes fail with QuotaExceededError. */
  quota = Infinity;

  async getFileHandle(name: string, options: { create: boolean }): Promise<OutputFileHandle> {
    if (!this.files.has(name)) {
      if (!options.create) throw new DOMException('no such file', 'NotFoundError');
      this.files.set(name, new Uint8Array(0));
    }
    return {
      createSyncAccessHandle: async () => {
        if (this.open.has(name)) throw new DOMException('locked', 'NoModificationAllowedError');
        this.open.add(name);
        return this.handle(name);
      },
      getFile: async () => new File([this.files.get(name)!.slice()], name),
    };
  }

  private handle(name: string): SyncHandle {
    return {
      write: (data, { at }) => {
        if (!this.open.has(name)) throw new DOMException('closed', 'InvalidStateError');
        const end = at + data.byteLength;
        if (end > this.quota) throw new DOMException('quota', 'QuotaExceededError');
        const old = this.files.get(name)!;
        const bytes = new Uint8Array(Math.max(old.byteLength, end));
        bytes.set(old);
        bytes.set(data, at);
        this.files.set(name, bytes);
        return data.byteLength;
      },
      flush: () => undefined,
      close: () => void this.open.delete(name),
    };
  }

  async removeEntry(name: string): Promise<void> {
    if (this.open.has(name)) throw new DOMException('in use', 'NoModificationAllowedError');
    if (!this.files.delete(name)) throw new DOMException('no such file', 'NotFoundError');
  }

  async *keys(): AsyncIterable<string> {
    yield* [...this.files.keys()];
  }
}

function storage(dir: FakeDir, held: string[] | null = [PAGE]): OutputStorage {
  return { dir: async () => dir, heldLocks: async () => held };
}

async function writeAll(w: WritableStream<{ type: 'write'; data: Uint8Array; position: number }>, chunks: [number, number[]][]) {
  const writer = w.getWriter();
  for (const [position, data] of chunks) await writer.write({ type: 'write', position, data: new Uint8Array(data) });
  await writer.close();
}

describe('createOutputFile', () => {
  it('writes positioned chunks to a file named after the page and hands back that file', async () => {
    const dir = new FakeDir();
    const out = (await createOutputFile(PAGE, storage(dir)))!;
    expect(out.name).toMatch(new RegExp(`^${PAGE}\\.[0-9a-f]{16}\\.mp4$`));
    // Appends, then a patch of bytes written earlier (as the MP4 muxer does for box sizes).
    await writeAll(out.writable, [
      [0, [1, 2, 3, 4]],
      [4, [5, 6]],
      [1, [9, 9]],
    ]);
    expect(out.size).toBe(6);
    const file = await out.finish();
    expect([...new Uint8Array(await file.arrayBuffer())]).toEqual([1, 9, 9, 4, 5, 6]);
    expect(dir.open.size).toBe(0); // the handle is closed
    expect([...dir.files.keys()]).toEqual([out.name]); // the file stays for the page to download
  });

  it('remove() closes and deletes the file', async () => {
    const dir = new FakeDir();
    const out = (await createOutputFile(PAGE, storage(dir)))!;
    await writeAll(out.writable, [[0, [1, 2, 3]]]);
    await out.remove();
    expect(dir.files.size).toBe(0);
  });

  it('a full disk is a DiskFullError, in plain words', async () => {
    const dir = new FakeDir();
    dir.quota = 5;
    const out = (await createOutputFile(PAGE, storage(dir)))!;
    const err = await writeAll(out.writable, [
      [0, [1, 2, 3]],
      [3, [4, 5, 6]],
    ]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiskFullError);
    expect(toUserError(err, { stage: 'encode' }).toUser()).toMatchObject({ code: 'disk-full', title: 'Not enough disk space', canRestart: true });
    expect(toUserError(new DOMException('quota', 'QuotaExceededError'), { stage: 'encode' })).toBeInstanceOf(DiskFullError);
    await out.remove();
    expect(dir.files.size).toBe(0);
  });

  it('a write that reports a count it cannot have written (Chromium over the quota) is a DiskFullError too', async () => {
    // 2^32 - 8 is what Chromium 156 returns over the quota; 4 is more than the 3 bytes asked.
    for (const count of [2 ** 32 - 8, 0, -1, 4]) {
      const dir = new FakeDir();
      dir.getFileHandle = async () => ({
        createSyncAccessHandle: async () => ({ write: () => count, flush: () => undefined, close: () => undefined }),
        getFile: async () => new File([], 'unused'),
      });
      const out = (await createOutputFile(PAGE, storage(dir)))!;
      expect(await writeAll(out.writable, [[0, [1, 2, 3]]]).catch((e: unknown) => e)).toBeInstanceOf(DiskFullError);
    }
  });

  it('returns null (memory, as before) where there is no OPFS or it is refused', async () => {
    expect(await createOutputFile(PAGE, null)).toBeNull();
    const refused: OutputStorage = {
      dir: async () => {
        throw new DOMException('storage disabled', 'SecurityError');
      },
      heldLocks: async () => [],
    };
    expect(await createOutputFile(PAGE, refused)).toBeNull();
    // A page context: the file can be made, but there are no sync access handles; nothing is left behind.
    const dir = new FakeDir();
    const plain = dir.getFileHandle.bind(dir);
    dir.getFileHandle = async (name, options) => ({ ...(await plain(name, options)), createSyncAccessHandle: undefined as never });
    expect(await createOutputFile(PAGE, storage(dir))).toBeNull();
    expect(dir.files.size).toBe(0);
  });

  it('refuses an owner that could break the file name', async () => {
    await expect(createOutputFile('../x', storage(new FakeDir()))).rejects.toThrow(/bad output owner/);
  });
});

describe('sweep', () => {
  it("removes closed pages' files and this page's earlier ones; keeps live pages', files being written and foreign names", async () => {
    const dir = new FakeDir();
    for (const name of [`${PAGE}.aa.mp4`, `${OTHER}.bb.mp4`, `${GONE}.cc.mp4`, `${GONE}.dd.mp4`, 'notes.txt']) dir.files.set(name, new Uint8Array(1));
    dir.open.add(`${GONE}.dd.mp4`); // still being written somewhere
    const removed = await sweep(dir, PAGE, [PAGE, OTHER]);
    expect(removed.sort()).toEqual([`${GONE}.cc.mp4`, `${PAGE}.aa.mp4`].sort());
    expect([...dir.files.keys()].sort()).toEqual([`${GONE}.dd.mp4`, `${OTHER}.bb.mp4`, 'notes.txt'].sort());
  });

  it("without Web Locks it cannot tell a closed page from a live one: only this page's files go", async () => {
    const dir = new FakeDir();
    for (const name of [`${PAGE}.aa.mp4`, `${GONE}.cc.mp4`]) dir.files.set(name, new Uint8Array(1));
    expect(await sweep(dir, PAGE, null)).toEqual([`${PAGE}.aa.mp4`]);
  });

  it('runs before each new file', async () => {
    const dir = new FakeDir();
    dir.files.set(`${GONE}.cc.mp4`, new Uint8Array(1));
    const first = (await createOutputFile(PAGE, storage(dir)))!;
    await first.finish();
    const second = (await createOutputFile(PAGE, storage(dir)))!;
    expect([...dir.files.keys()]).toEqual([second.name]);
    await second.remove();
  });
});
