import { executionAsyncResource } from 'node:async_hooks';

let held: Promise<object> | undefined;

/**
 * Keeps one of Node's `process.nextTick` objects alive for the life of the process, so that V8
 * never collects the hidden class ("map") every tick object shares.
 *
 * Node builds each tick object with a literal whose first keys are computed symbols. V8 reaches
 * such a literal's map only through weak links: when a major collection finds no tick object
 * alive, that map dies and the next tick object gets a new one, which the literal's inline caches
 * have not seen. After two such collections every `process.nextTick` (several per HTTP answer:
 * `res.end`, the end of the request stream, the socket's close) takes V8's runtime path for
 * adding properties. A responder that reads a 1,000-probe state file every half second runs
 * enough major collections to get there within minutes of its start: its fast path answered
 * 0.70-0.73 of bare node:http's requests/s. With this call in `deadpool web`: 0.898-0.91, same
 * run (docs/architecture.md, "Issue 11: where it stands", session 12). The map stays the same
 * however large the async ids in it grow (checked past 2^31, 2^32 and 2^40), so one held object
 * is enough for the life of the process.
 *
 * Call it first thing, before the process has run a major collection. Resolves with the object
 * held (the same one on every call).
 */
export function keepTickMapAlive(): Promise<object> {
  held ??= new Promise((resolve) => {
    // Inside a nextTick callback, the current async resource is that callback's tick object.
    process.nextTick(() => resolve(executionAsyncResource()));
  });
  return held;
}
