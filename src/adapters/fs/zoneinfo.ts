// The system's time zone files (/usr/share/zoneinfo, or $TZDIR), which cron reads through libc: a
// zone's rules for the RPO proofs and the scheduler check come from here before ICU is asked.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseTzif, type ZoneRules } from "../../core/tzif.js";

/** Zone names as the tz database spells them (Europe/Berlin, Etc/GMT+5): nothing that can leave the directory. */
const ZONE_NAME = /^[A-Za-z0-9_+-]+(?:\/[A-Za-z0-9_+-]+)*$/;

const zones = new Map<string, ZoneRules | undefined>();

/** The zone's rules from its zoneinfo file; undefined when there is none or it is not one this reader knows. */
export function systemZone(name: string): ZoneRules | undefined {
  if (zones.has(name)) return zones.get(name);
  let rules: ZoneRules | undefined;
  if (ZONE_NAME.test(name)) {
    try {
      rules = parseTzif(name, readFileSync(join(process.env.TZDIR || "/usr/share/zoneinfo", name)));
    } catch {
      rules = undefined; // no such zone here (or unreadable): ICU is asked instead
    }
  }
  zones.set(name, rules);
  return rules;
}
