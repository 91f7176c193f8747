import { QuietStartupLogger } from './quiet-startup-logger';

describe('QuietStartupLogger', () => {
  const inner = () => ({ log: jest.fn(), error: jest.fn(), warn: jest.fn(), debug: jest.fn(), verbose: jest.fn() });

  it.each(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication'])(
    "moves Nest's %s start-up lines down to debug",
    (context) => {
      const logger = inner();
      new QuietStartupLogger(logger).log('AppModule dependencies initialized', context);
      expect(logger.debug).toHaveBeenCalledWith('AppModule dependencies initialized', context);
      expect(logger.log).not.toHaveBeenCalled();
    },
  );

  it("keeps the app's own lines, and every warning and error, where they were", () => {
    const logger = inner();
    const quiet = new QuietStartupLogger(logger);
    quiet.log('Migrations: up to date', 'Bootstrap');
    quiet.warn('slow', 'InstanceLoader');
    quiet.error('broken', 'stack', 'RouterExplorer');
    expect(logger.log).toHaveBeenCalledWith('Migrations: up to date', 'Bootstrap');
    expect(logger.warn).toHaveBeenCalledWith('slow', 'InstanceLoader');
    expect(logger.error).toHaveBeenCalledWith('broken', 'stack', 'RouterExplorer');
    expect(logger.debug).not.toHaveBeenCalled();
  });
});
