/**
 * nchan (the nginx pub/sub module) as the non-Node reference: one nginx worker, EventSource
 * subscribers, an HTTP publisher location, in-memory storage. The config is generated into the
 * scratch directory; nothing outside it is touched. Skipped, with the install command, when nginx
 * or the module is missing: the harness installs nothing.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openFileLimit } from '../proc-stats.js';
import { stopProcess } from '../spawn.js';
import { freePort, LOOPBACK, launchServer } from './server-process.js';
import { type RunningTarget, sseRequest, type TargetContext, type TargetDefinition } from './target.js';

const NGINX_PATHS = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'];
const MODULE_PATHS = [
  '/usr/lib/nginx/modules/ngx_nchan_module.so',
  '/usr/share/nginx/modules/ngx_nchan_module.so',
  '/usr/lib64/nginx/modules/ngx_nchan_module.so',
];
const INSTALL_HINT = 'install it with `apt-get install nginx libnginx-mod-nchan`';

const nginxBinary = () => NGINX_PATHS.find((path) => existsSync(path));
const nchanModule = () => MODULE_PATHS.find((path) => existsSync(path));

/** Channel ids go into the URL path; the locations accept word characters only. */
export function nchanChannelId(topic: string): string {
  return topic.replace(/\W/g, '_');
}

export function nginxConfig(dir: string, port: number, modulePath: string, maxOpenFiles: number): string {
  // worker_connections counts both directions of every connection; size it to the file limit.
  const connections = Math.max(1024, maxOpenFiles - 64);
  return `load_module ${modulePath};
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile ${maxOpenFiles};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events {
  worker_connections ${connections};
  multi_accept on;
}
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  # The publisher pipelines thousands of requests on one keep-alive connection.
  keepalive_requests 1000000000;
  keepalive_timeout 600s;
  nchan_shared_memory_size 256m;
  server {
    listen ${LOOPBACK}:${port} backlog=4096;
    location ~ ^/sub/(\\w+)$ {
      nchan_subscriber eventsource;
      nchan_channel_id $1;
      nchan_subscriber_first_message newest;
    }
    location ~ ^/pub/(\\w+)$ {
      nchan_publisher;
      nchan_channel_id $1;
      nchan_message_buffer_length 16;
    }
  }
}
`;
}

export const nchanTarget: TargetDefinition = {
  name: 'nchan',
  unavailableReason() {
    if (nginxBinary() === undefined) return `nginx is not installed; ${INSTALL_HINT}`;
    if (nchanModule() === undefined) return `the nchan module is not installed; ${INSTALL_HINT}`;
    return undefined;
  },
  async start(context: TargetContext): Promise<RunningTarget> {
    const nginx = nginxBinary()!;
    const port = await freePort();
    const dir = context.scratchDir;
    mkdirSync(join(dir, 'logs'), { recursive: true });
    const limit = openFileLimit('self', 'hard') ?? 1024;
    const maxOpenFiles = Number.isFinite(limit) ? Math.min(limit, 1_048_576) : 1_048_576;
    const configPath = join(dir, 'nginx.conf');
    writeFileSync(configPath, nginxConfig(dir, port, nchanModule()!, maxOpenFiles));
    const { child } = await launchServer(nginx, ['-p', dir, '-c', configPath, '-e', join(dir, 'error.log')], {
      cwd: dir,
      scratchDir: dir,
      port,
    });
    return {
      name: 'nchan',
      pid: child.pid ?? 0,
      host: LOOPBACK,
      port,
      subscribeRequest: (topic) => sseRequest(LOOPBACK, port, `/sub/${nchanChannelId(topic)}`),
      publishSpec: (topic) => ({
        host: LOOPBACK,
        port,
        path: `/pub/${nchanChannelId(topic)}`,
        headers: { 'Content-Type': 'text/plain', Accept: 'text/plain' },
        bodyFormat: 'raw',
        topic,
      }),
      stop: () => stopProcess(child),
    };
  },
};
