// Runs a crontab command the way cron does: an empty environment but PATH=/usr/bin:/bin, /bin/sh -c,
// and as the crontab's user when one is given.
import { spawn } from "node:child_process";

export function shLikeCron(
  command: string,
  asUser?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const argv = ["env", "-i", "PATH=/usr/bin:/bin", "/bin/sh", "-c", command];
  const [bin, ...args] = asUser ? ["runuser", "-u", asUser, "--", ...argv] : argv;
  return new Promise((resolve, reject) => {
    const child = spawn(bin!, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}
