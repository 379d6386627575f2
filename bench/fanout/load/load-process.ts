import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { exited, spawnWithRaisedFileLimit, stopProcess } from '../spawn.js';

/** Handle on one load-generator process: send a command, await the reply of the named type. */
export class LoadProcess<Command extends { type: string }, Reply extends { type: string }> {
  readonly child: ChildProcess;
  #waiting: { type: string; resolve: (reply: Reply) => void; reject: (error: Error) => void } | undefined;

  constructor(repoRoot: string, script: string) {
    // Workers are TypeScript run through tsx's loader; they load in ~0.3 s and then run plain JS.
    this.child = spawnWithRaisedFileLimit(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'bench', 'fanout', 'load', script)],
      { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    );
    this.child.on('message', (reply: Reply) => {
      const waiting = this.#waiting;
      if (waiting === undefined || waiting.type !== reply.type) return;
      this.#waiting = undefined;
      waiting.resolve(reply);
    });
    this.child.on('exit', (code, signal) => {
      this.#waiting?.reject(new Error(`load process ${script} exited (${code ?? signal})`));
      this.#waiting = undefined;
    });
  }

  request<R extends Reply>(command: Command, replyType: R['type']): Promise<R> {
    if (this.#waiting !== undefined) throw new Error('one command at a time per load process');
    return new Promise<R>((resolve, reject) => {
      this.#waiting = { type: replyType, resolve: resolve as (reply: Reply) => void, reject };
      this.child.send(command);
    });
  }

  async stop(): Promise<void> {
    if (this.child.connected) this.child.disconnect();
    const gone = exited(this.child);
    const timer = setTimeout(() => void stopProcess(this.child), 2000);
    await gone;
    clearTimeout(timer);
  }
}
