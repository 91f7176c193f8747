import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, MoreThan, Repository } from 'typeorm';
import { RevokedTokenEntity } from './revoked-token.entity';

/** The record of revoked token ids (`jti`) in PostgreSQL. */
@Injectable()
export class RevokedTokensRepository {
  constructor(@InjectRepository(RevokedTokenEntity) private readonly revoked: Repository<RevokedTokenEntity>) {}

  async record(jti: string, expiresAt: Date): Promise<void> {
    await this.revoked.upsert({ jti, expiresAt }, ['jti']);
  }

  /** Records `jti` unless it already is: true for the one caller that inserted it. */
  async recordOnce(jti: string, expiresAt: Date): Promise<boolean> {
    const result = await this.revoked.createQueryBuilder().insert().values({ jti, expiresAt }).orIgnore().returning('jti').execute();
    return (result.raw as unknown[]).length === 1;
  }

  /** Expired entries can never match a valid token again. */
  async pruneExpired(): Promise<void> {
    await this.revoked.delete({ expiresAt: LessThan(new Date()) });
  }

  /** When the revocation of `jti` lapses, or null when it is not (or no longer) revoked. */
  async findActiveExpiry(jti: string): Promise<Date | null> {
    const row = await this.revoked.findOne({ select: { expiresAt: true }, where: { jti, expiresAt: MoreThan(new Date()) } });
    return row?.expiresAt ?? null;
  }
}
