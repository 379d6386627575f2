import { type ClientRequest, type IncomingMessage, request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type LoopbackServer, serveOnLoopback } from '../support/listen.js';
import { startHub, type TestHub } from './helpers.js';

/**
 * A forwarding proxy in front of the hub, as nginx's `$proxy_add_x_forwarded_for`: it appends
 * the client's address, here the one the test names in `x-test-client` (every test client is
 * 127.0.0.1), to X-Forwarded-For. One upstream connection per request (no pooling).
 */
function forwardingProxy(hubUrl: string): Promise<LoopbackServer> {
  const target = new URL(hubUrl);
  return serveOnLoopback((req, res) => {
    const client = String(req.headers['x-test-client'] ?? req.socket.remoteAddress);
    const previous = req.headers['x-forwarded-for'];
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        agent: false,
        headers: {
          ...req.headers,
          host: target.host,
          'x-forwarded-for': previous === undefined ? client : `${String(previous)}, ${client}`,
        },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.flushHeaders();
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
}

describe('--trust-proxy with --max-connections-per-ip', () => {
  let hub: TestHub | undefined;
  let proxy: LoopbackServer | undefined;
  const open: ClientRequest[] = [];

  afterEach(async () => {
    for (const req of open.splice(0)) req.destroy();
    await proxy?.close();
    await hub?.close();
    proxy = undefined;
    hub = undefined;
  });

  /** Subscribes through the proxy as `client`; resolves the status, leaving an event stream open. */
  function subscribeAs(client: string, extra: Record<string, string> = {}): Promise<number> {
    if (proxy === undefined) throw new Error('no proxy');
    const url = `${proxy.url}/.well-known/mercure?topic=a`;
    return new Promise((resolve, reject) => {
      const req = request(url, { agent: false, headers: { 'x-test-client': client, ...extra } });
      open.push(req);
      req.on('response', (res: IncomingMessage) => {
        resolve(res.statusCode ?? 0);
        res.resume();
      });
      req.on('error', reject);
      req.end();
    });
  }

  async function start(trustProxy: string[]): Promise<void> {
    hub = await startHub('memory', { allowAnonymous: true, maxConnectionsPerIp: 2, trustProxy });
    proxy = await forwardingProxy(hub.url);
  }

  it('counts each forwarded client on its own when the proxy is trusted', async () => {
    await start(['127.0.0.1']);
    expect(await subscribeAs('203.0.113.1')).toBe(200);
    expect(await subscribeAs('203.0.113.2')).toBe(200);
    expect(await subscribeAs('203.0.113.3')).toBe(200);
    expect(await subscribeAs('198.51.100.7')).toBe(200);
    expect(await subscribeAs('198.51.100.7')).toBe(200);
    expect(await subscribeAs('198.51.100.7')).toBe(429);
    // A client's own X-Forwarded-For is left of what the proxy appends: it cannot pick its bucket.
    expect(await subscribeAs('198.51.100.7', { 'x-forwarded-for': '192.0.2.99' })).toBe(429);
  });

  it('ignores the forwarding headers without trust', async () => {
    await start([]);
    expect(await subscribeAs('203.0.113.1')).toBe(200);
    expect(await subscribeAs('203.0.113.2')).toBe(200);
    expect(await subscribeAs('203.0.113.3')).toBe(429);
  });

  it('ignores them from a proxy outside the trusted ranges', async () => {
    await start(['10.0.0.0/8', '::1']);
    expect(await subscribeAs('203.0.113.1')).toBe(200);
    expect(await subscribeAs('203.0.113.2')).toBe(200);
    expect(await subscribeAs('203.0.113.3')).toBe(429);
  });
});
