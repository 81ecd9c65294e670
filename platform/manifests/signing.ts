import { createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SignatureError } from './errors.js';
import { sha256 } from './package.js';

/** The `<tarball>.sig` file: the signer's public key travels with the signature, so a refusal can say which key signed. */
export interface SignatureFile {
  algorithm: 'ed25519';
  publicKey: string;
  sha256: string;
  signature: string;
}

/** sha256 of the public key's DER, shortened: how keys are named in messages and in the registry. */
export function keyFingerprint(key: KeyObject): string {
  return `ed25519:${sha256(key.export({ type: 'spki', format: 'der' })).slice(0, 16)}`;
}

export function generateSigningKeys(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export function signTarball(tarball: Buffer, privateKeyPem: string): SignatureFile {
  const publicKey = createPublicKey(privateKeyPem);
  if (publicKey.asymmetricKeyType !== 'ed25519')
    throw new SignatureError('key', `is a ${publicKey.asymmetricKeyType} key; Plinth signs with ed25519`);
  return {
    algorithm: 'ed25519',
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sha256: sha256(tarball),
    signature: sign(null, tarball, privateKeyPem).toString('base64'),
  };
}

/** The trusted vendor keys: every `*.pem` public key in the directory PLINTH_TRUSTED_KEYS names. */
export function trustedKeys(dir: string | undefined): Map<string, { file: string; key: KeyObject }> {
  const keys = new Map<string, { file: string; key: KeyObject }>();
  if (!dir) return keys;
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.pem'))
    .sort()) {
    const key = createPublicKey(fs.readFileSync(path.join(dir, file)));
    if (key.asymmetricKeyType === 'ed25519') keys.set(keyFingerprint(key), { file, key });
  }
  return keys;
}

/**
 * Checks a signature over the tarball's exact bytes and that its key is trusted.
 * Returns the trusted key's fingerprint and file name.
 */
export function verifyTarball(
  source: string,
  tarball: Buffer,
  sig: SignatureFile,
  trusted: Map<string, { file: string; key: KeyObject }>,
): string {
  let signer: KeyObject;
  try {
    signer = createPublicKey(sig.publicKey);
  } catch {
    throw new SignatureError(source, 'the signature file holds no readable public key');
  }
  const fingerprint = keyFingerprint(signer);
  if (sig.algorithm !== 'ed25519' || !verify(null, tarball, signer, Buffer.from(sig.signature ?? '', 'base64'))) {
    throw new SignatureError(source, `the package does not match its signature by ${fingerprint}: it was changed after signing`);
  }
  const key = trusted.get(fingerprint);
  if (!key)
    throw new SignatureError(source, `signed by ${fingerprint}, which is not among the trusted keys (PLINTH_TRUSTED_KEYS)`);
  return `${fingerprint} (${key.file})`;
}

export function readSignatureFile(file: string): SignatureFile {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as SignatureFile;
  } catch (err) {
    throw new SignatureError(file, `is not a signature file: ${(err as Error).message}`);
  }
}
