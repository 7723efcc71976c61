import { executionAsyncResource } from 'node:async_hooks';

let held: Promise<object> | undefined;

/**
 * Keeps one of Node's `process.nextTick` objects alive for the life of the process, so that V8
 * never collects the hidden class ("map") every tick object shares.
 *
 * Node builds each tick object with a literal whose first keys are computed symbols. V8 gives such
 * a literal a map reached only through weak links: when a major collection finds no tick object
 * alive, that map dies, the next tick object gets a new one, and the literal's inline caches are
 * left with maps that no longer exist. After a few of those collections the caches stop matching,
 * and every `process.nextTick` (several per HTTP answer: `res.end`, the end of the request
 * stream, the socket's close) takes V8's runtime path for adding properties. A responder that
 * reads a 1,000-probe state file every half second runs enough major collections to get there
 * within minutes of its start; its fast path then answered 0.70 of bare node:http instead of 0.90.
 * Holding one tick object, as this does, measured 0.906 against 0.70-0.71 for the same responder
 * without it in the same run (docs/architecture.md, "Issue 11: where it stands", session 12).
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
