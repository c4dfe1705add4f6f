// DuckDB's side of sql_bench.py: one DuckDB database kept open for the whole
// benchmark, so every timed round finds the engine as warm as the PostgreSQL
// server it is compared with.
//
//   node duckdb_run.mjs NODE_MODULES_DIR DATABASE_FILE
//
// NODE_MODULES_DIR is where `npm install` put @duckdb/node-api (sql_bench.py
// installs it into a cache directory, not next to this file). Requests come
// one JSON object a line on stdin, and each gets one JSON line on stdout:
//
//   {"exec": SQL}   runs one or more statements        -> {"ok": true}
//   {"query": SQL}  runs one statement and times it    -> {"ok": true, "seconds": S,
//                                                           "columns": [...], "rows": [[...]]}
//
// "seconds" is the wall time from sending the statement to having read its
// whole result. Values come as DuckDB's JSON rendering (BIGINT as a string).
// An error answers {"ok": false, "error": MESSAGE}. The database is closed
// when stdin ends.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const [modulesDir, databaseFile] = process.argv.slice(2);
if (!modulesDir || !databaseFile) {
  process.stderr.write('usage: node duckdb_run.mjs NODE_MODULES_DIR DATABASE_FILE\n');
  process.exit(2);
}
// An ES module ignores NODE_PATH: resolve the package from its own directory.
const require = createRequire(join(modulesDir, 'noop.js'));
const { DuckDBInstance } = require('@duckdb/node-api');

const instance = await DuckDBInstance.create(databaseFile);
const connection = await instance.connect();

function answer(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (!line.trim()) continue;
  try {
    const request = JSON.parse(line);
    if (request.exec !== undefined) {
      await connection.run(request.exec);
      answer({ ok: true });
    } else if (request.query !== undefined) {
      const t0 = process.hrtime.bigint();
      const reader = await connection.runAndReadAll(request.query);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      answer({ ok: true, seconds, columns: reader.columnNames(), rows: reader.getRowsJson() });
    } else {
      answer({ ok: false, error: 'a request needs "exec" or "query"' });
    }
  } catch (err) {
    answer({ ok: false, error: String(err && err.message ? err.message : err) });
  }
}
connection.closeSync();
instance.closeSync();
