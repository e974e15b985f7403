import { useId, type ChangeEvent, type DragEvent } from 'react';
import { formatByteCount, formatBytes } from './format';
import { clearFile, pickFiles } from './controller';
import { useAppStore, VIDEO_EXTENSIONS } from './store';

const ACCEPT = ['video/*', ...VIDEO_EXTENSIONS.map((e) => `.${e}`)].join(',');

/** Accepts one video by drag-and-drop or the file picker and shows its facts. */
export function DropZone() {
  const inputId = useId();
  const file = useAppStore((s) => s.file);
  const notice = useAppStore((s) => s.fileNotice);
  const dragging = useAppStore((s) => s.dragging);
  const setDragging = useAppStore((s) => s.setDragging);

  const onDragOver = (e: DragEvent<HTMLLabelElement>) => {
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    if (!dragging) setDragging(true);
  };
  const onDragLeave = (e: DragEvent<HTMLLabelElement>) => {
    // Ignore leave events fired when moving between children of the zone.
    if (e.currentTarget.contains(e.relatedTarget as Node | null)) return;
    setDragging(false);
  };
  const onDrop = (e: DragEvent<HTMLLabelElement>) => {
    e.preventDefault();
    pickFiles(e.dataTransfer.files);
  };
  const onChange = (e: ChangeEvent<HTMLInputElement>) => {
    pickFiles(e.currentTarget.files);
    // Allow picking the same file again.
    e.currentTarget.value = '';
  };

  return (
    <section className="drop" aria-label="Video">
      <label
        htmlFor={inputId}
        className={`drop__zone${dragging ? ' drop__zone--over' : ''}${file ? ' drop__zone--filled' : ''}`}
        data-testid="drop-zone"
        onDragOver={onDragOver}
        onDragEnter={onDragOver}
        onDragLeave={onDragLeave}
        onDrop={onDrop}
      >
        <input
          id={inputId}
          className="drop__input"
          type="file"
          accept={ACCEPT}
          onChange={onChange}
          data-testid="file-input"
        />
        <svg className="drop__icon" viewBox="0 0 24 24" width="32" height="32" aria-hidden="true">
          <path
            d="M12 16V4m0 0-4.5 4.5M12 4l4.5 4.5M4 15v3.5A1.5 1.5 0 0 0 5.5 20h13a1.5 1.5 0 0 0 1.5-1.5V15"
            fill="none"
            stroke="currentColor"
            strokeWidth="1.6"
            strokeLinecap="round"
            strokeLinejoin="round"
          />
        </svg>
        <span className="drop__title">{file ? 'Drop another video to replace it' : 'Drop a video here'}</span>
        <span className="drop__hint">or click to choose a file · MP4, WebM, MOV · stays on this computer</span>
      </label>

      {notice && (
        <p className="drop__notice" role="status" data-testid="file-notice">
          {notice}
        </p>
      )}

      {file && (
        <div className="facts" data-testid="file-facts">
          <dl className="facts__list">
            <dt>Name</dt>
            <dd data-testid="file-name">{file.name}</dd>
            <dt>Size</dt>
            <dd data-testid="file-size">
              {formatBytes(file.size)} <span className="muted">({formatByteCount(file.size)} bytes)</span>
            </dd>
            <dt>Type</dt>
            <dd data-testid="file-type">{file.type || <span className="muted">not reported by the browser</span>}</dd>
            {file.lastModified !== null && (
              <>
                <dt>Modified</dt>
                <dd>{new Date(file.lastModified).toLocaleString()}</dd>
              </>
            )}
          </dl>
          <button type="button" className="button" onClick={clearFile}>
            Clear
          </button>
        </div>
      )}
    </section>
  );
}
