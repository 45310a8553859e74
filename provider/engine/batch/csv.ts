// RFC 4180 CSV records, for completion reports: their messages are quoted and may hold commas,
// doubled quotes and line breaks, so a line is not a record.

/** Thrown with the 1-based line where the text stops being CSV; the caller names the file. */
export class CsvError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/** One record and the line it starts on (a quoted line break makes a record span lines). */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * The records of a CSV text, each a list of fields. Records end at "\n" or "\r\n"; a blank line
 * and the line after a final line break are no records. A quote opens a quoted field only at the
 * field's start; inside one, "" is a quote.
 */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let recordLine = 1;
  let field = "";
  let line = 1;
  let i = 0;
  const endField = () => {
    fields.push(field);
    field = "";
  };
  const endRecord = () => {
    endField();
    if (!(fields.length === 1 && fields[0] === "")) records.push({ line: recordLine, fields });
    fields = [];
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '"' && field === "") {
      const start = line;
      i += 1;
      for (;;) {
        if (i >= text.length) throw new CsvError(start, "a quoted field is never closed");
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        if (text[i] === "\n") line += 1;
        field += text[i];
        i += 1;
      }
      const next = text[i];
      if (next !== undefined && next !== "," && next !== "\n" && next !== "\r") {
        throw new CsvError(line, "a quoted field is followed by more text before the next comma");
      }
      continue;
    }
    if (c === ",") endField();
    else if (c === "\n") {
      endRecord();
      line += 1;
      recordLine = line;
    } else if (c === "\r" && text[i + 1] === "\n") {
      // The "\n" ends the record on the next turn.
    } else field += c;
    i += 1;
  }
  if (field !== "" || fields.length > 0) endRecord();
  return records;
}
