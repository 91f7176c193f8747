import type { Response } from 'supertest';

/** The `Link` header as `{rel: url}`; `{}` when there is none. */
export function links(response: Response): Record<string, string> {
  const header = response.headers.link as string | undefined;
  if (!header) return {};
  return Object.fromEntries(
    header.split(/,\s*(?=<)/).map((part) => {
      const match = /^<([^>]+)>;\s*rel="(\w+)"$/.exec(part.trim());
      if (!match) throw new Error(`Malformed Link part: ${part}`);
      return [match[2], match[1]];
    }),
  );
}
