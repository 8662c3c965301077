import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { OpsError } from '../core/errors.js';

/**
 * Ed25519 signatures over a catalog manifest, with node:crypto only (RFC 8032; node's `sign(null, data, key)` is
 * pure Ed25519, no pre-hash). Keys are PEM files: public keys SPKI (`*.pub`), private keys PKCS#8. A key is named
 * by its id, the first 16 hex digits of the sha256 of its SPKI DER, so a signature says which key made it without
 * trusting anything the archive says about the key itself.
 */
export const catalogSignatureSchema = z
  .object({
    algorithm: z.literal('ed25519'),
    keyId: z.string().regex(/^[0-9a-f]{16}$/),
    signature: z.string().min(1),
  })
  .strict();
export type CatalogSignature = z.infer<typeof catalogSignatureSchema>;

/** A public key ops trusts, where it came from, and its id. */
export interface TrustedKey {
  keyId: string;
  file: string;
  origin: 'shipped' | 'user';
  key: KeyObject;
}

/** The id of a public key (first 16 hex digits of the sha256 of its SPKI DER). */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

/** Parses a PEM public key file's text; an OpsError (exit 2) naming `file` when it is not an Ed25519 key. */
export function parsePublicKey(pem: string, file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (cause) {
    throw new OpsError(`${file} is not a PEM public key`, {
      cause,
      exitCode: 2,
      hint: "give the signer's public key file (-----BEGIN PUBLIC KEY-----), as `ops catalog keygen` writes it",
    });
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new OpsError(`${file} is a ${key.asymmetricKeyType} key; catalogs are signed with Ed25519`, {
      exitCode: 2,
      hint: 'give the Ed25519 public key the catalog was signed with',
    });
  return key;
}

/** Signs `data` with the Ed25519 private key in `pem` (the maintainer's key file). */
export function signCatalogManifest(data: Uint8Array, pem: string, file: string): CatalogSignature {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (cause) {
    throw new OpsError(`${file} is not a PEM private key`, {
      cause,
      exitCode: 2,
      hint: 'give the Ed25519 private key file (-----BEGIN PRIVATE KEY-----), as `ops catalog keygen` writes it',
    });
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new OpsError(`${file} is a ${key.asymmetricKeyType} key; catalogs are signed with Ed25519`, {
      exitCode: 2,
      hint: 'make a signing key with `ops catalog keygen`',
    });
  return {
    algorithm: 'ed25519',
    keyId: keyIdOf(createPublicKey(key)),
    signature: sign(null, data, key).toString('base64'),
  };
}

/**
 * Checks `signature` over `data` against the trusted keys. Throws an OpsError (exit 2) that says which check
 * failed: a key no one trusted, or a signature that does not verify with the trusted key of that id.
 */
export function verifyCatalogSignature(
  data: Uint8Array,
  signature: CatalogSignature,
  trusted: readonly TrustedKey[],
  source: string,
): TrustedKey {
  const key = trusted.find((k) => k.keyId === signature.keyId);
  if (!key)
    throw new OpsError(`${source} is signed by key ${signature.keyId}, which ops does not trust`, {
      exitCode: 2,
      hint: `trusted keys: ${trusted.map((k) => `${k.keyId} (${k.origin})`).join(', ') || 'none'}. If you know the signer, add their public key explicitly with --trust-key FILE`,
    });
  if (!verify(null, data, key.key, Buffer.from(signature.signature, 'base64')))
    throw new OpsError(`the signature of ${source} does not verify with key ${key.keyId} (${key.file})`, {
      exitCode: 2,
      hint: 'the manifest was changed after signing, or the signature was made with another key; get the catalog again from its publisher',
    });
  return key;
}

/** The public keys in `dir` (`*.pub`), tagged with their origin; a missing dir holds none. */
export function loadTrustedKeys(dir: string, origin: TrustedKey['origin']): TrustedKey[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.endsWith('.pub'))
    .sort()
    .map((n) => {
      const file = join(dir, n);
      const key = parsePublicKey(readFileSync(file, 'utf8'), file);
      return { keyId: keyIdOf(key), file, origin, key };
    });
}

/** A new Ed25519 key pair as PEM texts, with the public key's id. */
export function generateCatalogKeyPair(): { keyId: string; publicPem: string; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    keyId: keyIdOf(publicKey),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}
