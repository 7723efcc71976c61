import { family, labels } from '../metrics/exposition.ts';

/**
 * `deadpool_requests_total{route,code}`, counted on the fast path too, so it costs two Map
 * look-ups a request. The route is a path of the config (base_url, a pool's path), a fixed
 * route, or `other`: never a value taken from the request, which would let anyone make series.
 */
export class RequestCounts {
  readonly #routes = new Map<string, Map<number, number>>();

  add(route: string, code: number): void {
    let codes = this.#routes.get(route);
    if (codes === undefined) {
      codes = new Map();
      this.#routes.set(route, codes);
    }
    codes.set(code, (codes.get(code) ?? 0) + 1);
  }

  text(): string {
    let out = family('deadpool_requests_total', 'counter', 'HTTP requests the responder answered, by route and status code.');
    for (const [route, codes] of this.#routes) for (const [code, n] of codes) out += `deadpool_requests_total${labels({ route, code: String(code) })} ${n}\n`;
    return out;
  }
}
