import { describe, expect, it } from 'vitest';
import { ByteCollector } from './byte-collector';

const bytes = (...v: number[]) => new Uint8Array(v);
const blobBytes = async (c: ByteCollector) => Array.from(new Uint8Array(await c.toBlob().arrayBuffer()));

describe('ByteCollector', () => {
  it('appends, patches earlier bytes across pieces, and fills gaps with zeros', async () => {
    const c = new ByteCollector();
    c.write(0, bytes(1, 2, 3));
    c.write(3, bytes(4, 5));
    c.write(2, bytes(9, 9)); // spans the two pieces
    c.write(7, bytes(7)); // gap at 5..6
    c.write(6, bytes(6, 8, 10)); // overlaps the end and extends it
    expect(c.size).toBe(9);
    expect(await blobBytes(c)).toEqual([1, 2, 9, 9, 5, 0, 6, 8, 10]);
  });

  it('copies the data it is given', async () => {
    const c = new ByteCollector();
    const buf = bytes(1, 2);
    c.write(0, buf);
    buf[0] = 99;
    expect(await blobBytes(c)).toEqual([1, 2]);
  });

  it('works as the WritableStream of a StreamTarget', async () => {
    const c = new ByteCollector();
    const w = c.writable().getWriter();
    await w.write({ type: 'write', position: 0, data: bytes(1, 2, 3, 4) });
    await w.write({ type: 'write', position: 0, data: bytes(8) });
    await w.close();
    expect(await blobBytes(c)).toEqual([8, 2, 3, 4]);
    expect(c.toBlob().type).toBe('video/mp4');
  });

  it('discards everything and ignores later writes', async () => {
    const c = new ByteCollector();
    c.write(0, bytes(1));
    c.discard();
    c.write(1, bytes(2));
    expect(c.size).toBe(0);
    expect(await blobBytes(c)).toEqual([]);
  });
});
