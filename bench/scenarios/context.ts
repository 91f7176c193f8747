import { BenchArgs, ScenarioKey } from '../lib/args';
import { BenchDatabaseServer } from '../lib/database';
import { Dataset } from '../lib/dataset';
import { RequestSpec } from '../lib/load';
import { BenchServers } from '../lib/servers';

export type Target = 'app' | 'floor';

/** What every scenario works with: the options, the database server, the seeded database and the servers. */
export interface ScenarioContext {
  args: BenchArgs;
  db: BenchDatabaseServer & { baseName: string };
  /** The seeded database. */
  url: string;
  dataset: Dataset;
  servers: BenchServers;
}

export type HttpScenarioKey = Exclude<ScenarioKey, 'login' | 'sse'>;

/** The scenarios measured against both servers, in the order they run within a round. */
export const HTTP_SCENARIOS: Array<{ key: HttpScenarioKey; floor: boolean }> = [
  { key: 'list', floor: true },
  { key: 'byId', floor: true },
  { key: 'slots', floor: false },
  { key: 'booking', floor: true },
];

/** A fresh request generator per scenario. */
export function generatorsOf(dataset: Dataset): Record<HttpScenarioKey, () => () => RequestSpec> {
  return {
    list: () => dataset.listing(),
    byId: () => dataset.serviceById(),
    slots: () => dataset.slots(),
    booking: () => dataset.booking(),
  };
}
