// Runs s3rver (the local S3 API) in its own process: it needs node's
// --openssl-legacy-provider for ListObjectsV2 continuation tokens, which the rest of the
// runtime should not inherit. Started by cli/local/s3-server.ts; prints one JSON line
// {"port": N} on stdout when listening, exits on SIGTERM/SIGINT or when the parent goes away.
'use strict';
const S3rver = require('s3rver');

const [directory, portText, bucketList] = process.argv.slice(2);
const buckets = (bucketList || '').split(',').filter(Boolean);

// s3rver knows one key pair (S3RVER/S3RVER); also accept the local runtime's credentials so
// one set of AWS_* variables serves DynamoDB Local and the S3 server alike.
const { LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY } = process.env;
if (LOCAL_ACCESS_KEY_ID && LOCAL_SECRET_ACCESS_KEY) {
  require('s3rver/lib/models/account').DUMMY_ACCOUNT.createKeyPair(LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY);
}

const server = new S3rver({
  address: '127.0.0.1',
  port: Number(portText) || 0,
  directory,
  silent: true,
  // Path-style addressing only: virtual-host buckets would need DNS for <bucket>.localhost.
  vhostBuckets: false,
  configureBuckets: buckets.map((name) => ({ name, configs: [] })),
});

server.run().then(
  (address) => process.stdout.write(`${JSON.stringify({ port: address.port })}\n`),
  (error) => {
    process.stderr.write(`s3rver failed to start: ${error.message}\n`);
    process.exit(1);
  },
);

const shutdown = () => server.close().finally(() => process.exit(0));
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
// The parent holds our stdin open; when it dies without stopping us, stdin ends.
process.stdin.on('end', shutdown);
process.stdin.resume();
