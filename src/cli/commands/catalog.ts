import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { findActiveCatalog, userCatalogKeysDir } from '../../catalog/active-catalog.js';
import { packCatalogArchive } from '../../catalog/catalog-archive.js';
import { generateCatalogKeyPair } from '../../catalog/catalog-signature.js';
import { readCatalogVersion } from '../../catalog/catalog-version.js';
import { loadCatalog } from '../../catalog/load-catalog.js';
import { trustedCatalogKeys, updateCatalog } from '../../catalog/update-catalog.js';
import { OpsError } from '../../core/errors.js';
import type { RegisterCommand } from './index.js';

const DESCRIPTION =
  'the model catalog: which one is active, install a newer signed one (file or URL, offline from a file), sign one';

/** `ops catalog status|update|sign|keygen`: a newer catalog without a new ops release, verified before use. */
export const registerCatalogCommands: RegisterCommand = (program: Command, getContext) => {
  const catalog = program.command('catalog').description(DESCRIPTION);

  catalog
    .command('status')
    .description(
      'which catalog is active (shipped with ops, or installed by `ops catalog update`) and which keys are trusted',
    )
    .option('--json', 'print the status as JSON')
    .action((opts: { json?: boolean }) => {
      const ctx = getContext();
      const found = findActiveCatalog(ctx.state);
      const keys = trustedCatalogKeys(ctx.state).map(({ keyId, file, origin }) => ({ keyId, file, origin }));
      const models = loadCatalog(found.active.dir).models.length;
      const line = (l: { source: string; dir: string; version: { version: string; date: string } }) =>
        `${l.source} ${l.version.version} (${l.version.date}) in ${l.dir}`;
      const human = [
        `active catalog: ${line(found.active)}, ${models} models`,
        `shipped: ${line(found.shipped)}`,
        `installed: ${found.installed ? line(found.installed) : 'none (`ops catalog update FILE|URL` installs one)'}`,
        ...found.notes.map((n) => `note: ${n}`),
        `trusted keys: ${keys.map((k) => `${k.keyId} (${k.origin}, ${k.file})`).join(', ') || 'none'}`,
      ].join('\n');
      ctx.output(
        human,
        {
          active: { ...found.active, models },
          shipped: found.shipped,
          installed: found.installed ?? null,
          notes: found.notes,
          trustedKeys: keys,
        },
        opts.json ?? false,
      );
    });

  catalog
    .command('update')
    .description(
      'install a newer catalog from a signed archive (a file, so it works offline, or an http(s) URL): signature, every checksum and the catalog itself are checked before it replaces the current one, atomically',
    )
    .argument('<file-or-url>', 'catalog archive made by `ops catalog sign`')
    .option(
      '--trust-key <file>',
      'first add this public key to the trusted keys ($OPS_HOME/catalog-keys/); only for a signer you know',
    )
    .option(
      '--allow-older',
      'install even when the archive is older than the active catalog (going back on purpose)',
    )
    .option('--json', 'print the result as JSON')
    .action(async (source: string, opts: { trustKey?: string; allowOlder?: boolean; json?: boolean }) => {
      const ctx = getContext();
      const result = await updateCatalog({
        state: ctx.state,
        source,
        ...(opts.trustKey ? { trustKeyFile: opts.trustKey } : {}),
        allowOlder: opts.allowOlder ?? false,
      });
      const lines = [
        ...(result.trustedKey ? [`trusted key ${result.trustedKey} (${userCatalogKeysDir(ctx.state)})`] : []),
        result.installed
          ? `installed catalog ${result.version.version} (${result.version.date}, ${result.models} models, signed by ${result.signedBy.keyId}) in ${result.dir}; was ${result.previous.version}`
          : `catalog ${result.version.version} is already active; nothing changed`,
        ...(result.installed ? result.notes.map((n) => `note: ${n}`) : []),
        ...(result.installed
          ? ['next: `ops upgrade-models --check` shows what the new catalog would change']
          : []),
      ];
      ctx.output(lines.join('\n'), result, opts.json ?? false);
    });

  catalog
    .command('sign')
    .description('(maintainers) pack a catalog directory into an archive signed with an Ed25519 private key')
    .argument('<dir>', 'catalog directory (models/, gpus.yaml, version.yaml)')
    .requiredOption('--key <file>', 'Ed25519 private key (PEM, PKCS#8), e.g. from `ops catalog keygen`')
    .requiredOption('--out <file>', 'archive to write (.tar.gz)')
    .option('--json', 'print the result as JSON')
    .action(async (dir: string, opts: { key: string; out: string; json?: boolean }) => {
      const ctx = getContext();
      const version = readCatalogVersion(dir);
      // The catalog must load with this ops's own checks before it is signed, not first on a user's box.
      const models = loadCatalog(dir).models.length;
      let privateKeyPem: string;
      try {
        privateKeyPem = readFileSync(opts.key, 'utf8');
      } catch (cause) {
        throw new OpsError(`cannot read private key ${opts.key}`, {
          cause,
          exitCode: 2,
          hint: 'give the key file made by `ops catalog keygen`',
        });
      }
      const { keyId, files } = await packCatalogArchive({
        dir,
        privateKeyPem,
        privateKeyFile: opts.key,
        outFile: opts.out,
      });
      ctx.output(
        `signed catalog ${version.version} (${files} files, ${models} models) with key ${keyId}: ${opts.out}`,
        { out: opts.out, version, keyId, files, models },
        opts.json ?? false,
      );
    });

  catalog
    .command('keygen')
    .description(
      '(maintainers) make an Ed25519 key pair for signing catalogs: catalog-signing.key (private, 0600) and catalog-signing.pub',
    )
    .requiredOption('--out-dir <dir>', 'directory to write the two files to (never the repository)')
    .option('--json', 'print the result as JSON')
    .action((opts: { outDir: string; json?: boolean }) => {
      const ctx = getContext();
      const privateFile = join(opts.outDir, 'catalog-signing.key');
      const publicFile = join(opts.outDir, 'catalog-signing.pub');
      if (existsSync(privateFile))
        throw new OpsError(`${privateFile} exists`, {
          exitCode: 2,
          hint: 'choose another --out-dir; a signing key is never overwritten',
        });
      const pair = generateCatalogKeyPair();
      mkdirSync(opts.outDir, { recursive: true });
      writeFileSync(privateFile, pair.privatePem, { mode: 0o600 });
      writeFileSync(publicFile, pair.publicPem);
      ctx.output(
        `key ${pair.keyId}: private ${privateFile} (keep it secret), public ${publicFile} (ship it in catalog/keys/, or users add it with --trust-key)`,
        { keyId: pair.keyId, privateFile, publicFile },
        opts.json ?? false,
      );
    });
};
