/**
 * mssql_probe: the Python DeadPool's module name, so its configs load and run unchanged: sql_probe
 * with `driver: mssql` fixed (and no `driver` key). See src/probe-kit/sqlProbe.ts.
 */
import { z } from 'zod';
import { sqlProbe, sqlQueryKeys } from '../src/probe-kit/sqlProbe.ts';

export default sqlProbe('mssql_probe', z.strictObject(sqlQueryKeys), () => 'mssql');
