import type { AddressInfo } from 'node:net';
import {
  type CreateHubOptions,
  createAdminServer,
  createHub,
  createHubServer,
  type HeraldHub,
} from '../http/index.js';
import { openStore } from '../store/index.js';
import { parseServeConfig } from './config.js';
import { checkKeys, jwtOptionsOf, reloadableOptionsOf } from './hub-options.js';
import { createLogger } from './logger.js';
import { ConfigReloader } from './reload.js';
import { isWorker, runPrimary, workerNumber } from './workers.js';

/**
 * `herald serve`: runs the hub until SIGTERM/SIGINT, then drains and exits 0; on SIGHUP reads its
 * configuration again (`reload.ts`). With `--workers` above 1 this process is the primary that
 * forks that many hub processes (`workers.ts`), each of which runs this same function as a worker.
 */
export async function serve(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const config = parseServeConfig(argv, env);
  const logger = createLogger(config.logLevel);
  if (config.workers > 1 && !isWorker()) {
    runPrimary(config.workers, logger);
    return;
  }
  // SIGHUP's default action ends the process: take it from the start, reloading once serving.
  let reloader: ConfigReloader | undefined;
  let isReloadPending = false;
  process.on('SIGHUP', () => {
    if (reloader === undefined) isReloadPending = true;
    else reloader.reload();
  });
  checkKeys(config);
  const opened = await openStore(config.store, {
    redisKeyPrefix: config.redisKeyPrefix,
    synchronous: config.sqliteSynchronous,
    retention: { maxEvents: config.historyMaxEvents, maxAgeMs: config.historyMaxAgeMs },
  });
  const hubOptions: CreateHubOptions = {
    store: opened,
    jwt: jwtOptionsOf(config),
    ...reloadableOptionsOf(config),
    hubUrl: config.hubUrl,
    subscriptionsApi: config.subscriptions,
    authorizationServers: config.authorizationServers,
    // createHubServer closes the connections event streams take over.
    takeOverConnections: true,
    // With an admin listener, probes and metrics leave the public port unless asked to stay.
    publicOperations: config.adminPort === undefined || config.publicMetrics,
    logger,
  };
  const herald = await startHub(hubOptions, config.demo ? { host: config.host } : undefined);
  const hubServer = createHubServer(
    herald,
    config.tlsCert !== undefined && config.tlsKey !== undefined
      ? { certPath: config.tlsCert, keyPath: config.tlsKey }
      : undefined,
  );
  const server = hubServer.server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  logger.info(
    { port, address, tls: hubServer.isSecure, store: storeKind(config.store), worker: workerNumber() },
    'herald listening',
  );
  const adminServer = config.adminPort === undefined ? undefined : createAdminServer(herald);
  if (adminServer !== undefined) {
    await new Promise<void>((resolve, reject) => {
      adminServer.once('error', reject);
      adminServer.listen(config.adminPort, config.adminHost, () => resolve());
    });
    const admin = adminServer.address() as AddressInfo;
    logger.info(
      { adminPort: admin.port, adminAddress: admin.address, publicMetrics: config.publicMetrics },
      'herald admin listening (/metrics, /healthz, /readyz)',
    );
  }
  reloader = new ConfigReloader(argv, env, config, { herald, hubServer, logger, worker: workerNumber() });
  if (isReloadPending) reloader.reload();
  if (config.demo) {
    const shown = address.includes(':') ? `[${address}]` : address;
    logger.info(
      `demo page: ${hubServer.isSecure ? 'https' : 'http'}://${shown === '0.0.0.0' || shown === '[::]' ? 'localhost' : shown}:${port}/`,
    );
  }

  const SHUTDOWN_GRACE_MS = 2_000;
  let isStopping = false;
  const stop = async (signal: string) => {
    if (isStopping) return;
    isStopping = true;
    logger.info({ signal }, 'shutting down');
    // Stop accepting, tell subscribers to come back (retry hint), close them, close the store;
    // then let the connections end cleanly (a reset could lose the hint), cutting them after 2 s.
    herald.stopAccepting();
    await herald.close();
    await hubServer.close(SHUTDOWN_GRACE_MS);
    adminServer?.closeAllConnections();
    adminServer?.close();
    logger.info('stopped');
    logger.flush?.();
    process.exit(0);
  };
  if (isWorker()) {
    // A worker may get the signal twice, from its primary and directly (Ctrl-C reaches the whole
    // process group, systemd signals the whole cgroup): the second must not cut its drain short.
    process.on('SIGTERM', () => void stop('SIGTERM'));
    process.on('SIGINT', () => void stop('SIGINT'));
  } else {
    // Alone, a second signal ends the process at once (the default action), drain or not.
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  }
}

/** The hub, or with `demo` the hub and its demo: the demo's code is loaded only then. */
async function startHub(
  options: CreateHubOptions,
  demo: { host: string | undefined } | undefined,
): Promise<HeraldHub> {
  if (demo === undefined) return createHub(options);
  const { createDemoHub } = await import('../demo/index.js');
  // An explicit --host is where the demo was meant to be reached: its token endpoint answers there.
  return createDemoHub({ ...options, demo: { hosts: demo.host === undefined ? [] : [demo.host] } });
}

/** What the log says about the store: its kind only (a path is local detail, a Redis URL may hold a password). */
function storeKind(url: string): string {
  return url.replace(/^sqlite:.*/, 'sqlite').replace(/^(rediss?):.*/, '$1');
}
