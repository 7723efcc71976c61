import { fileURLToPath } from 'node:url';
import { spawnChild, type Child } from './spawnChild.ts';

export interface ForkedServer {
  child: Child;
  port: number;
  url: string;
  /** Sends a message and resolves with the child's answer. */
  ask(message: Record<string, unknown>): Promise<Record<string, unknown>>;
}

let messageId = 0;

/** Starts one of the bench's child programs (backendServer.ts, bareServer.ts) and waits for its port. */
export async function forkServer(script: string, options: { args?: readonly string[]; nodeArgs?: readonly string[] } = {}): Promise<ForkedServer> {
  const file = fileURLToPath(new URL(script, import.meta.url));
  const child = spawnChild(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', file, ...(options.args ?? [])], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start: ${child.output}`)), 20_000);
    child.process.on('message', (message: { port?: number }) => {
      if (typeof message.port !== 'number') return;
      clearTimeout(timer);
      resolve(message.port);
    });
    void child.exited.then((code) => reject(new Error(`${script} exited (${code}): ${child.output}`)));
  });
  const ask = (message: Record<string, unknown>): Promise<Record<string, unknown>> =>
    new Promise((resolve) => {
      const id = ++messageId;
      const onMessage = (answer: Record<string, unknown>): void => {
        if (answer['ack'] !== id) return;
        child.process.off('message', onMessage);
        resolve(answer);
      };
      child.process.on('message', onMessage);
      child.process.send({ ...message, id });
    });
  return { child, port, url: `http://127.0.0.1:${port}/`, ask };
}
