import { ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort, portOpen } from '../helpers/ports';

/**
 * The scale set-up on loopback: `size` instances of the built app (`node dist/src/main.js`, each its own
 * process and port, one PostgreSQL database and one Redis between them) behind Debian's nginx, run in the
 * foreground with its prefix, configuration, pid and temporary files in a directory of its own. nginx uses
 * the repository's proxy rules (docker/nginx/proxy.conf) as they are; only the `upstream api` block and the
 * listening port are written here.
 */
const ROOT = resolve(__dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'src', 'main.js');
export const PROXY_RULES = join(ROOT, 'docker', 'nginx', 'proxy.conf');
const BOOT_TIMEOUT_MS = 120_000;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Instance {
  port: number;
  /** Its own address, bypassing the proxy. */
  url: string;
  /** `127.0.0.1:<port>`, as nginx names the upstream that served a request. */
  upstream: string;
  process: ChildProcess;
  output(): string;
  exited: Promise<Exit>;
}

export interface Cluster {
  proxyUrl: string;
  instances: Instance[];
  /** nginx's access log: `<x-request-id> <upstream(s)> <status>` per request. */
  accessLog(): Array<{ requestId: string; upstreams: string[]; status: number }>;
  nginxErrors(): string;
  stop(): Promise<void>;
}

export function findNginx(): string {
  const found = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'].find((path) => existsSync(path));
  if (!found) throw new Error("nginx is not installed: `apt-get install -y nginx` (Debian's package; .ci/run installs it).");
  return found;
}

export async function buildApp(): Promise<void> {
  await promisify(execFile)(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT });
  if (!existsSync(MAIN)) throw new Error(`the build did not produce ${MAIN}`);
}

/** The proxy rules with their `listen` line pointed at `port` on loopback; fails if the file has changed shape. */
export function proxyServerBlock(port: number): string {
  const rules = readFileSync(PROXY_RULES, 'utf8');
  const listens = rules.match(/^\s*listen\s+[^;]+;/gm) ?? [];
  if (listens.length !== 1) throw new Error(`${PROXY_RULES} should have exactly one listen line, has ${listens.length}`);
  if (!/proxy_pass\s+http:\/\/api;/.test(rules)) throw new Error(`${PROXY_RULES} no longer proxies to upstream api`);
  return rules.replace(/^(\s*)listen\s+[^;]+;/m, `$1listen 127.0.0.1:${port};`);
}

function nginxConfig(dir: string, port: number, upstreams: string[]): string {
  return `daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  log_format scale '$http_x_request_id $upstream_addr $status';
  access_log ${dir}/access.log scale;
  # For the tests only: which instance answered (docker/nginx/proxy.conf has no add_header, so it inherits this).
  add_header X-Upstream $upstream_addr always;

  upstream api {
${upstreams.map((upstream) => `    server ${upstream};`).join('\n')}
    keepalive 16;
  }

${proxyServerBlock(port)}
}
`;
}

function track(child: ChildProcess): { output(): string; exited: Promise<Exit> } {
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<Exit>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  return { output: () => output, exited };
}

async function waitUntil(what: string, exited: Promise<Exit>, output: () => string, ready: () => Promise<boolean>): Promise<void> {
  let exit: Exit | undefined;
  void exited.then((result) => (exit = result));
  const giveUpAt = Date.now() + BOOT_TIMEOUT_MS;
  while (!(await ready().catch(() => false))) {
    if (exit || Date.now() > giveUpAt) throw new Error(`${what}: ${exit ? `exited (${JSON.stringify(exit)})` : 'timed out'}\n${output()}`);
    await sleep(200);
  }
}

/** Starts the instances (together: they migrate under an advisory lock, once) and nginx in front of them. */
export async function startCluster(options: { size: number; env: Record<string, string> }): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'marketplace-scale-'));
  // nginx's worker runs as an unprivileged user when the master is root: it must reach its temp paths.
  chmodSync(dir, 0o755);
  const mailDir = join(dir, 'mail');
  mkdirSync(mailDir);
  const processes: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(
      processes.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const gone = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await Promise.race([gone, sleep(15_000)]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const base: NodeJS.ProcessEnv = { ...process.env };
    for (const key of ['DATABASE_URL', 'TEST_DATABASE_URL', 'E2E_DATABASE_URL', 'REDIS_URL', 'TEST_REDIS_URL', 'E2E_REDIS_URL', 'PORT', 'LOG_FORMAT'])
      delete base[key];
    const instances: Instance[] = [];
    for (let index = 0; index < options.size; index++) {
      const port = await freePort();
      const child = spawn(process.execPath, [MAIN], {
        cwd: dir,
        env: { ...base, LOG_FORMAT: 'json', EMAIL_OUTPUT_DIR: mailDir, ...options.env, PORT: String(port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      processes.push(child);
      instances.push({ port, url: `http://127.0.0.1:${port}`, upstream: `127.0.0.1:${port}`, process: child, ...track(child) });
    }
    for (const instance of instances) {
      await waitUntil(
        `instance on ${instance.port}`,
        instance.exited,
        instance.output,
        async () => (await fetch(`${instance.url}/health/ready`)).status === 200,
      );
    }

    const proxyPort = await freePort();
    writeFileSync(
      join(dir, 'nginx.conf'),
      nginxConfig(
        dir,
        proxyPort,
        instances.map((instance) => instance.upstream),
      ),
    );
    const nginx = spawn(findNginx(), ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: ['ignore', 'pipe', 'pipe'] });
    processes.push(nginx);
    const proxy = track(nginx);
    const nginxErrors = () => `${proxy.output()}${existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : ''}`;
    await waitUntil('nginx', proxy.exited, nginxErrors, () => portOpen(proxyPort));

    return {
      proxyUrl: `http://127.0.0.1:${proxyPort}`,
      instances,
      accessLog: () =>
        (existsSync(join(dir, 'access.log')) ? readFileSync(join(dir, 'access.log'), 'utf8') : '')
          .split('\n')
          .filter(Boolean)
          .map((line) => {
            const [requestId, ...rest] = line.split(' ');
            const status = Number(rest.pop());
            return { requestId, upstreams: rest.join(' ').split(', '), status };
          }),
      nginxErrors,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
