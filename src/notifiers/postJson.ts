import axios from 'axios';

/** POSTs `body` as JSON and resolves with the status code; rejects on a network failure or abort. */
export type PostJson = (url: string, body: string, headers: Readonly<Record<string, string>>, signal: AbortSignal) => Promise<number>;

/**
 * axios, with HTTP_PROXY and friends ignored (a webhook is reached directly, as probes reach
 * their backends), no redirect followed (a 3xx is a failure, not a move of the event elsewhere)
 * and the response body never read: only the status says whether the event arrived.
 */
const http = axios.create({ proxy: false, maxRedirects: 0, validateStatus: () => true, responseType: 'stream', decompress: false });

export const axiosPostJson: PostJson = async (url, body, headers, signal) => {
  const response = await http.post(url, body, { headers: { 'content-type': 'application/json', ...headers }, signal });
  (response.data as NodeJS.ReadableStream & { destroy(): void }).destroy();
  return response.status;
};
