// An in-memory file built from positioned writes, for mediabunny's
// StreamTarget: the MP4 muxer appends as it goes and, at the end, patches a
// few bytes it wrote earlier (box sizes). Each write is copied once; the final
// Blob is assembled from the stored pieces without one big concatenation.
// Pure (no mediabunny, no DOM beyond Blob and WritableStream), unit-tested in Node.

export interface PositionedWrite {
  type: 'write';
  data: Uint8Array;
  position: number;
}

interface Piece {
  start: number;
  bytes: Uint8Array<ArrayBuffer>;
}

export class ByteCollector {
  private pieces: Piece[] = [];
  private end = 0;
  private discarded = false;

  /** Total size of the file so far (the largest byte written + 1). */
  get size(): number {
    return this.end;
  }

  write(position: number, data: Uint8Array): void {
    if (this.discarded) return;
    if (!Number.isInteger(position) || position < 0) throw new RangeError(`bad write position ${position}`);
    if (data.byteLength === 0) return;
    let pos = position;
    let src = data;
    // Overwrite the part that lands on bytes already stored.
    if (pos < this.end) {
      const overlapEnd = Math.min(this.end, pos + src.byteLength);
      this.patch(pos, src.subarray(0, overlapEnd - pos));
      src = src.subarray(overlapEnd - pos);
      pos = overlapEnd;
      if (src.byteLength === 0) return;
    }
    // A gap (never made by the muxer, but allowed): zeros.
    if (pos > this.end) {
      this.pieces.push({ start: this.end, bytes: new Uint8Array(pos - this.end) });
      this.end = pos;
    }
    this.pieces.push({ start: pos, bytes: new Uint8Array(src) });
    this.end = pos + src.byteLength;
  }

  private patch(position: number, data: Uint8Array): void {
    // Pieces are sorted and contiguous: binary search the first one that holds `position`.
    let lo = 0;
    let hi = this.pieces.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.pieces[mid]!.start <= position) lo = mid;
      else hi = mid - 1;
    }
    let done = 0;
    for (let i = lo; i < this.pieces.length && done < data.byteLength; i++) {
      const piece = this.pieces[i]!;
      const at = position + done - piece.start;
      const n = Math.min(piece.bytes.byteLength - at, data.byteLength - done);
      piece.bytes.set(data.subarray(done, done + n), at);
      done += n;
    }
  }

  /** The file as a Blob. */
  toBlob(type = 'video/mp4'): Blob {
    return new Blob(
      this.pieces.map((p) => p.bytes),
      { type },
    );
  }

  /** Drops everything; later writes are ignored. */
  discard(): void {
    this.discarded = true;
    this.pieces = [];
    this.end = 0;
  }

  /** A WritableStream that feeds this collector (mediabunny StreamTarget chunks). */
  writable(): WritableStream<PositionedWrite> {
    return new WritableStream<PositionedWrite>({
      write: (chunk) => this.write(chunk.position, chunk.data),
    });
  }
}
