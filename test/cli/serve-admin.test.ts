import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET } from '../http/helpers.js';
import { serveArgs } from '../support/herald-cli.js';

interface Started {
  child: ChildProcess;
  url: string;
  adminUrl: string;
  output: string[];
}

/** `herald serve ARGS`, resolved once both the public and the admin listener logged their port. */
function startCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Started> {
  const child = spawn(process.execPath, serveArgs(...args), {
    env: { ...process.env, HERALD_JWT_KEY: SECRET, HERALD_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  return new Promise((done, fail) => {
    let buffered = '';
    child.stderr?.on('data', (chunk) => output.push(String(chunk)));
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      output.push(chunk.toString());
      const port = /"port":(\d+)/.exec(buffered);
      const adminPort = /"adminPort":(\d+)/.exec(buffered);
      if (port && adminPort) {
        done({
          child,
          url: `http://127.0.0.1:${port[1]}`,
          adminUrl: `http://127.0.0.1:${adminPort[1]}`,
          output,
        });
      }
    });
    child.once('exit', () => fail(new Error(`exited early: ${output.join('')}`)));
  });
}

async function statusOf(url: string): Promise<number> {
  const response = await fetch(url);
  await response.body?.cancel();
  return response.status;
}

describe('herald serve --admin-port', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });

  it('logs the admin port, serves /metrics, /healthz and /readyz there and 404 on the public port', async () => {
    const cli = await startCli(['--store', 'memory', '--port', '0', '--admin-port', '0']);
    children.push(cli.child);
    const log = cli.output.join('');
    expect(log).toMatch(/"adminPort":\d+/);
    expect(log).toContain('"adminAddress":"127.0.0.1"');
    expect(cli.adminUrl).not.toBe(cli.url);
    for (const path of ['/metrics', '/healthz', '/readyz']) {
      expect(await statusOf(`${cli.adminUrl}${path}`), path).toBe(200);
      expect(await statusOf(`${cli.url}${path}`), path).toBe(404);
    }
    const metrics = await (await fetch(`${cli.adminUrl}/metrics`)).text();
    expect(metrics).toContain('herald_publish_duration_seconds');
    expect(metrics).toMatch(/^process_cpu_user_seconds_total /m);
  });

  it('keeps them on the public port too with HERALD_PUBLIC_METRICS', async () => {
    const cli = await startCli(['--store', 'memory', '--port', '0'], {
      HERALD_ADMIN_PORT: '0',
      HERALD_PUBLIC_METRICS: 'true',
    });
    children.push(cli.child);
    for (const path of ['/metrics', '/healthz', '/readyz']) {
      expect(await statusOf(`${cli.adminUrl}${path}`), path).toBe(200);
      expect(await statusOf(`${cli.url}${path}`), path).toBe(200);
    }
  });
});
