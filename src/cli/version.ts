// drctl's version, in one place: `--version` answers from here before anything else is loaded.
export const VERSION = process.env.npm_package_version ?? "0.1.0";
