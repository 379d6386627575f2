import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { formatInstant } from '../../src/time/instant.js';
import { legacyToken, SECRET, subscribe } from '../http/helpers.js';
import { HERALD_CLI, serveArgs } from '../support/herald-cli.js';

async function startServe(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, serveArgs('--store', 'memory', '--anonymous'), {
    env: { ...process.env, HERALD_JWT_KEY: SECRET, HERALD_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((done, fail) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const match = /"port":(\d+)/.exec(buffered);
      if (match) done(`http://127.0.0.1:${match[1]}`);
    });
    child.once('exit', () => fail(new Error(`serve exited early: ${buffered}`)));
  });
  return { child, url };
}

function runPublish(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [...HERALD_CLI, 'publish', ...args],
      { env: { ...process.env, ...env }, timeout: 20_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        done({ code, stdout, stderr });
      },
    );
  });
}

describe('herald publish with a delivery time', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });

  it('--at schedules the event, which `herald serve` delivers once it is due', async () => {
    const { child, url } = await startServe();
    children.push(child);
    const stream = await subscribe(url, 'topic=reminders');
    const env = {
      HERALD_URL: `${url}/.well-known/mercure`,
      HERALD_JWT: await legacyToken({ publish: ['*'] }),
    };
    // The CLI process takes a moment to start: aim a second past the moment it is spawned.
    const at = formatInstant(Date.now() + 1_000);
    const published = await runPublish(['--topic', 'reminders', '--data', 'ding', '--at', at, '--json'], env);
    expect(published.stderr).toBe('');
    expect(published.code).toBe(0);
    const schedule = JSON.parse(published.stdout);
    expect(schedule).toMatchObject({ topics: ['reminders'], state: 'pending' });
    expect(schedule.requestedAt).toBe(at);
    const [event] = await stream.waitFor(1, 15_000);
    expect(event?.data).toBe('ding');
    const list = await (
      await fetch(`${url}/.well-known/mercure/schedules/${schedule.id}`, {
        headers: { authorization: `Bearer ${env.HERALD_JWT}` },
      })
    ).json();
    expect(list).toMatchObject({ id: schedule.id, state: 'done', deliveredCount: 1 });
    stream.close();
  }, 30_000);

  it('exits 1 and names the field when the hub refuses the delivery time', async () => {
    const { child, url } = await startServe();
    children.push(child);
    const env = {
      HERALD_URL: `${url}/.well-known/mercure`,
      HERALD_JWT: await legacyToken({ publish: ['*'] }),
    };
    const published = await runPublish(
      ['--topic', 't', '--local', '2026-12-01T09:00', '--tz', 'Nowhere/Atlantis', '--rrule', 'FREQ=DAILY'],
      env,
    );
    expect(published.code).toBe(1);
    expect(published.stderr).toMatch(/publish failed: 400 .*"deliver_tz"/);
  }, 30_000);
});
