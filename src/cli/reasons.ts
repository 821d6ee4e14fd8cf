// One-line reasons for the CLI's error messages, without the code and path Node puts around them.

/** "ENOENT: no such file or directory, open 'x'" -> "no such file or directory". */
export function systemReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const match = /^E[A-Z]+: ([^,]+)/.exec(message);
  return match ? match[1] : message;
}
