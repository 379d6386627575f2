/** The two node:http comparison servers, each a script run in its own process. */
import { join } from 'node:path';
import { stopProcess } from '../spawn.js';
import { freePort, LOOPBACK, launchServer } from './server-process.js';
import { type RunningTarget, sseRequest, type TargetContext, type TargetDefinition } from './target.js';

function nodeScriptTarget(name: string, script: string, subscribePath: string): TargetDefinition {
  return {
    name,
    unavailableReason: () => undefined,
    async start(context: TargetContext): Promise<RunningTarget> {
      const port = await freePort();
      const { child } = await launchServer(
        process.execPath,
        ['--import', 'tsx', join(context.repoRoot, 'bench', 'fanout', 'targets', script), String(port)],
        { cwd: context.repoRoot, scratchDir: context.scratchDir, port },
      );
      return {
        name,
        pid: child.pid ?? 0,
        host: LOOPBACK,
        port,
        subscribeRequest: () => sseRequest(LOOPBACK, port, subscribePath),
        publishSpec: (topic) => ({
          host: LOOPBACK,
          port,
          path: '/publish',
          headers: { 'Content-Type': 'text/plain' },
          bodyFormat: 'raw',
          topic,
        }),
        stop: () => stopProcess(child),
      };
    },
  };
}

export const plainNodeTarget = nodeScriptTarget('plain-node', 'plain-node.ts', '/subscribe');
export const betterSseTarget = nodeScriptTarget('better-sse', 'better-sse.ts', '/sse');
