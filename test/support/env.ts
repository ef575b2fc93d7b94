// Tests never touch a real account: dummy credentials, and the endpoint guard in the moto harness.
process.env.AWS_ACCESS_KEY_ID = 'testing';
process.env.AWS_SECRET_ACCESS_KEY = 'testing';
process.env.AWS_SESSION_TOKEN = 'testing';
process.env.AWS_REGION = process.env.AWS_REGION ?? 'us-east-1';
delete process.env.AWS_PROFILE;
process.env.POWERTOOLS_LOG_LEVEL = process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.CMK_SENTINEL_MAX_ATTEMPTS = process.env.CMK_SENTINEL_MAX_ATTEMPTS ?? '1';
// Versions are pinned in package-lock.json; the SDK's Node 22 notice is known and tracked.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
