// The panels around the viewer: what the video is and what to do with it,
// progress with Cancel, the result with its download, and errors in plain words.
import { useId } from 'react';
import { PASS_CHOICES, PASS_NAMES } from '../engine/protocol';
import { WEBGPU_HELP } from '../gpu/device';
import { acceptDownscale, cancelRun, previewFrame, resumeRun, startRun } from './controller';
import { formatClock, formatEta, formatFps } from './format';
import { useAppStore } from './store';

/** A labelled drop-down of `choices` with an optional muted line beside it. */
function ChoiceField<T extends string | number>(props: {
  label: string;
  value: T;
  choices: readonly { value: T; label: string }[];
  onChange: (value: T) => void;
  disabled: boolean;
  testId: string;
  hint: string | null;
}) {
  const id = useId();
  return (
    <div className="controls">
      <label className="controls__field" htmlFor={id}>
        <span>{props.label}</span>
        <select
          id={id}
          value={props.value}
          onChange={(e) => {
            const picked = props.choices.find((c) => String(c.value) === e.currentTarget.value);
            if (picked) props.onChange(picked.value);
          }}
          disabled={props.disabled}
          data-testid={props.testId}
        >
          {props.choices.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
      </label>
      {props.hint && <p className="controls__hint muted">{props.hint}</p>}
    </div>
  );
}

export function VideoPanel() {
  const info = useAppStore((s) => s.info);
  const phase = useAppStore((s) => s.phase);
  const models = useAppStore((s) => s.models);
  const modelId = useAppStore((s) => s.modelId);
  const setModelId = useAppStore((s) => s.setModelId);
  const passes = useAppStore((s) => s.passes);
  const setPasses = useAppStore((s) => s.setPasses);
  const scaleTo = useAppStore((s) => s.scaleTo);
  const setScaleTo = useAppStore((s) => s.setScaleTo);
  const previewIndex = useAppStore((s) => s.previewIndex);
  const setPreviewIndex = useAppStore((s) => s.setPreviewIndex);
  const previewBusy = useAppStore((s) => s.previewBusy);
  const runNotice = useAppStore((s) => s.runNotice);
  const scrubId = useId();

  if (phase === 'opening') {
    return (
      <section className="panel" data-testid="opening" aria-live="polite">
        <p className="panel__line">Reading the video…</p>
      </section>
    );
  }
  if (!info) return null;
  const running = phase === 'running';
  const blocked = info.downscaleTo !== null && scaleTo === null;
  const fps = info.fps > 0 ? info.fps : 0;
  const model = models.find((m) => m.id === modelId);

  return (
    <section className="panel" aria-label="Video" data-testid="video-panel">
      <dl className="facts__list facts__list--wide" data-testid="video-facts">
        <dt>Frames</dt>
        <dd data-testid="video-size">
          {info.width}×{info.height}
          {info.rotation ? `, rotated ${info.rotation}°` : ''} · {info.frameCount} frames · {formatClock(info.durationSeconds)}
          {fps > 0 ? ` · ${fps.toFixed(fps < 10 ? 1 : 0)} fps` : ''}
        </dd>
        <dt>Video</dt>
        <dd>{info.videoCodec}</dd>
        <dt>Audio</dt>
        <dd>{info.audio ?? <span className="muted">none</span>}</dd>
        {scaleTo && (
          <>
            <dt>Scaled to</dt>
            <dd data-testid="scaled-to">
              {scaleTo.width}×{scaleTo.height}{' '}
              {info.downscaleTo === null && (
                <button type="button" className="link" onClick={() => setScaleTo(null)}>
                  use the original size
                </button>
              )}
            </dd>
          </>
        )}
      </dl>

      {info.engineNote && (
        <p className="drop__notice" role="note" data-testid="engine-note">
          {info.engineNote}
        </p>
      )}

      <ChoiceField
        label="Model"
        value={modelId}
        choices={models.map((m) => ({ value: m.id, label: m.label }))}
        onChange={setModelId}
        disabled={running}
        testId="model-select"
        hint={model?.description || null}
      />

      <ChoiceField
        label="Quality"
        value={passes}
        choices={PASS_CHOICES.map((n) => ({ value: n, label: `${PASS_NAMES[n]} (${n} pass${n === 1 ? '' : 'es'})` }))}
        onChange={setPasses}
        disabled={running}
        testId="quality-select"
        hint={passes > 1 ? `Each frame is restored ${passes} times, mirrored, and the results averaged: a little sharper, about ${passes}× the time, and more GPU memory.` : null}
      />

      {info.frameCount > 0 && (
        <div className="controls controls--preview">
          <label className="controls__field controls__field--grow" htmlFor={scrubId}>
            <span>
              Preview frame {previewIndex + 1} of {info.frameCount}
              {fps > 0 ? ` (${formatClock(previewIndex / fps)})` : ''}
            </span>
            <input
              id={scrubId}
              type="range"
              min={0}
              max={Math.max(0, info.frameCount - 1)}
              step={1}
              value={previewIndex}
              onChange={(e) => setPreviewIndex(Number(e.currentTarget.value))}
              disabled={running}
              data-testid="preview-scrub"
            />
          </label>
          <button
            type="button"
            className="button"
            onClick={() => void previewFrame()}
            disabled={running || previewBusy || blocked}
            data-testid="preview-button"
          >
            {previewBusy ? 'Restoring frame…' : 'Preview this frame'}
          </button>
        </div>
      )}

      <div className="controls">
        <button
          type="button"
          className="button button--primary"
          onClick={() => void startRun()}
          disabled={running || blocked}
          data-testid="start-button"
        >
          {phase === 'done' ? 'Deblur again' : 'Deblur video'}
        </button>
        {runNotice && (
          <p className="controls__hint" role="status" data-testid="run-notice">
            {runNotice}
          </p>
        )}
      </div>
    </section>
  );
}

export function ProgressPanel() {
  const phase = useAppStore((s) => s.phase);
  const p = useAppStore((s) => s.progress);
  if (phase !== 'running' && phase !== 'done') return null;
  if (!p) return null;
  const pct = p.total > 0 ? Math.min(100, Math.round((p.done / p.total) * 100)) : 0;
  const label =
    phase === 'done'
      ? `Done: ${p.done} of ${p.total} frames`
      : p.stage === 'model'
        ? 'Loading the model…'
        : p.stage === 'finishing'
          ? 'Writing the MP4…'
          : `${p.done} of ${p.total} frames · ${formatFps(p.fps)} fps · ${formatEta(p.etaSeconds)}`;
  return (
    <section className="panel progress" aria-label="Progress" data-testid="progress">
      <div className="progress__row">
        <div
          className="progress__bar"
          role="progressbar"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={pct}
          aria-label="Frames restored"
          data-testid="progress-bar"
        >
          <div className="progress__fill" style={{ width: `${pct}%` }} />
        </div>
        <span className="progress__pct" data-testid="progress-percent">
          {pct}%
        </span>
        {phase === 'running' && (
          <button type="button" className="button" onClick={cancelRun} data-testid="cancel-button">
            Cancel
          </button>
        )}
      </div>
      <p className="progress__text" aria-live="polite" data-testid="progress-text">
        {label}
      </p>
    </section>
  );
}

export function ResultPanel() {
  const phase = useAppStore((s) => s.phase);
  const r = useAppStore((s) => s.result);
  const markDownloaded = useAppStore((s) => s.markDownloaded);
  if (phase !== 'done' || !r) return null;
  return (
    <section className="panel result" aria-label="Result" data-testid="result">
      <a className="button button--primary" href={r.url} download={r.fileName} onClick={markDownloaded} data-testid="download">
        Download {r.fileName}
      </a>
      <ul className="result__notes">
        <li data-testid="result-video">
          Video: {r.videoCodec}, {r.width}×{r.height}, {r.frames} frames, {formatClock(r.durationSeconds)}.
        </li>
        <li data-testid="result-audio">Audio: {r.audio.message}</li>
        <li className="muted">Restored in {formatClock(r.seconds)} on this computer. Nothing was uploaded.</li>
      </ul>
    </section>
  );
}

export function ErrorPanel() {
  const error = useAppStore((s) => s.error);
  const clearError = useAppStore((s) => s.clearError);
  const info = useAppStore((s) => s.info);
  if (!error) return null;
  return (
    <section className="panel panel--error" role="alert" data-testid="error" data-code={error.code}>
      <p className="panel__title" data-testid="error-title">
        {error.title}
      </p>
      <p className="panel__line" data-testid="error-message">
        {error.message}
      </p>
      {error.code === 'no-webgpu' && (
        <ul className="gpu__help" data-testid="error-webgpu-help">
          {WEBGPU_HELP.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      )}
      <div className="panel__actions">
        {error.downscaleTo && (
          <button type="button" className="button button--primary" onClick={acceptDownscale} data-testid="downscale-button">
            Scale down to {error.downscaleTo.width}×{error.downscaleTo.height}
          </button>
        )}
        {error.resumeFrom !== undefined && info && (
          <button type="button" className="button button--primary" onClick={() => void resumeRun()} data-testid="resume-button">
            Resume from frame {error.resumeFrom + 1}
          </button>
        )}
        {error.canRestart && info && (
          <button
            type="button"
            className={error.resumeFrom !== undefined || error.downscaleTo ? 'button' : 'button button--primary'}
            onClick={() => void startRun()}
            data-testid="restart-button"
          >
            Start again
          </button>
        )}
        <button type="button" className="button" onClick={clearError} data-testid="dismiss-error">
          {error.downscaleTo ? 'Not now' : 'Dismiss'}
        </button>
      </div>
    </section>
  );
}
