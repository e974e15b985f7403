import { describe, expect, it } from 'vitest';
import { createFramesStore, type Closable, type Pair } from './frames';

class Fake implements Closable {
  closed = false;
  close() {
    this.closed = true;
  }
}

const pair = (index: number): Pair<Fake> => ({ index, time: index / 15, blurred: new Fake(), restored: new Fake(), source: 'run' });

describe('frames store', () => {
  it('closes the pair it replaces', () => {
    const s = createFramesStore<Fake>(3);
    const a = pair(0);
    const b = pair(1);
    s.getState().show(a);
    s.getState().show(b);
    expect(a.blurred.closed && a.restored.closed).toBe(true);
    expect(b.blurred.closed).toBe(false);
    expect(s.getState().current).toBe(b);
  });

  it('keeps at most `limit` history entries and closes the dropped ones', () => {
    const s = createFramesStore<Fake>(3);
    const pairs = [0, 1, 2, 3, 4].map(pair);
    for (const p of pairs) s.getState().remember(p);
    expect(s.getState().history.map((p) => p.index)).toEqual([2, 3, 4]);
    expect(pairs[0]!.blurred.closed && pairs[1]!.restored.closed).toBe(true);
    expect(pairs[2]!.blurred.closed).toBe(false);
  });

  it('keeps the scrubbed-to entry selected as old ones drop out', () => {
    const s = createFramesStore<Fake>(3);
    for (const i of [0, 1, 2]) s.getState().remember(pair(i));
    s.getState().select(1);
    s.getState().remember(pair(3));
    expect(s.getState().history[s.getState().selected!]!.index).toBe(1);
    s.getState().select(99);
    expect(s.getState().selected).toBe(2);
    s.getState().select(null);
    expect(s.getState().selected).toBeNull();
  });

  it('reset closes everything', () => {
    const s = createFramesStore<Fake>(3);
    const a = pair(0);
    const b = pair(1);
    s.getState().show(a);
    s.getState().remember(b);
    s.getState().reset();
    expect(a.blurred.closed && b.restored.closed).toBe(true);
    expect(s.getState().current).toBeNull();
    expect(s.getState().history).toEqual([]);
  });
});
