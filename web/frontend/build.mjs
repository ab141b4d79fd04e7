// Bundles the workbench's browser code that npm ships only as ES modules (bpmnlint and
// bpmn-js-bpmnlint; the properties panel's entry components; CodeMirror for the form editor)
// into web/bundles/, which
// web/assets.py serves. `make` runs it; the output is git-ignored and rebuilt from
// package-lock.json's packages, never committed nor fetched.
//
// bpmnlint's configuration names its rules by package ("bpmnlint:recommended"); in the browser
// they must be bundled, so `.bpmnlintrc` files are compiled by bpmnlint's own compileConfig
// (what the rollup and webpack plugins do) into a module exporting { config, resolver }.
import { readFile, mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import * as esbuild from "esbuild";

const require = createRequire(import.meta.url);
const compileConfig = require("bpmnlint/lib/support/compile-config");

const here = dirname(fileURLToPath(import.meta.url));
const output = join(here, "..", "bundles");

const bpmnlintConfig = {
  name: "bpmnlint-config",
  setup(build) {
    build.onLoad({ filter: /\.bpmnlintrc$/ }, async (args) => {
      const config = JSON.parse(await readFile(args.path, "utf8"));
      return { contents: await compileConfig(config), loader: "js", resolveDir: here };
    });
  },
};

await mkdir(output, { recursive: true });
// The properties panel with our spiffworkflow: provider, as the global the modeler reads.
await esbuild.build({
  entryPoints: [join(here, "properties-panel.js")],
  outfile: join(output, "properties-panel.js"),
  bundle: true,
  format: "iife",
  globalName: "BuenGobiernoPropiedades",
  target: "es2019",
  minify: true,
  legalComments: "eof",
  logLevel: "warning",
});
await esbuild.build({
  entryPoints: [join(here, "workbench-lint.js")],
  outfile: join(output, "workbench-lint.js"),
  bundle: true,
  format: "iife",
  target: "es2019",
  minify: true,
  sourcemap: false,
  legalComments: "eof",
  logLevel: "warning",
  plugins: [bpmnlintConfig],
});
// The form editor's JSON texts in CodeMirror (highlighting, the server's problems in line).
await esbuild.build({
  entryPoints: [join(here, "form-editor.js")],
  outfile: join(output, "form-editor.js"),
  bundle: true,
  format: "iife",
  target: "es2019",
  minify: true,
  legalComments: "eof",
  logLevel: "warning",
});
