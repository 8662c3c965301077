#!/bin/sh
# esbuild strips the types and bundles the test with the sources; node runs the bundle.
set -e
esbuild test/duration.test.ts --bundle --platform=node --format=esm --log-level=error --outfile=/tmp/tests.mjs
exec node /tmp/tests.mjs
