import { DropZone } from './drop-zone';
import { WebGPUStatus } from './webgpu-status';
import './app.css';

export function App() {
  return (
    <div className="app">
      <header className="app__header">
        <h1 className="app__title">Unblur</h1>
        <p className="app__pitch">Remove motion blur from your videos, right in the browser, on your own GPU. Nothing is uploaded.</p>
      </header>
      <main className="app__main">
        <WebGPUStatus />
        <DropZone />
      </main>
      <footer className="app__footer">Runs locally with WebGPU.</footer>
    </div>
  );
}
