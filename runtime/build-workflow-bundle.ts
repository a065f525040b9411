// The child process of ensureWorkflowBundle (runtime/workflow-bundle.ts): bundle the workflows with
// webpack, write the code to the given file and exit, taking webpack's memory with it.
//   node --import tsx runtime/build-workflow-bundle.ts <workflowsPath> <outFile>
// Run without arguments, it ensures the cached bundle of the current sources (e.g. at image build)
// for the production entry, workflows/index.ts (compose runs with loadExamples off).
import { writeFile } from 'node:fs/promises';
import { bundleWorkflowsHere, ensureWorkflowBundle, type ChildResult } from './workflow-bundle';

const [workflowsPath, outFile] = process.argv.slice(2);
const reply = (m: ChildResult) =>
  new Promise<void>((resolve) => (process.send ? process.send(m, undefined, {}, () => resolve()) : resolve()));

if (!workflowsPath || !outFile) {
  const bundle = await ensureWorkflowBundle();
  console.log(bundle.path);
} else {
  try {
    const { code, inputs } = await bundleWorkflowsHere(workflowsPath);
    await writeFile(outFile, code);
    await reply({ ok: true, inputs });
  } catch (err) {
    await reply({ ok: false, error: err instanceof Error ? err.message : String(err) });
    process.exitCode = 1;
  }
}
// The IPC channel would keep the process alive.
process.disconnect?.();
