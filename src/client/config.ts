// Loading the client configuration: an explicit kubeconfig file, the in-cluster service
// account, or the default kubeconfig ($KUBECONFIG, ~/.kube/config), in that order.
import { existsSync } from 'node:fs';

import { KubeConfig } from '@kubernetes/client-node';

export function loadKubeConfig(kubeconfigPath?: string): KubeConfig {
  const config = new KubeConfig();
  if (kubeconfigPath) {
    if (!existsSync(kubeconfigPath)) {
      throw new Error(`kubeconfig ${kubeconfigPath} not found: pass --kubeconfig with an existing file`);
    }
    config.loadFromFile(kubeconfigPath);
  } else if (process.env.KUBERNETES_SERVICE_HOST) {
    config.loadFromCluster();
  } else {
    config.loadFromDefault();
  }
  return config;
}
