import Redis from 'ioredis';
import { Pool } from 'pg';

/** The floor's process-wide connections and settings, read once from the environment. */
export const env = process.env;
export const pool = new Pool({ connectionString: env.DATABASE_URL, max: 20, application_name: 'marketplace-bench-floor' });
export const redis = env.REDIS_URL ? new Redis(env.REDIS_URL) : null;
export const secret = Buffer.from(env.JWT_SECRET_KEY ?? '');
export const mailDir = env.EMAIL_OUTPUT_DIR ?? '/tmp/floor-mail';
