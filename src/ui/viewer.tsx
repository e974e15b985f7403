// Blurred and restored frames, large: side by side or as one picture with a
// draggable divider (Squoosh-style), at fit-to-width or 100% zoom, plus a
// scrubber over the processed frames the page kept.
import { useEffect, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import { formatClock } from './format';
import { useFrames, type Pair } from './frames';
import { useAppStore } from './store';

type Mode = 'side' | 'split';
type Zoom = 'fit' | 'actual';

function BitmapCanvas({ bitmap, label, testId, zoom }: { bitmap: ImageBitmap; label: string; testId: string; zoom: Zoom }) {
  const ref = useRef<HTMLCanvasElement>(null);
  // Frames arrive in coded orientation; show them the way the player would (container rotation, clockwise).
  const rotation = (((useAppStore((s) => s.info?.rotation ?? 0) % 360) + 360) % 360) as 0 | 90 | 180 | 270;
  const quarter = rotation === 90 || rotation === 270;
  const w = quarter ? bitmap.height : bitmap.width;
  const h = quarter ? bitmap.width : bitmap.height;
  useEffect(() => {
    const c = ref.current;
    if (!c) return;
    // The bitmap may already be closed if a newer pair replaced it.
    if (bitmap.width === 0) return;
    c.width = quarter ? bitmap.height : bitmap.width;
    c.height = quarter ? bitmap.width : bitmap.height;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.imageSmoothingEnabled = false;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, c.width, c.height);
    ctx.translate(c.width / 2, c.height / 2);
    ctx.rotate((rotation * Math.PI) / 180);
    ctx.drawImage(bitmap, -bitmap.width / 2, -bitmap.height / 2);
    c.dataset.drawn = String(Number(c.dataset.drawn ?? '0') + 1);
  }, [bitmap, rotation, quarter]);
  return (
    <canvas
      ref={ref}
      className={`viewer__canvas viewer__canvas--${zoom}`}
      role="img"
      aria-label={label}
      data-testid={testId}
      style={zoom === 'actual' ? { width: `${w}px`, height: `${h}px` } : undefined}
    />
  );
}

function SplitView({ pair, zoom }: { pair: Pair; zoom: Zoom }) {
  const [pos, setPos] = useState(50);
  const box = useRef<HTMLDivElement>(null);
  const dragging = useRef(false);

  const moveTo = (clientX: number) => {
    const el = box.current;
    if (!el) return;
    const r = el.getBoundingClientRect();
    if (r.width <= 0) return;
    setPos(Math.max(0, Math.min(100, ((clientX - r.left) / r.width) * 100)));
  };
  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    dragging.current = true;
    e.currentTarget.setPointerCapture(e.pointerId);
    moveTo(e.clientX);
  };
  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    if (dragging.current) moveTo(e.clientX);
  };
  const onPointerUp = () => {
    dragging.current = false;
  };
  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const step = e.shiftKey ? 10 : 2;
    let next: number | null = null;
    if (e.key === 'ArrowLeft' || e.key === 'ArrowDown') next = pos - step;
    else if (e.key === 'ArrowRight' || e.key === 'ArrowUp') next = pos + step;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = 100;
    else if (e.key === 'PageDown') next = pos - 25;
    else if (e.key === 'PageUp') next = pos + 25;
    if (next === null) return;
    e.preventDefault();
    setPos(Math.max(0, Math.min(100, next)));
  };

  return (
    <div className={`viewer__scroll viewer__scroll--${zoom}`}>
      <div
        className="split"
        ref={box}
        data-testid="split-view"
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
      >
        <BitmapCanvas bitmap={pair.blurred} label="Blurred input frame" testId="split-blurred" zoom={zoom} />
        <div className="split__top" style={{ clipPath: `inset(0 0 0 ${pos}%)` }}>
          <BitmapCanvas bitmap={pair.restored} label="Restored frame" testId="split-restored" zoom={zoom} />
        </div>
        <div className="split__line" style={{ left: `${pos}%` }} aria-hidden="true" />
        <div
          className="split__handle"
          style={{ left: `${pos}%` }}
          role="slider"
          tabIndex={0}
          aria-label="Divider between blurred (left) and restored (right)"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(pos)}
          aria-valuetext={`${Math.round(pos)}% blurred on the left`}
          data-testid="split-handle"
          onKeyDown={onKey}
        >
          <span aria-hidden="true">⟷</span>
        </div>
        <span className="split__tag split__tag--left">Blurred</span>
        <span className="split__tag split__tag--right">Restored</span>
      </div>
    </div>
  );
}

