// Plain-text tables for the terminal: right-align numbers, cap wide cells.
export function renderTable(rows: Array<Record<string, unknown>>, opts: { maxWidth?: number } = {}): string {
  if (rows.length === 0) return '(no rows)';
  const cols = Object.keys(rows[0]!);
  const max = opts.maxWidth ?? 60;
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    return s.length > max ? `${s.slice(0, max - 1)}…` : s;
  };
  const isNum = cols.map((c) =>
    rows.every((r) => r[c] === null || typeof r[c] === 'number' || typeof r[c] === 'bigint'),
  );
  const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length), isNum[i] ? 0 : 0));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => (isNum[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [
    line(cols),
    widths.map((w) => '─'.repeat(w)).join('  '),
    ...rows.map((r) => line(cols.map((c) => cell(r[c])))),
  ].join('\n');
}
