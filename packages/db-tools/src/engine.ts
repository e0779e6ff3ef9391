import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import {
  bindMigrationAwareSqlAdapterFactory,
  ColumnTypeEnum,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
// Types only: the package is ESM, loaded at run time by loadBindings().
import type * as SchemaEngineWasm from '@prisma/schema-engine-wasm/schema_engine_bg' with { 'resolution-mode': 'import' };
import pg from 'pg';
import { dropDatabase, ensureDatabase, withDatabase } from './postgres';

type Bindings = typeof SchemaEngineWasm;
export type SchemaEngine = SchemaEngineWasm.SchemaEngine;
export type MigrationList = SchemaEngineWasm.MigrationList;
export type SchemaFilter = SchemaEngineWasm.SchemaFilter;

const GLUE_MODULE = '@prisma/schema-engine-wasm/schema_engine_bg';
const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

// The compiler's lib (ES2023, no DOM) and @types/node 20 do not declare WebAssembly; Node has it.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, unknown>) => { exports: { __wbindgen_start(): void } };
};

let bindings: Bindings | undefined;

function loadBindings(): Bindings {
  if (bindings) return bindings;
  // Loaded lazily so that importing db-tools for database helpers never pulls in this ESM-only package:
  // Node >= 20.19 require()s it natively; jest must transform it (transformIgnorePatterns).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const glue = require(GLUE_MODULE) as Bindings;
  installPanicRegistry();
  // Instantiated by hand because Node 20 cannot import .wasm modules without --experimental-wasm-modules.
  const wasmFile = path.join(path.dirname(require.resolve(GLUE_MODULE)), 'schema_engine_bg.wasm');
  const imports: Record<string, unknown> = { ...glue };
  for (const name of Object.keys(imports)) {
    // The engine arms 10 s timers it never clears; referenced, they keep every CLI run alive 10 s after its work is done.
    // Unreferencing is safe: while the engine works, its pg sockets keep the process alive.
    if (name.startsWith('__wbg_setTimeout_')) imports[name] = (callback: () => void, ms: number) => setTimeout(callback, ms >>> 0).unref();
  }
  const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(wasmFile)), { './schema_engine_bg.js': imports });
  glue.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  return (bindings = glue);
}

/**
 * The glue reports Rust panics to `global.PRISMA_WASM_PANIC_REGISTRY` (the Prisma CLI provides it) and
 * then traps; the trap usually escapes as an uncaught "RuntimeError: unreachable" with no detail, so the
 * panic message is printed here.
 */
function installPanicRegistry(): void {
  const registryHolder = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown };
  let message = '';
  registryHolder.PRISMA_WASM_PANIC_REGISTRY ??= {
    get: () => message,
    set_message: (panic: string) => {
      message = `RuntimeError: ${panic}`;
      console.error(`Prisma schema engine panicked: ${panic}`);
    },
  };
}

/**
 * A pool that reports PostgreSQL's internal `"char"` type (catalog columns such as
 * `pg_constraint.contype`) as text, because @prisma/adapter-pg 7.10 rejects that type, which makes
 * every introspection by the engine (e.g. of the shadow database) fail. The result's rows array is
 * remembered in `charColumns` so that {@link restoreCharColumns} can tell the engine the real type.
 */
function catalogFriendlyPool(connectionString: string, charColumns: WeakMap<object, number[]>): pg.Pool {
  const pool = new pg.Pool({ connectionString });
  const query = pool.query.bind(pool) as (config: pg.QueryConfig) => Promise<pg.QueryResult>;
  pool.query = (async (config: pg.QueryConfig) => {
    const result = await query(config);
    const indexes: number[] = [];
    (result.fields ?? []).forEach((field, index) => {
      if (field.dataTypeID !== PG_CHAR_OID) return;
      field.dataTypeID = PG_TEXT_OID;
      indexes.push(index);
    });
    if (indexes.length > 0) charColumns.set(result.rows, indexes);
    return result;
  }) as typeof pool.query;
  return pool;
}

/** The engine's schema describer insists on `Character` for `"char"` columns (it panics on Text). */
function restoreCharColumns(adapter: SqlDriverAdapter, charColumns: WeakMap<object, number[]>): void {
  const queryRaw = adapter.queryRaw.bind(adapter);
  adapter.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const index of charColumns.get(result.rows) ?? []) result.columnTypes[index] = ColumnTypeEnum.Character;
    return result;
  };
}

/**
 * Adapter factory for the engine. Its shadow databases are created and dropped here because
 * PrismaPg's own `connectToShadowDb` spreads `{ database }` over a config whose `connectionString`
 * takes precedence in pg, so the "shadow" would silently be the main database.
 * Queries inside adapter transactions bypass the `"char"` fix; the engine does not introspect there.
 */
function adapterFactory(url: string) {
  const opened: SqlDriverAdapter[] = [];
  const shadows: string[] = [];
  const charColumns = new WeakMap<object, number[]>();
  const open = async (connectionString: string): Promise<SqlDriverAdapter> => {
    const pool = catalogFriendlyPool(connectionString, charColumns);
    const adapter = await new PrismaPg(pool, { disposeExternalPool: true }).connect();
    restoreCharColumns(adapter, charColumns);
    // The engine disposes shadow adapters itself (never the main one); ending a pool twice throws.
    const dispose = adapter.dispose.bind(adapter);
    let disposed: Promise<void> | undefined;
    adapter.dispose = () => (disposed ??= dispose());
    opened.push(adapter);
    return adapter;
  };
  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    connect: () => open(url),
    connectToShadowDb: async () => {
      const shadowUrl = withDatabase(url, `prisma_shadow_${randomUUID().replaceAll('-', '')}`);
      shadows.push(shadowUrl);
      await ensureDatabase(shadowUrl);
      return open(shadowUrl);
    },
  };
  const close = async (): Promise<void> => {
    for (const adapter of opened.splice(0)) await adapter.dispose().catch(() => undefined);
    for (const shadowUrl of shadows.splice(0)) await dropDatabase(shadowUrl);
  };
  return { factory: bindMigrationAwareSqlAdapterFactory(factory), close };
}

/**
 * Runs `fn` with a schema engine connected to the database at `url` (which must exist), then frees
 * the engine, closes its connections and drops any shadow database it created.
 *
 * @throws whatever the engine or `fn` throws; engine errors carry the engine's message and backtrace.
 */
export async function withSchemaEngine<T>(url: string, fn: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  const { SchemaEngine } = loadBindings();
  const { factory, close } = adapterFactory(url);
  try {
    // The log callback receives tracing JSON lines; failures arrive as rejected promises instead.
    const engine = await SchemaEngine.new({ datamodels: undefined }, () => undefined, factory);
    try {
      return await fn(engine);
    } finally {
      engine.free();
    }
  } finally {
    await close();
  }
}
