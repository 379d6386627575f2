/**
 * `herald serve --workers N`: the primary process forks N workers with `node:cluster`, each a full
 * hub (its own `serve`, the same argv and environment) on the same store, all serving one port. On
 * Linux the primary accepts the connections and hands them to the workers in turn (round-robin).
 * The primary serves no request and opens no store: it starts the workers, restarts one that dies
 * (with backoff, giving up on a worker that keeps dying), on SIGHUP has every serving worker reload
 * its configuration (each reads it again and logs the result), and on SIGTERM or SIGINT has every
 * worker drain as a single `herald serve` does, then exits.
 *
 * The store must be shared by every process (Redis; `config.ts` refuses the others), since a
 * subscriber connected to one worker must receive what is published through another.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';

/** Restart delays of a worker that keeps dying: doubling from this, capped. */
const RESTART_FIRST_MS = 100;
const RESTART_MAX_MS = 5_000;
/** A worker that served this long is healthy: its next death is restarted at once. */
const STABLE_AFTER_MS = 30_000;
/** Deaths in a row, each before STABLE_AFTER_MS, after which the primary gives up and stops. */
const MAX_QUICK_DEATHS = 8;
/**
 * How long the workers get to drain after SIGTERM before they are killed: each cuts its own
 * connections after 2 s (serve.ts), so this only catches one that hangs.
 */
const STOP_GRACE_MS = 10_000;

/** The environment variable that tells a worker its number. */
const SLOT_ENV = 'HERALD_WORKER_NUMBER';

/** True in a process forked by the primary: it serves as one hub. */
export function isWorker(): boolean {
  return cluster.isWorker;
}

/** This worker's number (1..N, reused when the primary restarts one), for its logs. */
export function workerNumber(): number | undefined {
  const slot = Number(process.env[SLOT_ENV]);
  return cluster.isWorker && Number.isInteger(slot) ? slot : undefined;
}

interface Slot {
  number: number;
  worker: Worker | undefined;
  startedAtMs: number;
  /** Deaths in a row that came before STABLE_AFTER_MS. */
  quickDeaths: number;
  /** Listening since its fork: it reloads on SIGHUP (one still starting reads the new file anyway). */
  isServing: boolean;
  restartTimer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Runs the primary: forks `count` workers and supervises them until SIGTERM or SIGINT, then exits
 * the process: 0 when every worker drained and exited 0, 1 otherwise (one killed after the grace
 * period, one that failed to start, one that kept dying).
 */
export function runPrimary(count: number, logger: Logger): void {
  const slots: Slot[] = Array.from({ length: count }, (_, i) => ({
    number: i + 1,
    worker: undefined,
    startedAtMs: 0,
    quickDeaths: 0,
    isServing: false,
    restartTimer: undefined,
  }));
  const slotOf = new Map<Worker, Slot>();
  const listening = new Set<number>();
  let hasStarted = false;
  let isStopping = false;
  let exitCode = 0;

  const fork = (slot: Slot) => {
    slot.restartTimer = undefined;
    slot.startedAtMs = Date.now();
    slot.isServing = false;
    const worker = cluster.fork({ [SLOT_ENV]: String(slot.number) });
    slot.worker = worker;
    slotOf.set(worker, slot);
  };

  const live = () => slots.filter((slot) => slot.worker !== undefined);

  const exitWhenAllStopped = () => {
    if (live().length > 0) return;
    logger.info({ exitCode }, 'all workers stopped');
    logger.flush?.();
    process.exit(exitCode);
  };

  const stop = (reason: string, code: number) => {
    if (code !== 0) exitCode = code;
    if (isStopping) return;
    isStopping = true;
    logger.info({ reason, workers: live().length }, 'stopping the workers');
    for (const slot of slots) {
      if (slot.restartTimer !== undefined) clearTimeout(slot.restartTimer);
      slot.restartTimer = undefined;
      // SIGTERM whatever the primary got: the worker drains as `herald serve` does. It may get the
      // signal directly as well (Ctrl-C signals the process group); serve.ts takes both as one.
      slot.worker?.process.kill('SIGTERM');
    }
    setTimeout(() => {
      for (const slot of live()) {
        logger.error(
          { worker: slot.number, workerPid: slot.worker?.process.pid },
          'worker did not stop: killed',
        );
        slot.worker?.process.kill('SIGKILL');
      }
    }, STOP_GRACE_MS).unref();
    exitWhenAllStopped();
  };

  cluster.on('listening', (worker, address) => {
    const slot = slotOf.get(worker);
    if (slot === undefined) return;
    logger.info(
      { worker: slot.number, workerPid: worker.process.pid, port: address.port, address: address.address },
      'worker serving',
    );
    listening.add(slot.number);
    slot.isServing = true;
    if (!hasStarted && listening.size === count) {
      hasStarted = true;
      logger.info({ workers: count, port: address.port }, 'all workers serving');
    }
  });

  cluster.on('exit', (worker, code, signal) => {
    const slot = slotOf.get(worker);
    if (slot === undefined) return;
    slotOf.delete(worker);
    slot.worker = undefined;
    const facts = { worker: slot.number, workerPid: worker.process.pid, code, signal };
    if (isStopping) {
      if (code !== 0) exitCode = 1;
      logger.info(facts, 'worker stopped');
      exitWhenAllStopped();
      return;
    }
    if (!hasStarted) {
      // The same failure would follow every restart (the store unreachable, the port taken): stop,
      // as a single `herald serve` exits when it cannot start. The worker logged why.
      logger.error(facts, 'worker failed to start');
      stop('a worker failed to start', 1);
      return;
    }
    const isQuick = Date.now() - slot.startedAtMs < STABLE_AFTER_MS;
    slot.quickDeaths = isQuick ? slot.quickDeaths + 1 : 0;
    if (slot.quickDeaths > MAX_QUICK_DEATHS) {
      logger.fatal({ ...facts, deaths: slot.quickDeaths }, 'worker keeps dying: giving up');
      stop('a worker keeps dying', 1);
      return;
    }
    const delayMs =
      slot.quickDeaths === 0 ? 0 : Math.min(RESTART_FIRST_MS * 2 ** (slot.quickDeaths - 1), RESTART_MAX_MS);
    logger.warn({ ...facts, restartInMs: delayMs }, 'worker died: restarting it');
    slot.restartTimer = setTimeout(() => fork(slot), delayMs);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (isStopping) {
        // A second signal: no more waiting.
        logger.warn({ signal }, 'second signal: killing the workers');
        for (const slot of live()) slot.worker?.process.kill('SIGKILL');
        return;
      }
      stop(signal, 0);
    });
  }

  process.on('SIGHUP', () => {
    if (isStopping) return;
    // Each worker reads the configuration itself and logs what it applied; a worker still
    // starting has no handler yet (SIGHUP would end it) and reads the new configuration anyway.
    const serving = slots.filter((slot) => slot.isServing && slot.worker !== undefined);
    logger.info({ workers: serving.length }, 'SIGHUP: the workers reload their configuration');
    for (const slot of serving) slot.worker?.process.kill('SIGHUP');
  });

  logger.info({ workers: count }, 'starting workers');
  for (const slot of slots) fork(slot);
}
