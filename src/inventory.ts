/** Read-only views of what AWS holds, through the real SDK clients: used by the demo and as the tests' view of the world. */
import {
  DescribeEndpointCommand,
  DescribeModelPackageCommand,
  ListEndpointConfigsCommand,
  ListEndpointsCommand,
  ListModelPackagesCommand,
  ListModelsCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';

/** Names of models, endpoint configs and endpoints whose name contains `fragment`. */
export async function resourcesNamed(sagemaker: SageMakerClient, fragment: string) {
  const [models, configs, endpoints] = await Promise.all([
    sagemaker.send(new ListModelsCommand({ NameContains: fragment, MaxResults: 100 })),
    sagemaker.send(new ListEndpointConfigsCommand({ NameContains: fragment, MaxResults: 100 })),
    sagemaker.send(new ListEndpointsCommand({ NameContains: fragment, MaxResults: 100 })),
  ]);
  return {
    models: (models.Models ?? []).map((m) => m.ModelName!).sort(),
    endpointConfigs: (configs.EndpointConfigs ?? []).map((c) => c.EndpointConfigName!).sort(),
    endpoints: (endpoints.Endpoints ?? []).map((e) => e.EndpointName!).sort(),
  };
}

export async function describeEndpoint(sagemaker: SageMakerClient, name: string) {
  return sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
}

/** Every version of a registered model: approval and stage. */
export async function registryVersions(sagemaker: SageMakerClient, group: string) {
  const list = await sagemaker.send(new ListModelPackagesCommand({ ModelPackageGroupName: group, MaxResults: 100 }));
  const out = [];
  for (const s of list.ModelPackageSummaryList ?? []) {
    const p = await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: s.ModelPackageArn }));
    out.push({
      version: p.ModelPackageVersion!,
      approval: p.ModelApprovalStatus,
      stage: p.ModelLifeCycle?.Stage,
      stageStatus: p.ModelLifeCycle?.StageStatus,
      stageDescription: p.ModelLifeCycle?.StageDescription,
    });
  }
  return out.sort((a, b) => a.version - b.version);
}
