// Structural validation of a spec against schemas/drspec.schema.json (ajv, all errors at once),
// turned into diagnostics that name FILE:LINE:COL, the spec path, and a fix where one is known.

import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Ajv as AjvType, ErrorObject, ValidateFunction } from "ajv";
import type { Diagnostic } from "../errors.js";
import { packageFile } from "../adapters/fs/package-files.js";
import { didYouMean } from "./suggest.js";
import { formatPath, locate, type LoadedSpec, type SpecPath } from "./load.js";

const require = createRequire(import.meta.url);

let compiled: ValidateFunction | undefined;

/**
 * The ajv that checks specs — one configuration for the build's precompiled validator
 * (scripts/gen-validator.mjs), a run from source, and the tests. Loaded only when called.
 */
export function specAjv(extra: object = {}): AjvType {
  const { Ajv } = require("ajv") as { Ajv: new (opts: object) => AjvType };
  const addFormats = require("ajv-formats") as (a: AjvType) => AjvType;
  const ajv = new Ajv({
    allErrors: true,
    verbose: true,
    discriminator: true,
    strict: true,
    strictTuples: false,
    allowUnionTypes: true,
    ...extra,
  });
  addFormats(ajv);
  // a human description of what a schema expects, used in place of ajv's terse wording
  ajv.addKeyword({ keyword: "x-expected", schemaType: "string" });
  return ajv;
}

function validator(): ValidateFunction {
  if (!compiled) {
    // the build precompiles the schema (scripts/gen-validator.mjs) into dist/spec/, which this path
    // names both from dist/spec/ and from the bundle's dist/chunks/; running from source compiles it here
    const precompiled = new URL("../spec/drspec-validator.cjs", import.meta.url);
    if (existsSync(precompiled)) {
      compiled = require(precompiled.pathname) as ValidateFunction;
      return compiled;
    }
    const ajv = specAjv();
    compiled = ajv.compile(JSON.parse(readFileSync(packageFile("schemas/drspec.schema.json"), "utf8")));
  }
  return compiled;
}

export function validateSchema(spec: LoadedSpec): Diagnostic[] {
  const validate = validator();
  if (validate(spec.data)) return [];
  return collapseErrors(validate.errors ?? []).map((e) => toDiagnostic(spec, e));
}

function pointerToPath(pointer: string): SpecPath {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

/**
 * ajv reports one error per failed branch of an anyOf, and both a pattern and a propertyNames error
 * for a bad key. Keep what helps a user: when some branch had the value's kind and complained about
 * its content, those complaints; otherwise one "expected ..." line for the whole anyOf.
 */
function collapseErrors(errors: ErrorObject[]): ErrorObject[] {
  // errors raised inside propertyNames repeat what the propertyNames error says
  let kept = errors.filter((e) => (e as ErrorObject & { propertyName?: string }).propertyName === undefined);
  const kindOnly = new Set(["type", "const", "enum", "format", "pattern"]);
  for (const a of kept.filter((e) => e.keyword === "anyOf")) {
    const within = kept.filter(
      (e) => e !== a && (e.instancePath === a.instancePath || e.instancePath.startsWith(`${a.instancePath}/`)),
    );
    const wrongKind = within.filter((e) => e.instancePath === a.instancePath && kindOnly.has(e.keyword));
    const content = within.filter((e) => !wrongKind.includes(e));
    kept = kept.filter((e) => !wrongKind.includes(e) && (content.length === 0 || e !== a));
  }
  // a discriminated oneOf: the matching branch's errors say it all
  kept = kept.filter(
    (e) =>
      !(
        e.keyword === "oneOf" &&
        kept.some((o) => o !== e && o.instancePath.startsWith(e.instancePath) && o.keyword !== "oneOf")
      ),
  );
  // an unknown repository type is already reported by the enum on "type" (with a did-you-mean)
  kept = kept.filter(
    (e) =>
      !(
        e.keyword === "discriminator" &&
        kept.some((o) => o.instancePath === `${e.instancePath}/type` && o.keyword === "enum")
      ),
  );
  return kept;
}

function toDiagnostic(spec: LoadedSpec, e: ErrorObject): Diagnostic {
  const path = pointerToPath(e.instancePath);
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
  const expected = typeof parent["x-expected"] === "string" ? (parent["x-expected"] as string) : undefined;
  const d = (summary: string, at: SpecPath = path, key = false, hint?: string): Diagnostic => {
    const out: Diagnostic = { severity: "error", path: formatPath(at), summary, position: locate(spec, at, { key }) };
    if (hint) out.hint = hint;
    return out;
  };
  switch (e.keyword) {
    case "additionalProperties": {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const known = Object.keys((parent.properties as object | undefined) ?? {});
      const guess = didYouMean(key, known);
      return d(
        `unknown key "${key}"`,
        [...path, key],
        true,
        guess ? `did you mean "${guess}"?` : known.length ? `known keys here: ${known.join(", ")}` : undefined,
      );
    }
    case "required": {
      const missing = String((e.params as { missingProperty: string }).missingProperty);
      return d(`missing required key "${missing}"`);
    }
    case "propertyNames": {
      const name = String((e.params as { propertyName: string }).propertyName);
      return d(`invalid name ${JSON.stringify(name)}: expected ${nameExpectation}`, [...path, name], true);
    }
    case "discriminator": {
      const p = e.params as { error: string; tag: string; tagValue: unknown };
      if (p.error === "mapping") {
        return d(
          `unknown ${p.tag} ${JSON.stringify(p.tagValue)}`,
          [...path, p.tag],
          false,
          `expected one of: filesystem, sftp, s3`,
        );
      }
      return d(`"${p.tag}" must be a string naming the kind`, [...path, p.tag]);
    }
    case "enum": {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
      const guess = typeof e.data === "string" ? didYouMean(e.data, allowed.map(String)) : undefined;
      return d(
        `${JSON.stringify(e.data)} is not one of: ${allowed.join(", ")}`,
        path,
        false,
        guess ? `did you mean "${guess}"?` : undefined,
      );
    }
    case "const":
      return d(`must be ${expected ?? JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`);
    case "type":
      return d(`must be ${expected ?? article((e.params as { type: string }).type)}, got ${describe(e.data)}`);
    case "pattern":
    case "format":
    case "anyOf":
      return d(`${JSON.stringify(e.data)} is not valid: expected ${expected ?? e.message}`);
    case "minProperties":
      return d(`must not be empty`);
    case "minItems":
      return d(`needs at least ${(e.params as { limit: number }).limit} item(s)`);
    case "uniqueItems": {
      const p = e.params as { i: number; j: number };
      return d(`items ${p.j} and ${p.i} are the same`, [...path, p.i]);
    }
    case "minLength":
      return d(
        e.data === ""
          ? "must not be empty"
          : `is too short (at least ${(e.params as { limit: number }).limit} characters)`,
      );
    case "maxLength":
      return d(`is too long (at most ${(e.params as { limit: number }).limit} characters)`);
    case "minimum":
    case "maximum":
      return d(`${String(e.data)} is out of range: expected ${expected ?? e.message}`);
    default:
      return d(e.message ?? `fails ${e.keyword}`);
  }
}

const nameExpectation =
  "lowercase letters, digits, '_' and '-', starting with a letter or digit (names become cron markers and paths)";

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function describe(v: unknown): string {
  if (v === null) return "null (an empty value)";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  return `${typeof v} ${JSON.stringify(v)}`;
}
