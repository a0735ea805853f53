// Runs the operator in the test process against the local cluster.
import { pino } from 'pino';

import { parseConfig, type OperatorConfig } from '../../../src/operator/config.js';
import { Operator, type OperatorOptions } from '../../../src/operator/operator.js';
import { kubeConfig } from './harness.js';

export interface TestOperatorOptions extends Partial<Omit<OperatorOptions, 'config' | 'kubeConfig' | 'logger'>> {
  config?: Partial<OperatorConfig>;
}

/**
 * Starts an operator that watches only the given namespaces, without leader election and
 * without the probe server, and returns it; call stop() in afterAll.
 */
export async function startOperator(namespaces: string[], options: TestOperatorOptions = {}): Promise<Operator> {
  const config: OperatorConfig = {
    ...parseConfig([], {}),
    namespaces,
    leaderElect: false,
    operatorUsername: 'reserve-admin',
    logLevel: process.env.RESERVE_TEST_LOG_LEVEL ?? 'silent',
    resyncPeriodSeconds: 30,
    ...options.config,
  };
  const operator = new Operator({
    kubeConfig: kubeConfig(),
    logger: pino({ level: config.logLevel }),
    disableHealthServer: true,
    disableWebhooks: true,
    ...options,
    config,
  });
  await operator.start();
  return operator;
}
