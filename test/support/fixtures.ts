/**
 * The names every test shares: the account and region the emulator answers for, the execution role, the
 * credentials the SDK clients sign with, and where a model version's image and artifacts live.
 */
export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

/** The execution role models run under (the emulator only checks it is a role ARN). */
export const ROLE = `arn:aws:iam::${ACCOUNT}:role/sagemaker-exec`;

/** The start of every SageMaker ARN in the test account: `${ARN_PREFIX}:model/<name>`. */
export const ARN_PREFIX = `arn:aws:sagemaker:${REGION}:${ACCOUNT}`;

/** What the SDK clients pointed at the emulator sign with; a test can look for them in logs. */
export const TEST_CREDENTIALS = { accessKeyId: 'AKIDMODELSHIPTEST', secretAccessKey: 'modelship-test-secret' };

/** The ECR image of `model` tagged `tag`. */
export const image = (model: string, tag: string) => `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${model}:${tag}`;

/** The artifacts of version `tag` of `model`. */
export const modelData = (model: string, tag: string) => `s3://models/${model}/${tag}.tar.gz`;
