// The store behind a repository of the spec. Backends are imported when used: a spec with only
// filesystem repositories never loads the SSH library.

import { DrError } from "../errors.js";
import type { Repository } from "../spec/types.generated.js";
import { filesystemStore } from "./filesystem.js";
import type { ObjectStore } from "./store.js";

export async function openStore(name: string, repo: Repository): Promise<ObjectStore> {
  switch (repo.type) {
    case "filesystem":
      return filesystemStore(repo.path);
    case "sftp": {
      const { sftpStore } = await import("./sftp.js");
      return await sftpStore(repo);
    }
    default:
      throw new DrError(
        "failed",
        `repository ${name}: ${repo.type} repositories are not part of this drctl version yet`,
      );
  }
}