function SideBySide({ pair, zoom }: { pair: Pair; zoom: Zoom }) {
  return (
    <div className={`side side--${zoom}`}>
      <figure className="side__pane" data-testid="pane-blurred">
        <figcaption>Blurred</figcaption>
        <div className={`viewer__scroll viewer__scroll--${zoom}`}>
          <BitmapCanvas bitmap={pair.blurred} label="Blurred input frame" testId="blurred-canvas" zoom={zoom} />
        </div>
      </figure>
      <figure className="side__pane" data-testid="pane-restored">
        <figcaption>Restored</figcaption>
        <div className={`viewer__scroll viewer__scroll--${zoom}`}>
          <BitmapCanvas bitmap={pair.restored} label="Restored frame" testId="restored-canvas" zoom={zoom} />
        </div>
      </figure>
    </div>
  );
}

export function Viewer() {
  const current = useFrames((s) => s.current);
  const history = useFrames((s) => s.history);
  const selected = useFrames((s) => s.selected);
  const select = useFrames((s) => s.select);
  const phase = useAppStore((s) => s.phase);
  const total = useAppStore((s) => s.info?.frameCount ?? 0);
  const [mode, setMode] = useState<Mode>('side');
  const [zoom, setZoom] = useState<Zoom>('fit');

  const shown = selected !== null ? (history[selected] ?? current) : current;
  if (!shown) return null;
  const isThumb = selected !== null && shown !== current;

  return (
    <section className="viewer" aria-label="Frames" data-testid="viewer" data-source={shown.source} data-frame={shown.index}>
      <div className="viewer__bar">
        <p className="viewer__caption" data-testid="viewer-caption">
          {shown.source === 'preview' ? 'Preview of frame ' : 'Frame '}
          {shown.index + 1}
          {total > 0 ? ` of ${total}` : ''} · {formatClock(shown.time)}
          {isThumb && <span className="muted"> · small copy</span>}
        </p>
        <div className="seg" role="group" aria-label="Layout">
          <button type="button" className="seg__btn" aria-pressed={mode === 'side'} onClick={() => setMode('side')}>
            Side by side
          </button>
          <button type="button" className="seg__btn" aria-pressed={mode === 'split'} onClick={() => setMode('split')}>
            Split
          </button>
        </div>
        <button
          type="button"
          className="seg__btn seg__btn--solo"
          aria-pressed={zoom === 'actual'}
          onClick={() => setZoom(zoom === 'actual' ? 'fit' : 'actual')}
          title="Show pixels at their real size"
        >
          Zoom 100%
        </button>
      </div>

      {mode === 'split' ? <SplitView pair={shown} zoom={zoom} /> : <SideBySide pair={shown} zoom={zoom} />}

      {history.length > 0 && (
        <div className="scrub">
          <label className="scrub__label" htmlFor="history-scrub">
            Processed frames
          </label>
          <input
            id="history-scrub"
            className="scrub__range"
            type="range"
            min={0}
            max={Math.max(0, history.length - 1)}
            step={1}
            value={selected ?? history.length - 1}
            onChange={(e) => select(Number(e.currentTarget.value))}
            aria-valuetext={`frame ${(history[selected ?? history.length - 1]?.index ?? 0) + 1}`}
            data-testid="history-scrub"
          />
          <button
            type="button"
            className="button button--small"
            disabled={selected === null}
            onClick={() => select(null)}
          >
            {phase === 'running' ? 'Follow live' : 'Latest'}
          </button>
        </div>
      )}
    </section>
  );
}
