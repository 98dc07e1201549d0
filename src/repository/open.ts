// The store behind a repository of the spec. Backends are imported when used: a spec with only
// filesystem repositories never loads the SSH library or the AWS SDK.

import { DrError } from "../errors.js";
import type { Repository } from "../spec/types.generated.js";
import { filesystemStore } from "./filesystem.js";
import type { ObjectStore } from "./store.js";

export async function openStore(name: string, repo: Repository): Promise<ObjectStore> {
  const store = await openBackend(name, repo);
  if (repo.type === "filesystem" || !repo.bandwidth) return store;
  const { parseRate, throttledStore } = await import("./throttle.js");
  return throttledStore(store, parseRate(repo.bandwidth));
}

async function openBackend(name: string, repo: Repository): Promise<ObjectStore> {
  switch (repo.type) {
    case "filesystem":
      return filesystemStore(repo.path);
    case "sftp": {
      const { sftpStore } = await import("./sftp.js");
      return await sftpStore(repo);
    }
    case "s3": {
      const { s3Store } = await import("./s3.js");
      return s3Store(repo);
    }
    default:
      throw new DrError("invalid", `repository ${name}: unknown type ${(repo as { type: string }).type}`);
  }
}
