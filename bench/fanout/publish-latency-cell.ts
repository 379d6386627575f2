/**
 * Publish latency: one publisher, one request at a time (depth 1) on a kept-alive connection, from
 * the request's first byte to the end of the hub's answer. What a notification costs its sender:
 * the hub's validation and the store's append (SQLite: an fsync with `synchronous=FULL`; Redis: a
 * script round trip). Run in this (orchestrating) process: one request at a time costs it little.
 */
import { Agent, request } from 'node:http';
import { DEFAULT_PAYLOAD_BYTES } from './load/payload.js';
import type { PublishSpec } from './load/protocol.js';
import type { PublishLatencyCell } from './results.js';
import type { RunningTarget } from './targets/target.js';

/** Requests before the measured ones: connection, JIT and the store's first writes. */
const WARMUP_REQUESTS = 100;

function body(spec: PublishSpec, seq: number): string {
  const data = `${seq}:${'x'.repeat(Math.max(0, DEFAULT_PAYLOAD_BYTES - 8))}`;
  if (spec.bodyFormat === 'raw') return data;
  return new URLSearchParams({ topic: spec.topic, data }).toString();
}

function publishOnce(agent: Agent, spec: PublishSpec, seq: number): Promise<number> {
  const payload = body(spec, seq);
  return new Promise((resolve, reject) => {
    const startNs = process.hrtime.bigint();
    const req = request(
      {
        agent,
        host: spec.host,
        port: spec.port,
        path: spec.path,
        method: 'POST',
        headers: { ...spec.headers, 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        res.resume();
        res.once('end', () => {
          if (res.statusCode !== 200) reject(new Error(`publish answered ${res.statusCode}`));
          else resolve(Number(process.hrtime.bigint() - startNs) / 1e6);
        });
      },
    );
    req.once('error', reject);
    req.end(payload);
  });
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

export async function runPublishLatencyCell(
  target: RunningTarget,
  count: number,
): Promise<PublishLatencyCell> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const spec = target.publishSpec('publish-latency');
  try {
    for (let i = 0; i < WARMUP_REQUESTS; i++) await publishOnce(agent, spec, i);
    const latencies: number[] = [];
    for (let i = 0; i < count; i++) latencies.push(await publishOnce(agent, spec, WARMUP_REQUESTS + i));
    latencies.sort((a, b) => a - b);
    const totalMs = latencies.reduce((sum, ms) => sum + ms, 0);
    return {
      kind: 'publish-latency',
      target: target.name,
      requests: count,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      maxMs: latencies[latencies.length - 1] ?? Number.NaN,
      publishesPerSec: totalMs > 0 ? (count * 1000) / totalMs : Number.NaN,
      notes: [],
    };
  } finally {
    agent.destroy();
  }
}
