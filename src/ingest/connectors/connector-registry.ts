import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { ConnectorManifest } from './connector.js';

/**
 * Finds connectors through configuration: `CONNECTORS` lists the enabled
 * instances (a JSON file, or inline JSON), each naming a module folder under
 * `CONNECTORS_DIR`; the module's manifest is imported and the instance's
 * config validated against the manifest's schema at load, so a wrong config
 * stops the hub at start with a message naming the connector and the field.
 */

/** One configured connector, as written in the CONNECTORS file. */
const instanceSchema = z.object({
  /** Instance name: the facts' `source_connector`, e.g. `xinfadi-prices`. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be a lower-case slug (letters, digits, dashes)'),
  /** Module folder under CONNECTORS_DIR, e.g. `wholesale-prices`. @default name */
  module: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,63}$/)
    .optional(),
  /** Run every N seconds inside the hub (pull connectors). Omitted: the manifest's default; 0: only on demand. */
  intervalSeconds: z.number().int().min(0).optional(),
  /** @default true */
  enabled: z.boolean().default(true),
  /** The module's own config, validated by its manifest. */
  config: z.unknown().optional(),
});
const fileSchema = z.union([z.array(instanceSchema), z.object({ connectors: z.array(instanceSchema) }).transform((f) => f.connectors)]);

export type ConnectorInstanceConfig = z.input<typeof instanceSchema>;

/** A configured, loaded connector. */
export interface ConnectorInstance<Config = unknown> {
  name: string;
  module: string;
  manifest: ConnectorManifest<Config>;
  config: Config;
  /** Seconds between scheduled runs; 0 or undefined: on demand only. */
  intervalSeconds?: number;
  enabled: boolean;
}

/** Thrown when CONNECTORS or a connector's config is wrong; names every problem. */
export class ConnectorConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid connector configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConnectorConfigError';
  }
}

/** The built-in connectors' folder: `connectors/` beside `src/` (or `dist/connectors` in a build). */
export const DEFAULT_CONNECTORS_DIR = fileURLToPath(new URL('../../../connectors/', import.meta.url));

/** Imports a module's manifest from `<dir>/<module>/manifest.(js|ts)`. */
export async function importManifest(dir: string, module: string): Promise<ConnectorManifest<unknown>> {
  const base = path.resolve(dir, module, 'manifest');
  const file = ['.js', '.ts'].map((ext) => base + ext).find((f) => fs.existsSync(f));
  if (!file) throw new ConnectorConfigError([`${module}: no connector module at ${base}.ts`]);
  // A plain absolute path: Node and Jest's ESM loader both take it (Jest does not resolve file: URLs).
  const loaded = (await import(file)) as { default?: ConnectorManifest<unknown> };
  const manifest = loaded.default;
  if (!manifest || typeof manifest.read !== 'function' || typeof manifest.map !== 'function' || !manifest.config) {
    throw new ConnectorConfigError([`${module}: ${file} must default-export a connector manifest (defineConnector)`]);
  }
  return manifest;
}

/** Reads the CONNECTORS value: a path to a JSON file, or JSON itself. */
export function readConnectorsSetting(value: string | undefined): ConnectorInstanceConfig[] {
  if (!value) return [];
  const text = /^\s*[[{]/.test(value) ? value : fs.readFileSync(path.resolve(value), 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConnectorConfigError([`CONNECTORS: not valid JSON (${(error as Error).message})`]);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) throw new ConnectorConfigError(parsed.error.issues.map((i) => `CONNECTORS ${i.path.join('.')}: ${i.message}`));
  return parsed.data;
}

/** Loads and validates configured connectors. */
export async function loadConnectors(configured: readonly ConnectorInstanceConfig[], dir = DEFAULT_CONNECTORS_DIR): Promise<ConnectorInstance[]> {
  const issues: string[] = [];
  const instances: ConnectorInstance[] = [];
  const seen = new Set<string>();
  for (const entry of configured) {
    const parsed = instanceSchema.parse(entry);
    if (seen.has(parsed.name)) issues.push(`${parsed.name}: configured twice`);
    seen.add(parsed.name);
    const module = parsed.module ?? parsed.name;
    let manifest: ConnectorManifest<unknown>;
    try {
      manifest = await importManifest(dir, module);
    } catch (error) {
      issues.push(error instanceof ConnectorConfigError ? error.issues.join('; ') : `${module}: ${(error as Error).message}`);
      continue;
    }
    const config = manifest.config.safeParse(parsed.config ?? {});
    if (!config.success) {
      issues.push(...config.error.issues.map((i) => `${parsed.name} (${module}) config.${i.path.join('.')}: ${i.message}`));
      continue;
    }
    instances.push({
      name: parsed.name,
      module,
      manifest,
      config: config.data,
      intervalSeconds: parsed.intervalSeconds ?? manifest.schedule?.intervalSeconds,
      enabled: parsed.enabled,
    });
  }
  if (issues.length) throw new ConnectorConfigError(issues);
  return instances;
}

/**
 * An instance of a module with its default config, for on-demand runs of a
 * connector that is not configured (the CLI with `--file`, replays).
 */
export async function defaultInstance(module: string, dir = DEFAULT_CONNECTORS_DIR, name = module): Promise<ConnectorInstance> {
  const [instance] = await loadConnectors([{ name, module, config: {} }], dir);
  return { ...instance, intervalSeconds: undefined };
}
