/**
 * A throwaway self-signed certificate for TLS tests (HTTP/2 needs TLS in browsers and most clients).
 * openssl writes it: Node has no API to issue an X.509 certificate.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

export interface CertificateFiles {
  certPath: string;
  keyPath: string;
}

/** Writes `cert.pem` and `key.pem` (EC P-256, CN=localhost, valid one day) into `dir`. */
export function selfSignedCertificate(dir: string): CertificateFiles {
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-keyout',
      keyPath,
      '-out',
      certPath,
    ],
    { stdio: 'ignore' },
  );
  return { certPath, keyPath };
}

/**
 * One self-signed certificate for the test file that calls this at its top level: written to a
 * temporary directory before its tests, removed after them. Call the returned function in a test.
 */
export function suiteCertificate(prefix: string): () => CertificateFiles {
  let dir: string | undefined;
  let files: CertificateFiles | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    files = selfSignedCertificate(dir);
  });
  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (files === undefined) throw new Error('the suite certificate is written in beforeAll');
    return files;
  };
}
