import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MlflowModelRegistry, mlflowOptionsFromEnv, registryFromConfig } from '../../src/activities/mlflow-registry';

describe('choosing the registry (worker --registry, MLFLOW_TRACKING_URI)', () => {
  it('uses SageMaker’s registry by default (the activities fall back to it)', () => {
    assert.equal(registryFromConfig('sagemaker', { MLFLOW_TRACKING_URI: 'http://mlflow:5000' }), undefined);
  });

  it('builds the MLflow adapter from the variables MLflow’s own clients read', () => {
    assert.ok(registryFromConfig('mlflow', { MLFLOW_TRACKING_URI: 'http://mlflow:5000/' }) instanceof MlflowModelRegistry);
    assert.deepEqual(
      mlflowOptionsFromEnv({ MLFLOW_TRACKING_URI: ' https://mlflow.example ', MLFLOW_TRACKING_TOKEN: 't0k', MODELSHIP_MLFLOW_PRODUCTION_ALIAS: 'prod' }),
      { trackingUri: 'https://mlflow.example', token: 't0k', username: undefined, password: undefined, productionAlias: 'prod', previousAlias: undefined },
    );
  });

  it('refuses mlflow without a tracking server, and a tracking URI that is not a server', () => {
    assert.throws(() => registryFromConfig('mlflow', {}), /--registry mlflow needs the tracking server: set MLFLOW_TRACKING_URI/);
    assert.throws(() => registryFromConfig('mlflow', { MLFLOW_TRACKING_URI: 'file:///tmp/mlruns' }), /must be an http\(s\) URL/);
    assert.throws(() => registryFromConfig('mlflow', { MLFLOW_TRACKING_URI: 'not a url' }), /must be an http\(s\) URL of a tracking server; got not a url/);
  });
});
