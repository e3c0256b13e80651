/**
 * A node:test reporter that prints how long each test file took, slowest first (to stderr, after the
 * run). Files run one after another, so a file's time is from the previous file's last event to its own
 * last event: process start, imports, hooks and tests.
 */
export default async function* fileTimes(source) {
  const started = Date.now();
  const last = new Map();
  for await (const event of source) {
    const file = event.data?.file;
    if (file && (event.type === 'test:pass' || event.type === 'test:fail')) {
      last.delete(file); // re-insert: Map order is the order files finished
      last.set(file, Date.now());
    }
  }
  let previous = started;
  const rows = [...last].map(([file, at]) => {
    const row = { file: file.replace(`${process.cwd()}/`, ''), ms: at - previous };
    previous = at;
    return row;
  });
  rows.sort((a, b) => b.ms - a.ms);
  const total = rows.reduce((n, r) => n + r.ms, 0);
  process.stderr.write(`# per-file wall time (s), ${rows.length} files, ${(total / 1000).toFixed(1)} s in all:\n`);
  for (const r of rows) process.stderr.write(`#   ${(r.ms / 1000).toFixed(1).padStart(6)}  ${r.file}\n`);
  yield '';
}
