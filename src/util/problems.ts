/**
 * Problems found in user input (bad lines of a file, bad files of an import), collected so that one
 * run reports every fix needed instead of only the first: the first `limit` are listed, the rest
 * counted.
 */

/** Problems listed per report; the rest are counted ("... and 12 more"). */
export const MAX_LISTED_PROBLEMS = 20;

export class ProblemList {
  private readonly items: Array<{ readonly at: number; readonly message: string }> = [];
  private total = 0;

  constructor(readonly limit = MAX_LISTED_PROBLEMS) {}

  /** Records a problem; `at` orders the listing (a line number, an input index), default the order of arrival. */
  add(message: string, at = this.total): void {
    this.total++;
    this.items.push({ at, message });
    if (this.items.length > 4 * this.limit) this.trim();
  }

  /** Problems recorded so far. */
  get count(): number {
    return this.total;
  }

  /** The first `limit` messages, in `at` order. */
  listed(): string[] {
    this.trim();
    return this.items.map((e) => e.message);
  }

  /** The listing as text: `head:`, one problem a line, then how many more were found. */
  text(head: string): string {
    const lines = this.listed();
    const more = this.total > lines.length ? `\n  ... and ${this.total - lines.length} more` : '';
    return `${head}:\n  ${lines.join('\n  ')}${more}`;
  }

  private trim(): void {
    this.items.sort((a, b) => a.at - b.at);
    this.items.length = Math.min(this.items.length, this.limit);
  }
}
