import { useEffect } from 'react';
import { loadModelList } from './controller';
import { DropZone } from './drop-zone';
import { guardLeaving, keepAwake, type WakeLockApi } from './page-guards';
import { ErrorPanel, ProgressPanel, ResultPanel, VideoPanel } from './panels';
import { appStore } from './store';
import { Viewer } from './viewer';
import { WebGPUStatus } from './webgpu-status';
import './app.css';

export function App() {
  useEffect(() => {
    void loadModelList();
  }, []);
  useEffect(() => {
    const stopGuard = guardLeaving(appStore, window);
    const stopAwake = keepAwake(appStore, (navigator as { wakeLock?: WakeLockApi }).wakeLock, document);
    return () => {
      stopGuard();
      stopAwake();
    };
  }, []);
  return (
    <div className="app">
      <header className="app__header">
        <h1 className="app__title">Unblur</h1>
        <p className="app__pitch">Remove motion blur from your videos, right in the browser, on your own GPU. Nothing is uploaded.</p>
      </header>
      <main className="app__main">
        <WebGPUStatus />
        <DropZone />
        <ErrorPanel />
        <VideoPanel />
        <ProgressPanel />
        <ResultPanel />
        <Viewer />
      </main>
      <footer className="app__footer">Runs locally with WebGPU.</footer>
    </div>
  );
}
