/** A local HTTP server for download tests: serves fixed bodies, redirects and slow or endless answers. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

export interface ImageServer {
  readonly origin: string;
  readonly port: number;
  route(path: string, handler: Route): void;
  close(): Promise<void>;
}

export async function startImageServer(): Promise<ImageServer> {
  const routes = new Map<string, Route>();
  const server = createServer((req, res) => {
    const handler = routes.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (handler) handler(req, res);
    else res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    route: (path, handler) => routes.set(path, handler),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const serveBytes =
  (body: Buffer, contentType = 'image/jpeg'): Route =>
  (_req, res) =>
    res.writeHead(200, { 'content-type': contentType, 'content-length': body.length }).end(body);

export const redirectTo =
  (location: string, status = 302): Route =>
  (_req, res) =>
    res.writeHead(status, { location }).end();
