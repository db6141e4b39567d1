import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { fromSystemError } from '@pingora-ts/error';
import { parseBackendList } from './backend-list-file.js';
import type { DiscoveryResult, ServiceDiscovery } from './service-discovery.js';

/**
 * Backends from a JSON or YAML file (see {@link parseBackendList} for the shape), re-read on
 * every refresh and, through {@link FileDiscovery.watch}, as soon as the file changes. The
 * watch is on the directory, so editors and deploy tools that replace the file by renaming a
 * new one over it are seen too. A file that fails to parse rejects with a `PingoraError`
 * (`InvalidConfig`, with the line), and the load balancer keeps its previous backends.
 *
 * @example
 * ```ts
 * const discovery = new FileDiscovery('/etc/gateway/upstreams.yaml');
 * ```
 */
export class FileDiscovery implements ServiceDiscovery {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  async discover(): Promise<DiscoveryResult> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      throw fromSystemError(
        error,
        'internal',
        'FileReadError',
        `reading backends from ${this.path}`,
      );
    }
    return { backends: Object.freeze(parseBackendList(text, this.path)) };
  }

  watch(onChange: () => void): () => void {
    const name = basename(this.path);
    let watcher: FSWatcher | undefined = watch(dirname(this.path), (_event, changed) => {
      // Some platforms report no file name; then any change in the directory may be ours.
      if (changed === null || changed === name) onChange();
    });
    // A watcher error (the directory went away) must not crash the process; the periodic
    // refresh still notices changes.
    watcher.on('error', () => {
      watcher?.close();
      watcher = undefined;
    });
    return () => {
      watcher?.close();
      watcher = undefined;
    };
  }
}
