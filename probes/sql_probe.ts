/**
 * sql_probe: one query per check against PostgreSQL, MySQL/MariaDB or SQL Server, on a fresh
 * connection, its rows judged by `exists`, `rows_min` and `pass`. The code is shared with
 * mssql_probe in src/probe-kit/sqlProbe.ts, where the choices are explained.
 */
import { z } from 'zod';
import { DRIVERS, sqlProbe, sqlQueryKeys } from '../src/probe-kit/sqlProbe.ts';

const DRIVER_EXPECTED = `expected one of ${DRIVERS.join(', ')}`;
const driver = z.string({ error: DRIVER_EXPECTED }).pipe(z.enum(DRIVERS, { error: DRIVER_EXPECTED }));

export default sqlProbe('sql_probe', z.strictObject({ driver, ...sqlQueryKeys }), (query) => query.driver);
