/** A source file: its name, its text, and offset -> line/column. */
export class SourceFile {
  private lineStarts: number[] | undefined;
  constructor(
    readonly name: string,
    readonly text: string,
  ) {}

  private starts(): number[] {
    if (!this.lineStarts) {
      const starts = [0];
      for (let i = 0; i < this.text.length; i++) if (this.text.charCodeAt(i) === 10) starts.push(i + 1);
      this.lineStarts = starts;
    }
    return this.lineStarts;
  }

  /** 1-based line and column of an offset. */
  position(offset: number): { line: number; column: number } {
    const starts = this.starts();
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo] + 1 };
  }

  /** The text of a 1-based line, without its newline. */
  line(line: number): string {
    const starts = this.starts();
    const start = starts[line - 1] ?? this.text.length;
    const end = line < starts.length ? starts[line] - 1 : this.text.length;
    return this.text.slice(start, end).replace(/\r$/, "");
  }

  get lineCount(): number {
    return this.starts().length;
  }
}

/** A half-open range of offsets in a named file. */
export interface Span {
  file: string;
  start: number;
  end: number;
}
