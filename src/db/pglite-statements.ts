import {
  type messages as BackendMessages,
  type PGlite,
  type Transaction as PGliteTransaction,
  parse,
  protocol,
  type QueryOptions,
  type Results,
} from '@electric-sql/pglite';

/**
 * PGlite's `query()` sends a statement as five protocol calls into the WebAssembly (parse, describe the
 * statement, bind, describe the portal and execute, then sync), and PostgreSQL parses and plans the text
 * again every time. Here a data statement is parsed once as a named prepared statement (its parameter types
 * kept) and then runs as one call: bind, describe, execute and sync in a single message. A wide row by
 * primary key costs 0.17 ms this way against 0.44 ms through `query()` (STACK-NOTES, PGlite).
 *
 * Values are serialized and rows parsed by PGlite's own serializers and parsers, and errors are PGlite's
 * `DatabaseError` with the same fields, so callers (Drizzle, the queue, hand-written SQL) see no difference.
 */

const { serialize } = protocol;
type BackendMessage = BackendMessages.BackendMessage;

/** Statements worth keeping prepared: data statements, repeated by the application with new values. */
const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i;
/** How many prepared statements one database keeps; the least recently used one is closed past it. */
export const STATEMENT_CACHE_SIZE = 400;
/** PostgreSQL refuses a prepared SELECT whose columns changed under it (a migration): prepare it again. */
const RESULT_TYPE_CHANGED = '0A000';

type Prepared = { name: string; paramTypes: number[] };

