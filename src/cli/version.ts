// drctl's version, in one place: `--version` answers from here before anything else is loaded. A
// literal, not npm's npm_package_version (which names whatever package's script runs drctl); a test
// keeps it equal to package.json's.
export const VERSION = "0.1.0";
