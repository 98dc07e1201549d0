// A loopback HTTP front for s3rver that behaves as a bucket with S3 Object Lock does, which s3rver
// itself does not implement: it records what every request carried, remembers the retention an
// upload asked for, answers HEAD with it (x-amz-object-lock-mode / -retain-until-date, as S3 does),
// and refuses a DELETE of an object still under retention with 403 AccessDenied. Everything else
// goes to s3rver byte for byte (the Host header kept, so SigV4 signatures still hold).
import { createServer, request, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface LockFront {
  endpoint: string;
  /** Every request: method, path (with query) and headers. */
  requests: { method: string; url: string; headers: IncomingHttpHeaders }[];
  stop(): Promise<void>;
}

export async function startLockFront(target: string): Promise<LockFront> {
  const t = new URL(target);
  const requests: LockFront["requests"] = [];
  const retention = new Map<string, { mode: string; until: string }>(); // path → lock
  const server = createServer((req, res) => {
    const url = req.url ?? "/";
    const path = url.split("?")[0] ?? url;
    requests.push({ method: req.method ?? "", url, headers: req.headers });
    const mode = req.headers["x-amz-object-lock-mode"];
    const until = req.headers["x-amz-object-lock-retain-until-date"];
    if ((req.method === "PUT" || req.method === "POST") && typeof mode === "string" && typeof until === "string")
      retention.set(path, { mode, until });
    const lock = retention.get(path);
    if (req.method === "DELETE" && lock && Date.parse(lock.until) > Date.now()) {
      req.resume();
      res.writeHead(403, { "content-type": "application/xml" });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>' +
          "<Message>Access Denied because object protected by object lock.</Message></Error>",
      );
      return;
    }
    const upstream = request(
      { host: t.hostname, port: t.port, method: req.method, path: url, headers: req.headers },
      (up) => {
        const headers = { ...up.headers };
        if (req.method === "HEAD" && lock && up.statusCode === 200) {
          headers["x-amz-object-lock-mode"] = lock.mode;
          headers["x-amz-object-lock-retain-until-date"] = lock.until;
        }
        res.writeHead(up.statusCode ?? 502, headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
