#!/usr/bin/env node
// Entry point of the `reserve` command: parses flags, runs the operator until SIGTERM or
// SIGINT, then shuts down gracefully.
import { loadKubeConfig } from '../client/config.js';
import { parseConfig, usage } from './config.js';
import { createLogger } from './logger.js';
import { Operator } from './operator.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  let config;
  try {
    config = parseConfig(argv);
  } catch (error) {
    process.stderr.write(`reserve: ${error instanceof Error ? error.message : String(error)}\n\n${usage()}\n`);
    process.exit(2);
  }
  const logger = createLogger(config.logLevel);
  let kubeConfig;
  try {
    kubeConfig = loadKubeConfig(config.kubeconfig);
  } catch (error) {
    process.stderr.write(`reserve: cannot load the kubeconfig: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
  const operator = new Operator({ config, kubeConfig, logger });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    operator
      .stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  try {
    await operator.start();
  } catch (error) {
    logger.fatal({ err: error }, 'operator failed to start');
    process.exit(1);
  }
}

void main();
