import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A key and certificate in PEM, and the files holding them. */
export interface Pem {
  key: Buffer;
  cert: Buffer;
  certFile: string;
}

export interface TestCertificates {
  folder: string;
  /** A CA of our own: trusted only by a process started with NODE_EXTRA_CA_CERTS=ca.certFile. */
  ca: Pem;
  /** Signed by `ca` and valid for 90 days. */
  issue(name: string, options: { cn: string; san: string; notBefore?: Date; notAfter?: Date }): Promise<Pem>;
  /** Self-signed, valid for 90 days. */
  selfSigned(name: string, options: { cn: string; san: string }): Promise<Pem>;
  remove(): Promise<void>;
}

/** `20261204010203Z`: what `openssl ca -startdate/-enddate` take. */
const asn1Time = (date: Date): string => `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;

const CA_CONFIG = `[ ca ]
default_ca = test_ca
[ test_ca ]
dir = .
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = any_name
copy_extensions = copy
unique_subject = no
[ any_name ]
commonName = supplied
`;

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/**
 * Certificates made by `openssl` in a temp folder (EC keys: quick to make). `openssl ca` is used
 * for CA-signed ones because it takes exact start and end dates, so an expired certificate or one
 * with 3 days left needs no clock tricks. Calls are serial: `openssl ca` keeps a database file.
 */
export async function makeTestCertificates(): Promise<TestCertificates> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'deadpool-certs-'));
  const openssl = async (...args: string[]): Promise<void> => void (await run('openssl', args, { cwd: folder }));
  const pem = async (name: string): Promise<Pem> => ({
    key: await readFile(path.join(folder, `${name}.key`)),
    cert: await readFile(path.join(folder, `${name}.pem`)),
    certFile: path.join(folder, `${name}.pem`),
  });
  await writeFile(path.join(folder, 'ca.cnf'), CA_CONFIG);
  await writeFile(path.join(folder, 'index.txt'), '');
  await writeFile(path.join(folder, 'serial'), '01\n');
  await openssl('req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '3650', '-subj', '/CN=DeadPool Test CA');
  const ca = await pem('ca');

  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };
  const day = 24 * 3600 * 1000;

  return {
    folder,
    ca,
    issue: (name, { cn, san, notBefore = new Date(Date.now() - day), notAfter = new Date(Date.now() + 90 * day) }) =>
      serially(async () => {
        await openssl('req', '-new', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`, '-addext', `subjectAltName=${san}`);
        await openssl('ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.pem', '-keyfile', 'ca.key', '-in', `${name}.csr`, '-out', `${name}.pem`, '-notext', '-startdate', asn1Time(notBefore), '-enddate', asn1Time(notAfter));
        return pem(name);
      }),
    selfSigned: (name, { cn, san }) =>
      serially(async () => {
        await openssl('req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '90', '-subj', `/CN=${cn}`, '-addext', `subjectAltName=${san}`);
        return pem(name);
      }),
    remove: () => rm(folder, { recursive: true, force: true }),
  };
}