const concat = (parts: Uint8Array[]) => {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** A PostgreSQL error from PGlite carries the statement it came from, as PGlite's own `query()` does. */
const withStatement = (err: unknown, text: string, params: readonly unknown[]) => {
  if (err && typeof err === 'object' && 'code' in err) Object.assign(err, { query: text, params });
  return err;
};

type StatementRunner = {
  /** Runs one statement with PGlite's `query()` semantics. `inTransaction`: the caller holds the transaction. */
  query<T>(
    text: string,
    params: readonly unknown[] | undefined,
    options: QueryOptions | undefined,
    inTransaction: boolean,
  ): Promise<Results<T>>;
};

/** One runner per database: prepared statements' names are the database session's. */
const runners = new WeakMap<PGlite, StatementRunner>();

const statementRunner = (pg: PGlite): StatementRunner => {
  const known = runners.get(pg);
  if (known) return known;
  const runner = newRunner(pg);
  runners.set(pg, runner);
  return runner;
};

const newRunner = (pg: PGlite): StatementRunner => {
  const cache = new Map<string, Prepared>();
  /** Statements dropped from the cache while they could not be closed: closed with the next prepare. */
  const retired: string[] = [];
  let counter = 0;

  const values = (paramTypes: number[], params: readonly unknown[], options?: QueryOptions) =>
    params.map((value, i) => {
      if (value === null || value === undefined) return null;
      const type = paramTypes[i] ?? 0;
      const serializer = options?.serializers?.[type] ?? pg.serializers[type];
      return serializer ? serializer(value) : String(value);
    });

  /**
   * PGlite merges a query's own parsers into a copy of every type's parser (hundreds of entries) on each
   * call, and Drizzle passes its own on every query: a fifth of a closeout's CPU. Chained onto the defaults
   * instead, the merge costs only the query's own few.
   */
  const resultOf = <T>(messages: BackendMessage[], options?: QueryOptions) => {
    if (!options?.parsers) return parse.parseResults(messages, pg.parsers, options)[0] as Results<T>;
    const { parsers: own, ...rest } = options;
    const parsers = Object.assign(Object.create(pg.parsers) as typeof pg.parsers, own);
    return parse.parseResults(messages, parsers, rest)[0] as Results<T>;
  };

  const run = async (message: Uint8Array) => (await pg.execProtocol(message, { syncToFs: false })).messages;

  /** Parses a statement (named, or the unnamed one) and answers its parameters' types: one call. */
  const parseAndDescribe = async (
    text: string,
    options: QueryOptions | undefined,
    name?: string,
    before: Uint8Array[] = [],
  ) =>
    parse.parseDescribeStatementResults(
      await run(
        concat([
          ...before,
          serialize.parse({ ...(name ? { name } : {}), text, types: options?.paramTypes ?? [] }),
          serialize.describe({ type: 'S', ...(name ? { name } : {}) }),
          serialize.sync(),
        ]),
      ),
    );

  /** Binds a parsed statement (named, or the unnamed one) and runs it to its rows: one call. */
  const execute = async <T>(
    statement: string | undefined,
    paramTypes: number[],
    params: readonly unknown[],
    options: QueryOptions | undefined,
    before: Uint8Array[] = [],
  ) =>
    resultOf<T>(
      await run(
        concat([
          ...before,
          serialize.bind({
            ...(statement ? { statement } : {}),
            values: values(paramTypes, params, options),
          }),
          serialize.describe({ type: 'P' }),
          serialize.execute({}),
          serialize.sync(),
        ]),
      ),
      options,
    );

  /** Parses a statement under a new name (closing the least recently used one when the cache is full). */
  const prepare = async (text: string, options?: QueryOptions, stale?: Prepared): Promise<Prepared> => {
    const parts = retired.splice(0).map((name) => serialize.close({ type: 'S', name }));
    if (stale) parts.push(serialize.close({ type: 'S', name: stale.name }));
    else if (cache.size >= STATEMENT_CACHE_SIZE) {
      const [oldest] = cache;
      if (oldest) {
        cache.delete(oldest[0]);
        parts.push(serialize.close({ type: 'S', name: oldest[1].name }));
      }
    }
    counter += 1;
    const name = `co_${counter}`;
    const prepared = { name, paramTypes: await parseAndDescribe(text, options, name, parts) };
    cache.set(text, prepared);
    return prepared;
  };

  const once = async <T>(
    text: string,
    params: readonly unknown[],
    options?: QueryOptions,
    stale?: Prepared,
  ) => {
    let prepared = stale ? undefined : cache.get(text);
    if (prepared) {
      // Most recently used last: Map keeps insertion order.
      cache.delete(text);
      cache.set(text, prepared);
    } else {
      prepared = await prepare(text, options, stale);
    }
    return execute<T>(prepared.name, prepared.paramTypes, params, options);
  };

  /** A statement not worth keeping (DDL, SET, a migration's): unnamed, in one call when it has no values. */
  const unnamed = <T>(text: string, params: readonly unknown[], options?: QueryOptions) =>
    params.length === 0
      ? execute<T>(undefined, [], params, options, [
          serialize.parse({ text, types: options?.paramTypes ?? [] }),
        ])
      : parseAndDescribe(text, options).then((types) => execute<T>(undefined, types, params, options));

  const exclusive = async <T>(
    text: string,
    params: readonly unknown[],
    options: QueryOptions | undefined,
    inTransaction: boolean,
  ): Promise<Results<T>> => {
    if (!PREPARABLE.test(text)) return unnamed<T>(text, params, options);
    try {
      return await once<T>(text, params, options);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code !== RESULT_TYPE_CHANGED) throw err;
      // A migration changed a table under a prepared statement. Outside a transaction, prepare it again.
      // Inside one, the transaction has failed: it is prepared again on its next use.
      const stale = cache.get(text);
      cache.delete(text);
      if (!stale) throw err;
      if (inTransaction) {
        retired.push(stale.name);
        throw err;
      }
      return once<T>(text, params, options, stale);
    }
  };

  return {
    async query<T>(
      text: string,
      params: readonly unknown[] | undefined,
      options: QueryOptions | undefined,
      inTransaction: boolean,
    ) {
      const args = params ?? [];
      const inner = () =>
        pg.runExclusive(async () => {
          try {
            const result = await exclusive<T>(text, args, options, inTransaction);
            if (!inTransaction) await pg.syncToFs();
            return result;
          } catch (err) {
            throw withStatement(err, text, args);
          }
        });
      // Outside a transaction a statement waits for any open one to finish, as PGlite's `query()` does.
      return inTransaction ? inner() : pg._runExclusiveTransaction(inner);
    },
  };
};

/**
 * A PGlite handle for Drizzle and the hand-written SQL whose `query()` goes through the database's runner. `tx` given:
 * inside that transaction (which must still be open), otherwise on the whole database.
 */
export const fastClient = (pg: PGlite, tx?: PGliteTransaction): PGlite => {
  const runner = statementRunner(pg);
  const query = <T>(text: string, params?: unknown[], options?: QueryOptions) => {
    if (tx?.closed) throw new Error('Transaction is closed');
    return runner.query<T>(text, params, options, tx !== undefined);
  };
  // PGlite keeps its state in private fields: its own methods must run on the instance, not the proxy.
  return new Proxy(tx ?? pg, {
    get(target, key) {
      if (key === 'query') return query;
      const value: unknown = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as PGlite;
};
