import { parentPort, workerData } from 'node:worker_threads';
import { ENTRIES_PER_MESSAGE, NEXT_CHUNK, readDirectoryText, type WorkerMessage } from './directory.read.ts';
import { FileIssuesError } from './file.issues.ts';

/**
 * Worker thread of readDirectoryFile: reads one directory file and sends the entries back
 * in chunks, each after the main thread asked for the next one.
 */

const port = parentPort!;
const { content, land } = workerData as { content: Uint8Array; land?: string };
const send = (message: WorkerMessage) => port.postMessage(message);
const nextChunkWanted = () =>
  new Promise<void>((resolve) => {
    const listener = (message: unknown) => {
      if (message !== NEXT_CHUNK) return;
      port.off('message', listener);
      resolve();
    };
    port.on('message', listener);
  });

try {
  const { entries, ...reading } = readDirectoryText(content, land);
  for (let start = 0; start < entries.length; start += ENTRIES_PER_MESSAGE) {
    const wanted = nextChunkWanted();
    send({ type: 'entries', entries: entries.slice(start, start + ENTRIES_PER_MESSAGE) });
    await wanted;
  }
  send({ type: 'done', reading });
} catch (error) {
  if (error instanceof FileIssuesError) send({ type: 'issues', issues: error.issues });
  else send({ type: 'failed', message: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? error.stack : undefined });
}
