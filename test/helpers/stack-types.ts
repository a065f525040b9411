/** What the global setup hands every integration test (plain data: it crosses process boundaries). */
export interface TestStack {
  temporalAddress: string;
  namespace: string;
  s3Endpoint: string;
  s3AccessKey: string;
  s3SecretKey: string;
  workflowBundlePath: string;
  tempDir: string;
  temporalTestServerPath: string;
}
