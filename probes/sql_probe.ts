/**
 * sql_probe: one query per check against PostgreSQL, MySQL/MariaDB or SQL Server, on a fresh
 * connection, its rows judged by `exists`, `rows_min` and `pass`. The code is shared with
 * mssql_probe in src/probe-kit/sqlProbe.ts, where the choices are explained.
 */
import { z } from 'zod';
import { DRIVERS, sqlProbe, sqlQueryKeys } from '../src/probe-kit/sqlProbe.ts';

const driver = z.enum(DRIVERS, { error: `expected one of ${DRIVERS.join(', ')}` });

export default sqlProbe('sql_probe', z.strictObject({ driver, ...sqlQueryKeys }), (query) => query.driver);
