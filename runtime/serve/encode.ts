import { DuckDBTypeId, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import type { QueryResult } from './store-reader';

// DuckDB result values as the API sends them: DATE as 'YYYY-MM-DD', TIMESTAMP as ISO-8601 UTC
// ('2026-03-03T05:00:00Z': every time the store holds is UTC), BIGINT as a number when it is
// exact (else its decimal text), DOUBLE as a number (NaN/Infinity as null), VARCHAR as is.

export type PlainValue = string | number | boolean | null;

type Converter = (v: DuckDBValue) => PlainValue;

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function bigintValue(v: DuckDBValue): PlainValue {
  if (typeof v !== 'bigint') return v === null ? null : Number(v);
  return v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : v.toString();
}

function numberValue(v: DuckDBValue): PlainValue {
  if (v === null) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

function timestampValue(v: DuckDBValue): PlainValue {
  if (v === null) return null;
  const text = String(v); // 'YYYY-MM-DD HH:MM:SS[.ffffff]'
  return `${text.replace(' ', 'T')}Z`;
}

const textValue: Converter = (v) => (v === null ? null : String(v));

function converterFor(type: DuckDBType): Converter {
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UBIGINT:
      return bigintValue;
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DECIMAL:
      return numberValue;
    case DuckDBTypeId.BOOLEAN:
      return (v) => (v === null ? null : Boolean(v));
    case DuckDBTypeId.TIMESTAMP:
      return timestampValue;
    default:
      return textValue; // VARCHAR, DATE ('YYYY-MM-DD') and anything else: its text
  }
}

/** Rows as objects keyed by column name, values converted once per column type. */
export function toPlainRows(result: QueryResult): Array<Record<string, PlainValue>> {
  const convs = result.columns.map((c) => converterFor(c.type));
  const names = result.columns.map((c) => c.name);
  return result.rows.map((row) => {
    const out: Record<string, PlainValue> = {};
    for (let i = 0; i < names.length; i++) out[names[i] as string] = (convs[i] as Converter)(row[i] ?? null);
    return out;
  });
}

function csvCell(v: PlainValue): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180 CSV with a header line. */
export function toCsv(result: QueryResult): string {
  const names = result.columns.map((c) => c.name);
  const lines = [names.map((n) => csvCell(n)).join(',')];
  for (const row of toPlainRows(result)) lines.push(names.map((n) => csvCell(row[n] ?? null)).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
