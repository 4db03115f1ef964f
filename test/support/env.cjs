// Test environment: silence the AWS SDK's Node-version notice (Node 20 here, 24 on Lambda).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.CDK_VALIDATION = process.env.CDK_VALIDATION ?? 'false';
