/**
 * The SQLite drivers this Node can run, for the SQLite test files to run their cases once per
 * driver; and, for a driver it cannot run, a test that asserts the reason is the documented one for
 * this Node (so a driver missing by accident fails the suite instead of being skipped).
 *
 * The expectations are written from the Node and package versions, not read back from the code
 * under test.
 */
import { createRequire } from 'node:module';
import { expect, it } from 'vitest';
import {
  SQLITE_DRIVER_NAMES,
  type SqliteDriverAvailability,
  type SqliteDriverName,
  sqliteDriverAvailability,
} from '../../src/store/sqlite-driver.js';

const [nodeMajor = 0, nodeMinor = 0] = process.versions.node.split('.').map(Number);

/** node:sqlite needs no flag from 22.13 and 23.4; from 22.5 it is there behind --experimental-sqlite. */
export function isNodeSqliteImportable(): boolean {
  if (nodeMajor >= 24 || (nodeMajor === 23 && nodeMinor >= 4) || (nodeMajor === 22 && nodeMinor >= 13)) {
    return true;
  }
  const isFlagged = process.execArgv.includes('--experimental-sqlite');
  return isFlagged && (nodeMajor === 23 || (nodeMajor === 22 && nodeMinor >= 5));
}

/**
 * Why node:sqlite cannot serve here, as the docs state it; undefined on Node 24 and later, where it
 * must. On Node 23 either is right (we have not measured it).
 */
export function expectedNodeSqliteRefusal(): RegExp | undefined {
  if (!isNodeSqliteImportable()) {
    return /node:sqlite is not in Node .* \(it is from Node 22\.13 and 23\.4 without a flag\)/;
  }
  if (nodeMajor === 22) return /cuts text at its first NUL character/;
  if (nodeMajor === 23) return /cuts text at its first NUL character|^$/;
  return undefined;
}

/** The installed better-sqlite3's version, or undefined when it is not installed. */
export function installedBetterSqlite3Version(): string | undefined {
  try {
    return (createRequire(import.meta.url)('better-sqlite3/package.json') as { version: string }).version;
  } catch {
    return undefined;
  }
}

/** Why better-sqlite3 cannot run here, as the docs state it; undefined when nothing forbids it. */
export function expectedBetterSqlite3Refusal(): RegExp | undefined {
  const version = installedBetterSqlite3Version();
  if (version === undefined) return /not installed \(npm install better-sqlite3\)/;
  const major = Number(version.split('.')[0]);
  if (major <= 12 && (nodeMajor > 24 || (nodeMajor === 24 && nodeMinor >= 19))) {
    return /aborts the process on Node >= 24\.19/;
  }
  if (major >= 13 && nodeMajor <= 20) return /crashes on Node 20/;
  return undefined;
}

export function sqliteDriverCases(): SqliteDriverAvailability[] {
  return SQLITE_DRIVER_NAMES.map(sqliteDriverAvailability);
}

/**
 * The test standing in for the cases of a driver this Node cannot run: it asserts that the driver
 * is unavailable for the documented reason.
 */
export function itIsUnavailableForTheDocumentedReason(
  availability: Extract<SqliteDriverAvailability, { isAvailable: false }>,
): void {
  const { name, reason } = availability;
  it(`cannot run on Node ${process.versions.node}, for a documented reason: ${reason}`, () => {
    expect(reason).toMatch(documentedRefusal(name));
  });
}

function documentedRefusal(name: SqliteDriverName): RegExp {
  if (name === 'node:sqlite') {
    const refusal = expectedNodeSqliteRefusal();
    // On Node 24 and later, node:sqlite must run: no reason is a documented one.
    expect(refusal, 'node:sqlite must run on Node >= 24').toBeDefined();
    return refusal ?? /^$/;
  }
  // A build for another Node's ABI is the one refusal the versions do not predict: the addon
  // was installed under another Node (CI installs under Node 20 and runs the suite under 24 too).
  return expectedBetterSqlite3Refusal() ?? /does not load on Node .*npm rebuild better-sqlite3/;
}
