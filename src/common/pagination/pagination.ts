import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;
/**
 * The deepest `offset` accepted: an offset page reads and skips every row before it, so deeper pages are
 * reached with `cursor` (the `Link: rel="next"` URL), whose cost does not depend on depth.
 */
export const MAX_OFFSET = 10_000;
export const OFFSET_BEYOND_CAP = `offset must not be greater than ${MAX_OFFSET}: page further with cursor (the Link rel="next" URL)`;
const MAX_CURSOR_LENGTH = 2048;
/**
 * Histories count their total up to this many rows: exact below it, and past it `X-Total-Count` says this
 * many with `X-Total-Count-Capped: true` (counting a user's 100,000 rows would cost more than the page).
 */
export const MAX_COUNTED = 1_000;

export class PaginationQuery {
  @ApiPropertyOptional({ default: DEFAULT_LIMIT, minimum: 1, maximum: MAX_LIMIT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_LIMIT)
  limit: number = DEFAULT_LIMIT;

  @ApiPropertyOptional({
    default: 0,
    minimum: 0,
    maximum: MAX_OFFSET,
    description: `Rows to skip, at most ${MAX_OFFSET}; deeper, follow the cursor of the Link rel="next" URL`,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_OFFSET, { message: OFFSET_BEYOND_CAP })
  offset: number = 0;

  @ApiPropertyOptional({
    description: 'Where the page starts: the opaque cursor of the Link rel="next" URL (same filters and sort; not with offset)',
    maxLength: MAX_CURSOR_LENGTH,
    pattern: '^[A-Za-z0-9_-]+$',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_CURSOR_LENGTH)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor is not one this list gave out (take it from the Link rel="next" URL)' })
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** How many rows match; with `totalCapped`, at least this many (counting stopped there). */
  total: number;
  limit: number;
  offset: number;
  /**
   * Keyset lists: the cursor of the next page, null on the last page. Left undefined, the `Link` header pages
   * by offset (a list not converted to keyset paging yet).
   */
  nextCursor?: string | null;
  /** The total was counted up to a cap and there are more (`X-Total-Count` is then a lower bound). */
  totalCapped?: boolean;
}
