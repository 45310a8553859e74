// RFC 4180 CSV for the batch-ops simulator: reading job manifests and writing completion reports.

export class CsvSyntaxError extends Error {
  constructor(message: string) {
    super(`[batch-ops simulator] malformed CSV: ${message}`);
    this.name = "CsvSyntaxError";
  }
}

/**
 * Splits a document into rows of fields. Rows end with LF or CRLF; a last row without a line end
 * counts, an empty last line does not. Quoted fields may hold commas, quotes (doubled) and line ends.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let fieldStarted = false;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === "\n") line++;
        field += c;
      }
      continue;
    }
    if (c === '"') {
      if (fieldStarted) throw new CsvSyntaxError(`a quote inside an unquoted field on line ${line}`);
      quoted = true;
      fieldStarted = true;
    } else if (c === ",") {
      row.push(field);
      field = "";
      fieldStarted = false;
    } else if (c === "\n" || (c === "\r" && text[i + 1] === "\n")) {
      if (c === "\r") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      fieldStarted = false;
      line++;
    } else {
      field += c;
      fieldStarted = true;
    }
  }
  if (quoted) throw new CsvSyntaxError(`an unterminated quoted field on line ${line}`);
  if (fieldStarted || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/**
 * One field as AWS's example reports write it: bare when it is a plain token, quoted when it holds a
 * comma, quote, line end or space (the examples quote "Access Denied" but not Successful).
 */
export function csvField(value: string): string {
  return /[",\r\n ]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvRow(fields: string[]): string {
  return `${fields.map(csvField).join(",")}\n`;
}
